// /@react-refresh: the React Fast Refresh runtime from the app's own react-refresh package,
// as Vite's @vitejs/plugin-react serves it (backend integrations import it by this URL).
import RefreshRuntime from __SHAKER_RUNTIME__;

export default RefreshRuntime;
export const injectIntoGlobalHook = RefreshRuntime.injectIntoGlobalHook;
export const register = RefreshRuntime.register;
export const createSignatureFunctionForTransform =
  RefreshRuntime.createSignatureFunctionForTransform;

/** Why a module's new exports cannot be refreshed in place, or undefined when they can. */
export function incompatible(exports) {
  for (const key in exports) {
    if (key !== "__esModule" && !RefreshRuntime.isLikelyComponentType(exports[key])) {
      return `Could not Fast Refresh ("${key}" export is incompatible)`;
    }
  }
  return undefined;
}

let pending;
/** Re-render after a batch of component updates (several modules may update at once). */
export function enqueueUpdate() {
  clearTimeout(pending);
  pending = setTimeout(() => RefreshRuntime.performReactRefresh(), 16);
}
