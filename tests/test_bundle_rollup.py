"""Differential test of the bundler's tree shaking against Rollup's.

Each case under ``tests/fixtures/bundle_rollup/<case>/`` is a small pure-ESM project (``main.js``
and what it imports: unused exports and functions, ``/*#__PURE__*/`` and
``/*#__NO_SIDE_EFFECTS__*/`` annotations, a ``"sideEffects": false`` package under
``node_modules/``, classes with static blocks, ``Foo.prototype.x = ...`` assignments). It is
built unminified by Rollup (es format, treeshake default, ``@rollup/plugin-node-resolve``; the
runner is ``bench/bundle-peers.mjs``, Rollup cached by ``bench/_cache.py``) and by
``shaker.build.project.build``; the top-level names shaker's output declares must be a
sub-multiset of Rollup's: shaker keeps nothing Rollup drops.

It needs the bundler: until ``BuildOptions`` has a ``bundle`` field it is skipped (shaker then
writes one file per module and keeps whole modules). Marked ``network`` and ``node`` (Rollup is
installed from npm once); skipped with a reason when the npm registry cannot be reached.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from tree_sitter import Node

from shaker.build.project import BuildOptions, build
from shaker.js.parse import parse
from shaker.source import Source

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
CASES_DIR = ROOT / "tests" / "fixtures" / "bundle_rollup"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "main.js").is_file())
HAS_BUNDLER = "bundle" in {f.name for f in dataclasses.fields(BuildOptions)}
_RENAMED = re.compile(r"\$\d+$")
_DECLARATIONS = ("lexical_declaration", "variable_declaration")
_NAMED = ("function_declaration", "generator_function_declaration", "class_declaration")


def kept_declarations(js_text: str) -> Counter[str]:
    """The names an ES module declares at its top level (function and class declarations,
    ``var``/``let``/``const`` declarators with every name of a destructuring pattern), each
    without a trailing ``$<digits>`` (a bundler's rename of a clashing name), counted."""
    tree = parse(Source("kept.js", js_text.encode("utf-8")))
    names: Counter[str] = Counter()
    for statement in tree.root_node.named_children:
        if statement.type == "export_statement":
            declaration = statement.child_by_field_name("declaration")
            if declaration is None:
                continue
            statement = declaration
        if statement.type in _NAMED:
            name = statement.child_by_field_name("name")
            if name is not None:
                names[_text(name)] += 1
        elif statement.type in _DECLARATIONS:
            for declarator in statement.named_children:
                if declarator.type == "variable_declarator":
                    target = declarator.child_by_field_name("name")
                    names.update(_bound_names(target) if target is not None else ())
    stripped: Counter[str] = Counter()
    for name, count in names.items():
        stripped[_RENAMED.sub("", name)] += count
    return stripped


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8")


def _bound_names(pattern: Node) -> Iterator[str]:
    """The identifiers a binding pattern declares (not its keys, nor its default values)."""
    kind = pattern.type
    if kind in ("identifier", "shorthand_property_identifier_pattern"):
        yield _text(pattern)
    elif kind == "pair_pattern":
        value = pattern.child_by_field_name("value")
        if value is not None:
            yield from _bound_names(value)
    elif kind in ("assignment_pattern", "object_assignment_pattern"):
        left = pattern.child_by_field_name("left")
        if left is not None:
            yield from _bound_names(left)
    elif kind in ("object_pattern", "array_pattern", "rest_pattern"):
        for child in pattern.named_children:
            yield from _bound_names(child)


def test_kept_declarations_reads_top_level_bindings() -> None:
    js = """
import { x } from "./x.js";
function f() { function inner() {} }
function* gen() {}
async function run() {}
class C { static { var hidden = 1; } }
export class D$1 {}
export function g$12() {}
var a = 1, b$2 = 2;
let { c, d: [e, { f: g$3 = 4 }], ...h } = x, [i = 1, , ...j] = x;
const k = () => { const notTop = 1; }, l$1 = function named() {};
export const m = 1;
export default function dflt() {}
if (x) { var nested = 1; }
for (var loop = 0; loop < 1; loop++) {}
var b = 3;
"""
    assert kept_declarations(js) == Counter({
        "f": 1, "gen": 1, "run": 1, "C": 1, "D": 1, "g": 2, "a": 1, "b": 2, "c": 1, "e": 1,
        "h": 1, "i": 1, "j": 1, "k": 1, "l": 1, "m": 1, "dflt": 1})


def _bundle_module() -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    import bundle

    return bundle


@pytest.fixture(scope="module")
def rollup_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every case built by Rollup in one node process: case → its output directory."""
    if shutil.which("node") is None:
        pytest.skip("node not found")
    bench = _bundle_module()
    import _cache

    try:
        prefix = bench.ensure_rollup()
    except _cache.BenchSetupError as exc:
        if not _cache.registry_reachable():
            pytest.skip("npm registry unreachable: Rollup not installed")
        raise AssertionError(f"Rollup could not be installed: {exc}") from exc
    work = tmp_path_factory.mktemp("rollup")
    jobs = [{"tool": "rollup", "input": str(CASES_DIR / case / "main.js"),
             "outdir": str(work / case), "commonjs": False} for case in CASES]
    results = bench.run_peers(jobs, work, rollup=prefix)
    failed = {case: r["error"] for case, r in zip(CASES, results, strict=True) if not r["ok"]}
    assert not failed, f"Rollup failed: {failed}"
    return {case: work / case for case in CASES}


def _kept(directory: Path) -> Counter[str]:
    names: Counter[str] = Counter()
    for path in sorted(directory.rglob("*.js")):
        names += kept_declarations(path.read_text(encoding="utf-8"))
    return names


@pytest.mark.network
@pytest.mark.node
@pytest.mark.skipif(not HAS_BUNDLER, reason="no bundler yet: BuildOptions has no bundle field")
@pytest.mark.parametrize("case", CASES)
def test_shaker_keeps_no_more_than_rollup(case: str, rollup_outputs: dict[str, Path],
                                          tmp_path: Path) -> None:
    outdir = tmp_path / "shaker"
    build(CASES_DIR / case, BuildOptions(entries=("main.js",), minify=False, outdir=str(outdir),
                                         manifest=True))
    ours, theirs = _kept(outdir), _kept(rollup_outputs[case])
    extras = ours - theirs
    assert not extras, (f"{case}: shaker keeps what Rollup drops: "
                        + ", ".join(f"{name} ×{n}" for name, n in sorted(extras.items()))
                        + f"\n  shaker: {sorted(ours.elements())}"
                        + f"\n  rollup: {sorted(theirs.elements())}")
