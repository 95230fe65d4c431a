// CSS imported from JavaScript, served as a self-accepting module: editing the file swaps the
// <style> in place, and a module nobody imports any more takes its <style> with it.
import { updateStyle, removeStyle } from __SHAKER_CLIENT__;

const id = __SHAKER_ID__;
const css = __SHAKER_CSS__;
updateStyle(id, css);
import.meta.hot.accept();
import.meta.hot.prune(() => removeStyle(id));
export default css;
