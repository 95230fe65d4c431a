// React Fast Refresh in a component module (development): registrations and hook signatures
// go to the runtime of /@react-refresh directly, so a page whose preamble installed no-ops
// (backend integrations copy Vite's) still refreshes. On line 1, so no line number moves.
import * as __shaker_refresh from __SHAKER_RUNTIME__;const $RefreshReg$ = (type, id) => __shaker_refresh.register(type, id), $RefreshSig$ = __shaker_refresh.createSignatureFunctionForTransform;
