// This module registers React components: it takes its own updates. When every export of the
// new version is a component, React re-renders in place (state kept) once the batch is in;
// otherwise the update goes on to the importers, with the reason (as plugin-react does).
if (import.meta.hot) { import.meta.hot.accept((next) => { const reason = next ? __shaker_refresh.incompatible(next) : "the module failed to load"; if (reason) import.meta.hot.invalidate(reason); else __shaker_refresh.enqueueUpdate(); }); }
