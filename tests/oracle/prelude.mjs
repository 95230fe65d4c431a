// Loaded with `node --import` before the oracle's runner (run.mjs, driven by tests/node_oracle.py).
// Defines a fixed vocabulary of globals that log each use, so that running a module before and
// after the transform prints the same lines exactly when both behave the same. `begin` and `end`
// bracket one module: fresh vocabulary, `define` constants, and a capture of everything printed.
import { format, inspect } from "node:util";

const show = (value) => inspect(value, { depth: 4, breakLength: Infinity, sorted: true });

let sink = null;
const out = (line) => {
  if (sink) sink.push(line);
  else process.stdout.write(`${line}\n`);
};
for (const method of ["log", "info", "warn", "error", "debug"]) {
  console[method] = (...args) => out(format(...args));
}

function logger(name, result) {
  const named = {
    [name](...args) {
      out(`${name}(${args.map(show).join(", ")})`);
      return result(...args);
    },
  };
  return named[name];
}

function vocabulary() {
  let ticks = 0;
  return {
    devOnly: logger("devOnly", () => "devOnly"),
    prodOnly: logger("prodOnly", () => "prodOnly"),
    devLoop: logger("devLoop", () => undefined),
    tick: logger("tick", () => ++ticks),
    sideEffect: logger("sideEffect", () => true),
    maybe: logger("maybe", () => "maybe"),
    use: logger("use", (first) => first),
    log: logger("log", () => undefined),
    setup: logger("setup", () => "setup"),
    register: logger("register", (...args) => args.length),
    fallback: logger("fallback", () => "fallback"),
    compute: logger("compute", () => 42),
    render: logger("render", (value) => `<${value}>`),
    createHot: logger("createHot", () => ({ accept: logger("accept", () => undefined) })),
    obj: { a: 1, b: [2, 3], nested: { x: 1 } },
    config: { debug: false, name: "app" },
    window: { flag: true, location: { pathname: "/" } },
  };
}

/** Build-time constants of a Vite production build, seen by input modules as `import.meta.env`. */
const env = Object.freeze({ BASE_URL: "/", DEV: false, MODE: "production", PROD: true, SSR: false });

/** What stub modules call: log the load, hand out one logging function per imported name. */
function stubModule(specifier, names) {
  out(`load ${specifier}`);
  const members = { default: logger(`${specifier}#default`, () => `${specifier}#default`) };
  for (const name of names) {
    members[name] = logger(`${specifier}#${name}`, () => `${specifier}#${name}`);
  }
  return members;
}

let baseline = null;
let savedEnv = null;

/** Start one module: fresh vocabulary, `defines` (dotted key → JavaScript source), capture on. */
function begin(defines) {
  baseline = new Set(Reflect.ownKeys(globalThis));
  Object.assign(globalThis, vocabulary());
  savedEnv = { ...process.env };
  for (const [key, source] of Object.entries(defines ?? {})) {
    const path = key.split(".");
    let target = globalThis;
    for (const part of path.slice(0, -1)) target = target[part] ??= {};
    target[path[path.length - 1]] = (0, eval)(`(${source})`);
  }
  sink = [];
}

/** End one module: capture off, globals it added removed; returns the captured lines. */
function end() {
  const lines = sink;
  sink = null;
  for (const key of Reflect.ownKeys(globalThis)) {
    if (!baseline.has(key)) delete globalThis[key];
  }
  for (const key of Object.keys(process.env)) {
    if (!(key in savedEnv)) delete process.env[key];
  }
  Object.assign(process.env, savedEnv);
  return lines;
}

process.on("uncaughtException", (error) => out(`uncaught ${error?.constructor?.name}: ${error?.message}`));
process.on("unhandledRejection", (error) => out(`unhandled rejection ${show(error)}`));

globalThis.__oracle = Object.freeze({ begin, end, env, out, show, stubModule });
