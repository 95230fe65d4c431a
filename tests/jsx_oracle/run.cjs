// Usage: node run.cjs MANIFEST.json -> prints one JSON line per module: its exports and the
// factory calls it made, or the error it threw. Modules run one after the other in one process.
'use strict';
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
const runtime = require(path.join(__dirname, 'runtime.cjs'));

globalThis.React = { createElement: runtime.classic('React.createElement'), Fragment: runtime.Fragment };
globalThis.h = runtime.classic('h');
globalThis.Frag = runtime.Fragment;

(async () => {
  const files = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  for (const file of files) {
    runtime.log.length = 0;
    let result;
    try {
      const ns = await import(pathToFileURL(file).href);
      const exports = {};
      for (const key of Object.keys(ns).sort()) exports[key] = runtime.show(ns[key]);
      result = { exports, calls: runtime.log.slice() };
    } catch (err) {
      result = { error: String(err && err.name) + ': ' + String(err && err.message) };
    }
    process.stdout.write(JSON.stringify({ file, result }) + '\n');
  }
})();
