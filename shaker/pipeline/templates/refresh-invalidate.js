// This module has components but also exports something else: React cannot refresh it in
// place, so an update goes on to its importers, with the reason.
if (import.meta.hot) { import.meta.hot.accept(() => import.meta.hot.invalidate(__SHAKER_REASON__)); }
