"""React Fast Refresh registration: the corpus, Babel's plugin as the oracle, React's runtime.

``corpus/refresh/*.txt``: the input is JSX source; the expected output is
``register_refresh(source, "/src/App.jsx", full_signatures=True)`` (keys written out, so a
reader sees them). ``SHAKER_UPDATE_CORPUS=1`` rewrites the expected outputs.

The oracle (``node`` and ``network`` marked; @babel/core 7.29.0, react-refresh 0.19.0 and
esbuild from npm into the bench cache) runs every corpus input through
``react-refresh/babel`` and through shaker (hashed keys), lowers both with esbuild and runs
them under a fake React: the registrations (id, what is registered) and the signatures
(what, key, forceReset, custom hooks) must be the same, in the same order.

The runtime test runs shaker's refresh + JSX output under React's own refresh runtime
(``react-refresh/runtime``): an edit that only touches JSX keeps the component's state, one
that adds a hook or says ``@refresh reset`` remounts it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from corpus_format import Case, read_corpus, replace_case
from js_tree import imported_names

from shaker.js.jsx import transform_jsx
from shaker.js.refresh import register_refresh
from shaker.source import Source

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus" / "refresh"
CASES = [(path, case) for path in sorted(CORPUS.glob("*.txt")) for case in read_corpus(path)]
IDS = [f"{path.stem}::{case.name}" for path, case in CASES]
MODULE_ID = "/src/App.jsx"
NODE = shutil.which("node")
UPDATE = os.environ.get("SHAKER_UPDATE_CORPUS") == "1"


def refresh(code: str, **options: bool) -> str:
    return register_refresh(Source("App.jsx", code.encode()), MODULE_ID, **options).code


@pytest.mark.parametrize(("path", "case"), CASES, ids=IDS)
def test_corpus(path: Path, case: Case) -> None:
    out = refresh(case.input, full_signatures=True)
    if UPDATE:
        if out != case.expected:
            replace_case(path, replace(case, expected=out))
        return
    assert out == case.expected


def test_corpus_size() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize(("path", "case"), CASES, ids=IDS)
def test_lines_do_not_move(path: Path, case: Case) -> None:
    """Every original line keeps its number: only the registrations add a last line."""
    result = register_refresh(Source("App.jsx", case.input.encode()), MODULE_ID)
    added = result.code.count("\n") - case.input.count("\n")
    assert added == (1 if result.components else 0)


def test_result_facts() -> None:
    result = register_refresh(Source("a.jsx", b"import {useState} from 'react';\n"
                                     b"export const A = () => { useState(); return <p/>; };\n"
                                     b"export default function B() { return <A/>; }\n"), "/a")
    assert result.components == ["A", "B"]
    assert result.has_hooks and result.boundary_candidate and result.changed
    mixed = register_refresh(Source("b.jsx", b"export const A = () => <p/>;\n"
                                    b"export const helper = 1;\n"), "/b")
    assert mixed.components == ["A"] and not mixed.boundary_candidate
    nothing = register_refresh(Source("c.js", b"export const x = 1;\n"), "/c")
    assert not nothing.changed and nothing.code == "export const x = 1;\n"
    reexport = register_refresh(Source("d.jsx", b"export const A = () => <p/>;\n"
                                       b"export * from './x';\n"), "/d")
    assert not reexport.boundary_candidate


def test_signature_key_changes_only_with_hooks() -> None:
    base = ("export function App() {\n  const [n, setN] = useState(0);\n  useEffect(() => {});\n"
            "  return <p>{n}</p>;\n}\n")

    def key(code: str) -> str:
        out = refresh(code)
        return out[out.index("_s(App, "):].split(")")[0]

    assert key(base) == key(base.replace("<p>{n}</p>", "<div className='x'>{n + 1}</div>"))
    assert key(base) == key(base.replace("useEffect(() => {})", "useEffect(() => { f(); })"))
    assert key(base) != key(base.replace("useState(0)", "useState(1)"))
    assert key(base) != key(base.replace("  useEffect(() => {});\n", ""))
    swapped = base.replace("  const [n, setN] = useState(0);\n  useEffect(() => {});\n",
                           "  useEffect(() => {});\n  const [n, setN] = useState(0);\n")
    assert key(base) != key(swapped)


# --- oracles -----------------------------------------------------------------------------------


def _tools() -> dict[str, str]:
    if NODE is None:
        pytest.skip("node is not installed")
    sys.path.insert(0, str(ROOT / "bench"))
    from _cache import ESBUILD_VERSION, BenchSetupError, ensure_npm_tool

    try:
        babel = ensure_npm_tool("@babel/core", "7.29.0")
        react_refresh = ensure_npm_tool("react-refresh", "0.19.0")
        esbuild = ensure_npm_tool("esbuild", ESBUILD_VERSION)
    except BenchSetupError as exc:
        pytest.skip(f"npm tools not available: {exc}")
    return {"babel": str(babel), "refresh": str(react_refresh / "babel.js"),
            "runtime": str(react_refresh / "runtime.js"), "esbuild": str(esbuild)}


@pytest.fixture(scope="module")
def babel_results(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    tools = _tools()
    root = tmp_path_factory.mktemp("refresh")
    jobs = [{"code": case.input, "ours": refresh(case.input), "id": MODULE_ID,
             "stubs": {k: sorted(v) for k, v in imported_names(case.input).items()}}
            for _, case in CASES]
    (root / "tools.json").write_text(json.dumps(tools))
    (root / "jobs.json").write_text(json.dumps(jobs))
    assert NODE is not None
    done = subprocess.run([NODE, str(ROOT / "tests" / "refresh_oracle" / "run.cjs"),
                           str(root / "tools.json"), str(root / "jobs.json")],
                          capture_output=True, text=True, timeout=300, check=True)
    results: list[dict[str, object]] = json.loads(done.stdout)
    return results


@pytest.mark.node
@pytest.mark.network
@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_same_as_babel_plugin(babel_results: list[dict[str, object]], index: int) -> None:
    result = babel_results[index]
    assert "error" not in result, result
    assert result["ours"] == result["theirs"]


RUNTIME_SCRIPT = r"""
const runtime = require(process.argv[1]);
const { pathToFileURL } = require('url');
globalThis.$RefreshReg$ = (type, id) => runtime.register(type, id);
globalThis.$RefreshSig$ = runtime.createSignatureFunctionForTransform;
(async () => {
  const out = [];
  for (const file of process.argv.slice(2)) {
    const mod = await import(pathToFileURL(file).href);
    const update = runtime.performReactRefresh();
    const names = (set) => [...(set || [])].map((family) => family.current.name).sort();
    out.push(update && {
      updated: names(update.updatedFamilies), stale: names(update.staleFamilies) });
  }
  process.stdout.write(JSON.stringify(out));
})();
"""

VERSIONS = [
    # v1
    "import { useState } from 'react';\nexport function Counter() {\n"
    "  const [n, setN] = useState(0);\n"
    "  return <button onClick={() => setN(n + 1)}>{n}</button>;\n}\n"
    "export function Label() {\n  return <span>label</span>;\n}\n",
    # v2: JSX edited in both: state is kept
    "import { useState } from 'react';\nexport function Counter() {\n"
    "  const [n, setN] = useState(0);\n  return <b onClick={() => setN(n + 2)}>count {n}</b>;\n}\n"
    "export function Label() {\n  return <span>new label</span>;\n}\n",
    # v3: a hook added to Counter: it remounts, Label is kept
    "import { useState, useRef } from 'react';\nexport function Counter() {\n"
    "  const [n, setN] = useState(0);\n  const r = useRef();\n  return <b ref={r}>{n}</b>;\n}\n"
    "export function Label() {\n  return <span>new label</span>;\n}\n",
    # v4: v3 with @refresh reset: the component with hooks remounts
    "// @refresh reset\nimport { useState, useRef } from 'react';\nexport function Counter() {\n"
    "  const [n, setN] = useState(0);\n  const r = useRef();\n  return <b ref={r}>{n}</b>;\n}\n"
    "export function Label() {\n  return <span>new label</span>;\n}\n",
]


@pytest.mark.node
@pytest.mark.network
def test_react_refresh_runtime(tmp_path: Path) -> None:
    """Three edits of one module through refresh then JSX, judged by React's runtime."""
    tools = _tools()
    react = tmp_path / "node_modules" / "react"
    react.mkdir(parents=True)
    (react / "package.json").write_text(json.dumps({
        "name": "react", "type": "module",
        "exports": {".": "./index.js", "./jsx-runtime": "./index.js"}}))
    (react / "index.js").write_text(
        "export const useState = (v) => [v, () => {}], useRef = () => ({ current: null });\n"
        "export const jsx = (t, p) => ({ t, p }), jsxs = jsx, Fragment = 'F';\n")
    files = []
    for i, code in enumerate(VERSIONS):
        source = Source("App.jsx", code.encode())
        refreshed = register_refresh(source, MODULE_ID)
        lowered = transform_jsx(Source("App.jsx", refreshed.code.encode()))
        path = tmp_path / f"v{i + 1}.mjs"
        path.write_text(lowered.code)
        files.append(str(path))
    assert NODE is not None
    env = {**os.environ, "NODE_ENV": "development"}
    done = subprocess.run([NODE, "-e", RUNTIME_SCRIPT, tools["runtime"], *files],
                          capture_output=True, text=True, timeout=120, check=True, env=env,
                          cwd=tmp_path)
    updates = json.loads(done.stdout)
    assert updates[0] is None  # first load: nothing to refresh
    assert updates[1] == {"updated": ["Counter", "Label"], "stale": []}
    assert updates[2] == {"updated": ["Label"], "stale": ["Counter"]}
    # same hooks as v3, but reset: Counter remounts (Label has no signature to force)
    assert updates[3] == {"updated": ["Label"], "stale": ["Counter"]}


def test_pipeline_order_and_maps() -> None:
    """refresh → jsx, maps composed: a child expression maps back to its original place."""
    from shaker.js.sourcemap import compose, original_position

    code = ("import { useState } from 'react';\nexport const App = () => {\n"
            "  const [value, setValue] = useState(0);\n  return <p title='t'>\n    {value}\n"
            "  </p>;\n};\n")
    refreshed = register_refresh(Source("App.jsx", code.encode()), MODULE_ID)
    lowered = transform_jsx(Source("App.jsx", refreshed.code.encode()))
    assert refreshed.map is not None and lowered.map is not None
    both = compose(lowered.map, refreshed.map)
    line = lowered.code.splitlines()[4]
    assert line.strip().startswith("value")
    assert original_position(both, 4, line.index("value")) == ("App.jsx", 4, 5)
    assert lowered.code.count("\n") == code.count("\n") + 1
