// CSS imported from JavaScript, in a production build. Pages built by shaker already link the
// stylesheet in <head>; this module adds the <link> only where it is missing (a module reached
// through a dynamic import, a backend page rendered from the manifest) and holds its importer
// back until the stylesheet has loaded, so nothing renders unstyled.
const href = new URL(__SHAKER_HREF__, import.meta.url).href;
const linked = [...document.querySelectorAll('link[rel="stylesheet"]')].some(
  (link) => link.href === href,
);
if (!linked) {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  await new Promise((resolve) => {
    link.onload = link.onerror = resolve;
    document.head.appendChild(link);
  });
}
