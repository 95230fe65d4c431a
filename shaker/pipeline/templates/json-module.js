// JSON imported from JavaScript: the parsed value is the default export, and its top-level keys
// that are valid names are named exports too (as Vite's JSON plugin does).
const data = __SHAKER_JSON__;
export default data;
export const { __SHAKER_NAMES__ } = data ?? {};
