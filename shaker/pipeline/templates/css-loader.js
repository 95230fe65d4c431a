// CSS imported from JavaScript, in a production build (one per module, or per chunk when
// modules are linked). Pages built by shaker already link the stylesheets in <head>; this adds
// the <link>s that are missing (a chunk reached through a dynamic import, a backend page
// rendered from the manifest) and holds the code after it back until they have loaded, so
// nothing renders unstyled. A block: its names never meet the chunk's.
{
  const linked = new Set(
    [...document.querySelectorAll('link[rel="stylesheet"]')].map((link) => link.href),
  );
  const missing = __SHAKER_HREFS__.map((path) => new URL(path, import.meta.url).href)
    .filter((href) => !linked.has(href));
  await Promise.all(missing.map((href) => new Promise((resolve) => {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    link.onload = link.onerror = resolve;
    document.head.appendChild(link);
  })));
}
