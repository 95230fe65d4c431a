// Runs modules for the oracle: `node --import ./prelude.mjs run.mjs <manifest.json>`.
// The manifest lists {id, module, defines}. For each module, in order, prints one JSON line
// {id, lines}: what the module logged, how its evaluation ended, then every export; exported
// functions are called with no arguments (classes constructed) and their results awaited.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const { begin, end, out, show } = globalThis.__oracle;
const TIMEOUT_MS = 5000;

function describe(error) {
  if (error instanceof Error) return `${error.constructor.name}: ${error.message}`;
  return `non-error ${show(error)}`;
}

async function settle(promise) {
  let timer;
  const expired = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ timedOut: true }), TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise.then((value) => ({ value })), expired]);
  } catch (error) {
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

async function call(thunk) {
  const done = await settle(Promise.resolve().then(() => thunk()));
  if (done.timedOut) return "timed out";
  return "error" in done ? `threw ${describe(done.error)}` : `-> ${show(done.value)}`;
}

async function runModule(path) {
  const done = await settle(import(pathToFileURL(path).href));
  if (done.timedOut) return out("module timed out");
  if ("error" in done) return out(`module threw ${describe(done.error)}`);
  out("module evaluated");
  const namespace = done.value;
  for (const key of Object.keys(namespace)) {
    const value = namespace[key];
    out(`export ${key} = ${show(value)}`);
    if (typeof value !== "function") continue;
    const isClass = /^class\b/.test(Function.prototype.toString.call(value));
    out(`  ${isClass ? "new " : ""}${key}() ${await call(isClass ? () => new value() : value)}`);
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

for (const entry of JSON.parse(readFileSync(process.argv[2], "utf8"))) {
  begin(entry.defines);
  try {
    await runModule(entry.module);
  } catch (error) {
    out(`runner failed ${describe(error)}`);
  }
  await turn();
  await turn();
  process.stdout.write(`${JSON.stringify({ id: entry.id, lines: end() })}\n`);
}
