// The React Fast Refresh preamble a page runs before React loads (Vite's plugin-react
// injects the same): the runtime hooks into React DevTools' global before react-dom reads it.
import RefreshRuntime from __SHAKER_RUNTIME__;
RefreshRuntime.injectIntoGlobalHook(window);
window.$RefreshReg$ = () => {};
window.$RefreshSig$ = () => (type) => type;
window.__vite_plugin_react_preamble_installed__ = true;
