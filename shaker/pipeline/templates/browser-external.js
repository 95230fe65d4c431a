// A `browser` field `false` entry ("ignore a module" in the package-browser-field-spec): what
// the package asked bundlers to leave out of browser builds is an empty object, as in Vite
// (`__vite-browser-external`), so `import http from "http"` still links.
export default {};
