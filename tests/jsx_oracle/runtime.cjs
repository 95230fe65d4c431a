// A recording JSX runtime: every factory call is logged with exactly what it received, and
// returns an element as React would build it (key taken out, children as props.children),
// so two compilers' outputs can be compared call by call and tree by tree.
'use strict';
const Fragment = Symbol.for('test.fragment');
const log = [];

function show(value, depth = 0) {
  if (depth > 40) return '<deep>';
  if (value === undefined) return '<undefined>';
  if (value === Fragment) return '<Fragment>';
  if (typeof value === 'function') return `<function ${value.name}>`;
  if (typeof value === 'symbol') return `<${String(value)}>`;
  if (typeof value === 'number' && !Number.isFinite(value)) return `<${value}>`;
  if (Array.isArray(value)) return value.map((v) => show(v, depth + 1));
  if (value && typeof value === 'object') {
    const out = {};
    for (const key of Object.keys(value)) out[key] = show(value[key], depth + 1);
    return out;
  }
  return value;
}

function element(type, props, key) {
  return { $el: show(type), key: key === undefined || key === null ? null : '' + key, props };
}

function record(fn, args) {
  const entry = { fn, type: show(args[0]), props: show(args[1]), nargs: args.length };
  // jsx() with and without an explicit `undefined` key differ only here
  if (fn === 'jsx' || fn === 'jsxs' || fn === 'jsxDEV') {
    entry.key = show(args[2]);
  } else {
    entry.children = show(args.slice(2));
  }
  if (fn === 'jsxDEV') {
    entry.isStaticChildren = args[3];
    entry.source = show(args[4]);
    entry.self = args[5] === undefined ? null : typeof args[5];
  }
  log.push(entry);
}

function jsxLike(fn) {
  return function (type, config, maybeKey) {
    record(fn, Array.prototype.slice.call(arguments));
    let key = maybeKey;
    const props = {};
    for (const name in config) {
      if (name === 'key') {
        if (key === undefined) key = config.key;
      } else {
        props[name] = config[name];
      }
    }
    return element(type, props, key);
  };
}

function createElementLike(fn) {
  return function (type, config, ...children) {
    record(fn, [type, config, ...children]);
    const props = {};
    let key;
    if (config != null) {
      for (const name in config) {
        if (name === 'key') key = config.key;
        else if (name !== '__self' && name !== '__source') props[name] = config[name];
      }
    }
    if (children.length === 1) props.children = children[0];
    else if (children.length > 1) props.children = children;
    return element(type, props, key);
  };
}

module.exports = {
  Fragment,
  log,
  show,
  jsx: jsxLike('jsx'),
  jsxs: jsxLike('jsxs'),
  jsxDEV: jsxLike('jsxDEV'),
  createElement: createElementLike('createElement'),
  classic: (name) => createElementLike(name),
};
