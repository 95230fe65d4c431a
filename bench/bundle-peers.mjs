// Production builds by shaker's peers, for bench/bundle.py and tests/test_bundle_rollup.py.
//
//   node bundle-peers.mjs JOBS.json
//
// JOBS.json: {"rollup": PREFIX | null, "vite": PREFIX | null, "jobs": [JOB, ...]}, where a
// PREFIX is an `npm install --prefix` directory of the bench cache and a JOB is
//   {"tool": "rollup", "input": ABS_JS, "outdir": ABS_DIR, "commonjs": true}
//     Rollup, es format, treeshake default, no minification; @rollup/plugin-node-resolve
//     (browser, exportConditions browser/module/import/default, preferBuiltins false; an
//     unresolved import is an error, not an external), and with "commonjs"
//     @rollup/plugin-commonjs and @rollup/plugin-replace (process.env.NODE_ENV → "production");
//   {"tool": "vite", "root": ABS_DIR, "input": ABS_HTML, "outdir": ABS_DIR}
//     `vite build` of that page (production, Vite's default minification), no config file.
// Runs the jobs one after the other and prints one JSON line: [{"ok": bool, "error": str}, ...].
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const from = (prefix) => createRequire(path.join(prefix, 'node_modules', 'noop.js'));
const plain = (m) => (m && m.default) || m;

async function rollupJob(job) {
  const require = from(spec.rollup);
  const { rollup } = require('rollup');
  const { nodeResolve } = require('@rollup/plugin-node-resolve');
  const plugins = [nodeResolve({
    browser: true, exportConditions: ['browser', 'module', 'import', 'default'],
    preferBuiltins: false, // a browser build: `events` is the npm package, not Node's
  })];
  if (job.commonjs) {
    plugins.push(plain(require('@rollup/plugin-commonjs'))());
    plugins.push(plain(require('@rollup/plugin-replace'))({
      preventAssignment: true, values: { 'process.env.NODE_ENV': JSON.stringify('production') },
    }));
  }
  // An import Rollup cannot resolve would silently become external (and shrink the output).
  const onwarn = (warning) => {
    if (warning.code === 'UNRESOLVED_IMPORT') throw new Error(warning.message);
  };
  const bundle = await rollup({ input: job.input, plugins, onwarn });
  try {
    await bundle.write({ dir: job.outdir, format: 'es' });
  } finally {
    await bundle.close();
  }
}

async function viteJob(job) {
  const { build } = await import(pathToFileURL(from(spec.vite).resolve('vite')).href);
  await build({
    root: job.root, configFile: false, logLevel: 'silent', mode: 'production',
    build: { outDir: job.outdir, emptyOutDir: true, rolldownOptions: { input: job.input } },
  });
}

const results = [];
for (const job of spec.jobs) {
  try {
    await (job.tool === 'rollup' ? rollupJob(job) : viteJob(job));
    results.push({ ok: true, error: '' });
  } catch (error) {
    results.push({ ok: false, error: String((error && error.stack) || error).slice(0, 2000) });
  }
}
console.log(JSON.stringify(results));
