// JSON imported from JavaScript, served as a module whose default export is the parsed value.
const data = __SHAKER_JSON__;
export default data;
