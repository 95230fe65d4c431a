// Every export of this module is a React component: it takes its own updates, and React
// re-renders the components in place (state kept) once the batch of updates is in.
if (import.meta.hot) { import.meta.hot.accept(() => __shaker_refresh.enqueueUpdate()); }
