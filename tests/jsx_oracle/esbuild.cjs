// Usage: node esbuild.cjs ESBUILD_DIR JOBS.json -> JSON list: esbuild's output (or error) per job.
// A job is {code, filename, mode}: mode "automatic", "development" or "classic".
'use strict';
const fs = require('fs');
const esbuild = require(process.argv[2]);
const jobs = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const out = jobs.map(({ code, filename, mode, importSource }) => {
  const options = { loader: 'jsx', format: 'esm', sourcefile: filename, logLevel: 'silent' };
  if (mode === 'classic') options.jsx = 'transform';
  else options.jsx = 'automatic';
  if (mode === 'development') options.jsxDev = true;
  if (importSource) options.jsxImportSource = importSource;
  try {
    return { code: esbuild.transformSync(code, options).code };
  } catch (err) {
    return { error: err.errors ? err.errors.map((e) => e.text).join('; ') : String(err) };
  }
});
process.stdout.write(JSON.stringify(out));
