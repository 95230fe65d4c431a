// Usage: node run.cjs TOOLS.json JOBS.json -> JSON list, per job: what running shaker's
// output and Babel's (react-refresh/babel) output records. A job is {code, ours, id}.
// Both are lowered by esbuild (JSX) and run as CommonJS-free ES modules under a fake React:
// every $RefreshReg$ call (id, what was registered) and every signature association (what,
// key, forceReset, the custom hooks' names) is recorded, in order.
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');
const { pathToFileURL } = require('url');
const tools = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const babel = require(tools.babel);
const refreshPlugin = require(tools.refresh);
const esbuild = require(tools.esbuild);
const jobs = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refresh-'));
const dir_ = dir;
fs.writeFileSync(path.join(dir, 'package.json'), '{"type": "module"}');
const fake = path.join(dir, 'node_modules', 'react');
fs.mkdirSync(fake, { recursive: true });
fs.writeFileSync(path.join(fake, 'package.json'), JSON.stringify({ name: 'react', type: 'module', exports: { '.': './index.js', './jsx-runtime': './jsx.js' } }));
fs.writeFileSync(path.join(fake, 'index.js'), `
const hook = (name) => { const f = () => undefined; Object.defineProperty(f, 'name', { value: name }); return f; };
export const useState = hook('useState'), useReducer = hook('useReducer'), useEffect = hook('useEffect'),
  useRef = hook('useRef'), useMemo = hook('useMemo'), useCallback = hook('useCallback'), useContext = hook('useContext'),
  useLayoutEffect = hook('useLayoutEffect');
export const memo = (type) => ({ kind: 'memo', type });
export const forwardRef = (render) => ({ kind: 'forwardRef', render });
export const createElement = () => null;
const React = { useState, useReducer, useEffect, useRef, useMemo, useCallback, useContext, memo, forwardRef, createElement };
export default React;
`);
fs.writeFileSync(path.join(fake, 'jsx.js'), 'export const jsx = () => null, jsxs = jsx, Fragment = "F";\n');

// Whatever a case takes from a package or the global scope: callable, constructible,
// taggable, with any property, so that every module runs to its end.
const STUB = new Proxy(function stub() {}, {
  get: (target, key) => (key === 'prototype' ? {} : typeof key === 'symbol' ? undefined : STUB),
  apply: () => STUB,
  construct: () => ({}),
});
globalThis.__stub = STUB;
for (const name of ['React', 'makeBox', 'makeItem', 'funny', 'hoc', 'cond', 'compute', 'dep',
  'Theme', 'reducer', 'useNotImported', 'foo', 'requireCond', 'importLazy', 'require',
  'run', 'useState', 'useEffect', 'useCallback', 'useMemo', 'useContext', 'useRef']) {
  globalThis[name] = STUB;
}
globalThis.React = { Component: class Component {}, memo: (type) => ({ kind: 'memo', type }),
  forwardRef: (render) => ({ kind: 'forwardRef', render }), useState: () => [], useReducer: () => [],
  useRef: () => ({}), createElement: () => null, useEffect: () => {} };
process.on('unhandledRejection', () => {});

function stubPackage(specifier, names) {
  const dir = path.join(dir_, 'node_modules', specifier);
  if (fs.existsSync(dir)) return;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: specifier, type: 'module', main: 'index.js' }));
  const named = names.filter((n) => n !== 'default');
  fs.writeFileSync(path.join(dir, 'index.js'),
    (named.length ? `export const { ${named.join(', ')} } = { ${named.map((n) => `${n}: globalThis.__stub`).join(', ')} };\n` : '') +
    'export default globalThis.__stub;\n');
}

function stubModule(names) {
  const named = names.filter((n) => n !== 'default');
  return (named.length ? `export const { ${named.join(', ')} } = { ${named.map((n) => `${n}: globalThis.__stub`).join(', ')} };\n` : '') +
    'export default globalThis.__stub;\n';
}

function stubFile(file, names) {
  fs.writeFileSync(file, stubModule(names));
}

function describe(value, depth = 0) {
  if (value === STUB) return 'stub';
  if (typeof value === 'function') return `fn ${value.name}`;
  if (value && typeof value === 'object' && depth < 5) {
    return `${value.kind}(${describe(value.type || value.render, depth + 1)})`;
  }
  return String(value);
}

(async () => {
  const out = [];
  let n = 0;
  for (const job of jobs) {
    const result = {};
    for (const [specifier, names] of Object.entries(job.stubs)) {
      if (specifier.startsWith('./')) stubFile(path.join(dir, specifier), names);
      else if (specifier !== 'react' && !specifier.startsWith('.')) stubPackage(specifier, names);
    }
    let theirs;
    try {
      theirs = babel.transformSync(job.code, {
        babelrc: false, configFile: false, filename: 'App.jsx',
        parserOpts: { plugins: ['jsx'] }, plugins: [[refreshPlugin, { skipEnvCheck: true }]],
      }).code;
    } catch (err) {
      out.push({ error: 'babel: ' + err.message });
      continue;
    }
    for (const [who, code] of [['ours', job.ours], ['theirs', theirs]]) {
      const log = [];
      globalThis.$RefreshReg$ = (type, id) => {
        const name = who === 'ours' ? id.slice(job.id.length + 1) : id;
        log.push(['reg', name, describe(type)]);
      };
      globalThis.$RefreshSig$ = () => (type, key, forceReset, getHooks) => {
        if (typeof key === 'string') {
          log.push(['sig', describe(type), key, !!forceReset, getHooks ? getHooks().map((h) => describe(h)) : null]);
        }
        return type;
      };
      globalThis.styled = { h1: () => function styledH1() {}, div: () => function styledDiv() {} };
      try {
        const js = esbuild.transformSync(code, { loader: 'jsx', jsx: 'automatic', format: 'esm' }).code;
        const file = path.join(dir, `m${n++}.mjs`);
        fs.writeFileSync(file, js);
        await import(pathToFileURL(file).href);
        result[who] = log;
      } catch (err) {
        result[who] = { error: String(err && err.message), code };
      }
    }
    out.push(result);
  }
  process.stdout.write(JSON.stringify(out));
})();
