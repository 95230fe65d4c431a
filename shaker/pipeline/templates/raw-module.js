// A file imported with `?raw` (or CSS with `?inline`): its text.
export default __SHAKER_TEXT__;
