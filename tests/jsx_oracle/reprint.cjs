// Usage: node reprint.cjs ESBUILD_DIR JOBS.json -> JSON list of {ours, theirs} (or {error}).
// A job is {ours, source, filename}: esbuild lowers `source` (automatic runtime), then prints
// both that and `ours` (shaker's lowering, plain JavaScript now) with the same printer
// (whitespace minified: esbuild keeps the source's line layout otherwise), so
// that two lowerings of a real library can be compared as text.
'use strict';
const fs = require('fs');
const esbuild = require(process.argv[2]);
const jobs = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const print = (code, sourcefile) => esbuild.transformSync(code, {
  loader: 'js', format: 'esm', minifyWhitespace: true, sourcefile,
}).code;
const out = jobs.map(({ ours, source, filename }) => {
  try {
    const theirs = esbuild.transformSync(source, {
      loader: 'jsx', jsx: 'automatic', format: 'esm', sourcefile: filename,
    }).code;
    return { ours: print(ours, filename), theirs: print(theirs, filename) };
  } catch (err) {
    return { error: err.errors ? err.errors.map((e) => e.text).join('; ') : String(err) };
  }
});
process.stdout.write(JSON.stringify(out));
