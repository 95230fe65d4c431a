// `import "vite/modulepreload-polyfill"` (django-vite's README and Vite's backend guide ask for
// it), as a build writes it: in a browser without <link rel="modulepreload"> (Safari before
// 17, Firefox before 115), fetch what such links name, those in the page and those added
// later, so the module graph still loads in parallel. Vite's polyfill (after es-module-shims)
// does the same; the dev server serves an empty module instead, as Vite does.
(() => {
  const relList = document.createElement("link").relList;
  if (relList && relList.supports && relList.supports("modulepreload")) return;
  const fetched = new Set();
  const preload = (link) => {
    if (fetched.has(link.href)) return;
    fetched.add(link.href);
    const init = {
      credentials: link.crossOrigin === "use-credentials" ? "include"
        : link.crossOrigin === "anonymous" ? "omit" : "same-origin",
    };
    if (link.integrity) init.integrity = link.integrity;
    if (link.referrerPolicy) init.referrerPolicy = link.referrerPolicy;
    fetch(link.href, init);
  };
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.tagName === "LINK" && node.rel === "modulepreload") preload(node);
      }
    }
  }).observe(document, { childList: true, subtree: true });
  for (const link of document.querySelectorAll('link[rel="modulepreload"]')) preload(link);
})();
