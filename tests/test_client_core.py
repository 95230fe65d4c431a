"""``shaker/client/hot.js``, the core of ``import.meta.hot``, runs without a browser.

As Vite's ``hmr.ts``, the core gets everything page-specific from the glue (``client.js``): a
``send`` function, an ``importUpdatedModule(url, t)`` function and a logger. These tests import
it under Node with fakes for those, and with ``document``, ``window``, ``location``,
``WebSocket`` and ``self`` replaced by getters that record the access and throw, and drive hot
contexts through accept, ordered updates, listeners, ``send``, ``invalidate`` and prune. The
browser tests (``tests/browser``) cover the glue and the two together.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

HOT_JS = Path(__file__).resolve().parents[1] / "shaker" / "client" / "hot.js"
NODE = shutil.which("node")
NODE_TIMEOUT = 60.0
BROWSER_GLOBALS = ("document", "window", "location", "WebSocket", "self")
INVALIDATED = "debug: invalidate /src/main.js: cannot swap this"
"""The driver's log line between the successful updates and the failing one."""

DRIVER = r"""
const touched = [];
for (const name of __GLOBALS__) {
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get() {
      touched.push(name);
      throw new Error(`hot.js touched ${name}`);
    },
  });
}
const { HMRClient, EVENTS } = await import('./hot.js');

const log = [];
const sent = [];
const imported = [];
const failures = [];
const logger = Object.fromEntries(
  ['debug', 'log', 'warn', 'error'].map((level) => [
    level,
    (...args) => log.push(`${level}: ${args.map((a) => a?.message ?? String(a)).join(' ')}`),
  ]),
);
const ticks = async (n) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

let mainHot;
/** What /src/main.js does each time it runs: the body of a module under `import.meta.hot`. */
function runMain(version) {
  const hot = hmr.createHotContext('/src/main.js');
  hot.data.runs = (hot.data.runs ?? 0) + 1;
  hot.accept((mod) => log.push(`main ${version} accepted itself, version ${mod?.version}`));
  hot.accept('./dep.js?t=1', (dep) => log.push(`main ${version} accepted dep ${dep.version}`));
  hot.dispose((data) => log.push(`dispose main ${version} after ${data.runs} run(s)`));
  hot.prune((data) => log.push(`prune main ${version} after ${data.runs} run(s)`));
  hot.on('greet', (who) => log.push(`main ${version} greets ${who}`));
  mainHot = hot;
  return hot;
}

const hmr = new HMRClient({
  logger,
  base: '/app/',
  send: (message) => sent.push(message),
  async importUpdatedModule(url, t) {
    imported.push([url, t]);
    if (t === 5) await ticks(5); // slow: the update queued after it must wait for it
    if (t === 7) throw new Error('the new version threw');
    if (url.startsWith('/app/src/main.js?')) runMain(t);
    return { version: t };
  },
  onUpdateError: (err, update) => failures.push([err.message, update.acceptedPath]),
});

const main = { type: 'js-update', path: '/src/main.js', acceptedPath: '/src/main.js' };
const dep = { type: 'js-update', path: '/src/main.js', acceptedPath: '/src/dep.js' };

runMain(1);
mainHot.send('hello', { n: 1 });
await hmr.notifyListeners('greet', 'a');
const first = hmr.enqueue(() => hmr.applyJsUpdates([{ ...main, timestamp: 5 }]));
const second = hmr.enqueue(() =>
  hmr.applyJsUpdates([{ ...dep, timestamp: 6, explicitImportRequired: true }]),
);
await Promise.all([first, second]);
await hmr.notifyListeners('greet', 'b');
mainHot.invalidate('cannot swap this');
await hmr.enqueue(() => hmr.applyJsUpdates([{ ...main, timestamp: 7 }]));
await hmr.enqueue(() => {
  throw new Error('a failed task');
});
await hmr.enqueue(() => hmr.prunePaths(['/src/main.js']));
const fresh = hmr.createHotContext('/src/main.js');

console.log(JSON.stringify({
  touched,
  log,
  sent,
  imported,
  failures,
  dataAfterPrune: fresh.data,
  events: EVENTS,
}));
"""


@pytest.fixture(scope="module")
def run() -> dict[str, Any]:
    """What the driver saw, run once for the module's tests."""
    if NODE is None:
        pytest.skip("these tests need node on PATH")
    with tempfile.TemporaryDirectory(prefix="shaker-hot-") as tmp:
        folder = Path(tmp)
        (folder / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
        shutil.copyfile(HOT_JS, folder / "hot.js")
        driver = DRIVER.replace("__GLOBALS__", json.dumps(list(BROWSER_GLOBALS)))
        (folder / "driver.js").write_text(driver, encoding="utf-8")
        done = subprocess.run(
            [NODE, "driver.js"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=NODE_TIMEOUT,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_runs_without_touching_the_page(run: dict[str, Any]) -> None:
    assert run["touched"] == []


def test_accept_updates_in_order_and_listeners_of_the_old_instance_go(run: dict[str, Any]) -> None:
    before_failure = run["log"][: run["log"].index(INVALIDATED)]
    assert before_failure == [
        "main 1 greets a",
        "dispose main 1 after 1 run(s)",
        "main 1 accepted itself, version 5",
        "debug: hot updated: /src/main.js",
        # The dep update was queued second: the new instance (run 5) accepts it.
        "main 5 accepted dep 6",
        "debug: hot updated: /src/dep.js via /src/main.js",
        "main 5 greets b",
    ]
    assert run["imported"][:2] == [
        ["/app/src/main.js?t=5", 5],
        ["/app/src/dep.js?import&t=6", 6],
    ]


def test_send_and_invalidate_go_through_the_given_send(run: dict[str, Any]) -> None:
    assert run["sent"] == [
        {"type": "custom", "event": "hello", "data": {"n": 1}},
        {
            "type": "custom",
            "event": "shaker:invalidate",
            "data": {
                "path": "/src/main.js",
                "message": "cannot swap this",
                "firstInvalidatedBy": "/src/main.js",
            },
        },
    ]


def test_a_failed_import_is_logged_and_handed_to_the_glue(run: dict[str, Any]) -> None:
    after = run["log"][run["log"].index(INVALIDATED) + 1 :]
    assert after[:3] == [
        "dispose main 5 after 2 run(s)",
        "error: the new version threw",
        "warn: Failed to reload /src/main.js. This could be due to syntax errors or importing "
        "non-existent modules. (see errors above)",
    ]
    assert run["failures"] == [["the new version threw", "/src/main.js"]]
    # The old instance still accepted the (failed) update: its callback got no module.
    assert after[3] == "main 5 accepted itself, version undefined"


def test_a_failing_task_is_logged_and_the_queue_goes_on(run: dict[str, Any]) -> None:
    assert "error: a failed task" in run["log"]
    assert run["log"][-2:] == ["dispose main 5 after 2 run(s)", "prune main 5 after 2 run(s)"]


def test_prune_forgets_data(run: dict[str, Any]) -> None:
    assert run["dataAfterPrune"] == {}


def test_no_browser_global_in_the_source() -> None:
    """Also covers branches the driver does not reach: no browser global is named in code."""
    code = HOT_JS.read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/", "", code, flags=re.DOTALL)
    code = re.sub(r"//[^\n]*", "", code)
    pattern = r"\b(?:" + "|".join(BROWSER_GLOBALS) + r")\b"
    named = {m.group(0) for m in re.finditer(pattern, code)}
    assert named == set()
