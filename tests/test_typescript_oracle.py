"""Differential tests of TypeScript erasure on real projects' sources (bench/ts_corpus.py).

- **ts-blank-space**: with ``verbatim_module_syntax`` (which ts-blank-space assumes), shaker's
  output is byte-identical to ts-blank-space's on every file ts-blank-space accepts.
- **esbuild**, for what ts-blank-space refuses (enums, namespaces, parameter properties)
  and for import elision: every shaker output (default options) parses in Node wherever
  esbuild's output of the same file does, and zod's whole source tree built by shaker runs a
  smoke script exactly as the tree built by esbuild does.

The packages and tools are installed once into the bench cache (network); skipped with a
reason when the npm registry cannot be reached.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from shaker.js.typescript import TypeScriptOptions, strip_types
from shaker.source import Source

BENCH = Path(__file__).resolve().parents[1] / "bench"
pytestmark = [pytest.mark.network, pytest.mark.node]


def _bench() -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    import ts_corpus

    return ts_corpus


@pytest.fixture(scope="module")
def corpus() -> list[object]:
    if shutil.which("node") is None:
        pytest.skip("node not found")
    bench = _bench()
    import _cache

    try:
        files: list[object] = bench.ensure_ts_corpus()
    except _cache.BenchSetupError as exc:
        if not _cache.registry_reachable():
            pytest.skip("npm registry unreachable: TypeScript corpus not checked")
        raise AssertionError(f"TypeScript corpus could not be installed: {exc}") from exc
    return files


def _node_parse(outputs: dict[str, str], tmp: Path) -> dict[str, str]:
    """Parse each text as an ES module in one Node process; name -> error message."""
    listing = tmp / "parse.json"
    listing.write_text(json.dumps(outputs))
    script = (
        "import vm from 'node:vm'; import fs from 'node:fs';"
        "const all = JSON.parse(fs.readFileSync(process.argv[1], 'utf8')); const bad = {};"
        "for (const [k, v] of Object.entries(all)) {"
        " try { new vm.SourceTextModule(v, { identifier: k }); }"
        " catch (e) { bad[k] = String(e.message); } }"
        "console.log(JSON.stringify(bad));"
    )
    done = subprocess.run(
        ["node", "--experimental-vm-modules", "--no-warnings", "--input-type=module", "-e",
         script, str(listing)], capture_output=True, text=True, timeout=600, check=True)
    bad: dict[str, str] = json.loads(done.stdout)
    return bad


def test_erasure_is_byte_identical_to_ts_blank_space(corpus: list[object],
                                                      tmp_path: Path) -> None:
    bench = _bench()
    paths = [str(f.path) for f in corpus]  # type: ignore[attr-defined]
    listing = tmp_path / "files.json"
    listing.write_text(json.dumps(paths))
    result = tmp_path / "tsb.json"
    subprocess.run(
        ["node", "--input-type=module", "-e", bench.TS_BLANK_SPACE_SCRIPT,
         str(bench.ensure_ts_blank_space()), str(listing), str(result)],
        capture_output=True, text=True, timeout=600, check=True)
    reference: dict[str, str | None] = json.loads(result.read_text())
    options = TypeScriptOptions(verbatim_module_syntax=True)
    compared = identical = refused = 0
    differing: list[str] = []
    for path in paths:
        expected = reference[path]
        got = strip_types(Source(path, Path(path).read_bytes()), options)
        if expected is None:
            refused += 1
            continue
        compared += 1
        if got.code == expected:
            identical += 1
            assert got.map is None, path  # nothing was lowered: positions never moved
        else:
            differing.append(path)
    print(f"\nts-blank-space: {len(paths)} files, {compared} compared, {identical} identical, "
          f"{refused} refused by ts-blank-space (checked against esbuild instead)")
    assert compared >= 600 and refused >= 40
    assert not differing, differing[:10]


def test_every_output_parses_wherever_esbuilds_does(corpus: list[object],
                                                     tmp_path: Path) -> None:
    bench = _bench()
    esbuild = bench.ensure_esbuild()
    ours: dict[str, str] = {}
    for f in corpus:
        path = f.path  # type: ignore[attr-defined]
        ours[str(path)] = strip_types(Source(str(path), path.read_bytes())).code
    theirs: dict[str, str] = {}
    out = tmp_path / "esbuild"
    names = list(ours)
    subprocess.run([str(esbuild), *names, f"--outdir={out}", "--outbase=/",
                    "--format=esm", "--log-level=error"], check=True, timeout=600)
    for path in names:
        theirs[path] = (out / Path(path).relative_to("/")).with_suffix(".js").read_text()
    bad_ours = _node_parse(ours, tmp_path)
    bad_theirs = _node_parse(theirs, tmp_path)
    # Node 20 lacks `using` declarations: such files fail for esbuild's output too
    assert set(bad_ours) <= set(bad_theirs), {k: bad_ours[k] for k in set(bad_ours) - set(
        bad_theirs)}
    assert len(bad_theirs) < len(names) // 20


ZOD_SMOKE = """
const root = process.argv[1];
const { z } = await import(root + "/index.js");
const v3 = await import(root + "/v3/index.js");
const mini = await import(root + "/mini/index.js");
const out = [];
const S = z.object({ name: z.string().min(2), age: z.number().int().positive().optional(),
  tags: z.array(z.enum(["a", "b"])).default([]) });
out.push(S.safeParse({ name: "x", age: -1, tags: ["c"] }).error?.issues.map(
  (i) => [i.code, i.path.join(".")]));
out.push(S.parse({ name: "xyz" }), z.toJSONSchema(S));
const V = v3.z.object({ a: v3.z.string().email(), b: v3.z.union([v3.z.literal(1),
  v3.z.literal("x")]), c: v3.z.nativeEnum({ A: 1, B: "b" }) });
out.push(V.safeParse({ a: "no", b: 2, c: 3 }).error?.issues.map(
  (i) => [i.code, i.path.join("."), i.message]));
out.push(v3.z.ZodFirstPartyTypeKind.ZodString, Object.keys(v3.z.ZodFirstPartyTypeKind));
out.push(v3.z.string().min(3, { message: "short" }).safeParse("a").error?.issues[0].message);
out.push(mini.z.safeParse(mini.z.string().check(mini.z.minLength(3)), "ab").success);
out.push(z.discriminatedUnion("t", [z.object({ t: z.literal("a"), x: z.number() }),
  z.object({ t: z.literal("b") })]).safeParse({ t: "a", x: "1" }).error?.issues.length);
console.log(JSON.stringify(out));
"""


def test_zod_built_by_shaker_runs_as_built_by_esbuild(corpus: list[object],
                                                      tmp_path: Path) -> None:
    """zod's v3 uses an enum and namespaces, and its imports are elided by type only."""
    bench = _bench()
    zod = [f.path for f in corpus if f.package == "zod"]  # type: ignore[attr-defined]
    src = next(p for p in zod[0].parents if p.name == "src")
    kept = [p for p in zod if "tests" not in p.relative_to(src).parts]
    ours = tmp_path / "shaker"
    for path in kept:
        target = (ours / path.relative_to(src)).with_suffix(".js")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(strip_types(Source(str(path), path.read_bytes())).code)
    theirs = tmp_path / "esbuild"
    subprocess.run([str(bench.ensure_esbuild()), *map(str, kept), f"--outdir={theirs}",
                    f"--outbase={src}", "--format=esm", "--log-level=error"], check=True)
    runs = []
    for tree in (ours, theirs):
        (tree / "package.json").write_text('{"type": "module"}')
        runs.append(subprocess.run(["node", "--input-type=module", "-e", ZOD_SMOKE, str(tree)],
                                   capture_output=True, text=True, timeout=120))
    assert runs[1].returncode == 0, runs[1].stderr
    assert runs[0].returncode == 0, runs[0].stderr
    assert runs[0].stdout == runs[1].stdout
    assert '"ZodString"' in runs[0].stdout
