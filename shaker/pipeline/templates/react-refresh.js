// /@react-refresh: the React Fast Refresh runtime from the app's own react-refresh package,
// as Vite's @vitejs/plugin-react serves it (backend integrations import it by this URL).
import RefreshRuntime from __SHAKER_RUNTIME__;

export default RefreshRuntime;
export const injectIntoGlobalHook = RefreshRuntime.injectIntoGlobalHook;
export const register = RefreshRuntime.register;
export const createSignatureFunctionForTransform =
  RefreshRuntime.createSignatureFunctionForTransform;

let pending;
/** Re-render after a batch of component updates (several modules may update at once). */
export function enqueueUpdate() {
  clearTimeout(pending);
  pending = setTimeout(() => RefreshRuntime.performReactRefresh(), 16);
}
