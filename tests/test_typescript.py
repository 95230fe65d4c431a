"""TypeScript to JavaScript (``shaker.js.typescript``): the corpus, the API, the grammar gaps.

``corpus/typescript/*.txt`` holds one case per construct: the input, then the exact output.
Attributes: ``:tsx`` (the TSX grammar), ``:verbatim`` (verbatimModuleSyntax),
``:experimental-decorators``, ``:error`` (the expected output is the error's first line) and
``:run`` (the output and esbuild's run under Node and must print the same).  Every output
must parse as an ES module in Node 20, but for ``:no-node`` cases (decorators and
``accessor``, which Node 20 does not parse yet) and TSX (JSX is left for the JSX
transform).  ``SHAKER_UPDATE_CORPUS=1`` rewrites expected outputs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from corpus_format import Case, read_corpus, replace_case

from shaker.errors import ShakerSyntaxError
from shaker.js.sourcemap import original_position
from shaker.js.typescript import TypeScriptOptions, parse_typescript, strip_types
from shaker.source import Source

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus" / "typescript"
BENCH = ROOT / "bench"
UPDATE = os.environ.get("SHAKER_UPDATE_CORPUS") == "1"
CASES = [(path, case) for path in sorted(CORPUS.glob("*.txt")) for case in read_corpus(path)]
IDS = [f"{path.stem}::{case.name}" for path, case in CASES]


def options_of(case: Case) -> TypeScriptOptions:
    return TypeScriptOptions(
        tsx=case.flag("tsx"),
        experimental_decorators=case.flag("experimental-decorators"),
        verbatim_module_syntax=case.flag("verbatim"),
    )


def run_case(case: Case) -> str:
    """The output of a case, or for an ``:error`` case the error's first line."""
    suffix = "tsx" if case.flag("tsx") else "ts"
    source = Source(f"case.{suffix}", case.input.encode())
    if case.flag("error"):
        with pytest.raises(ShakerSyntaxError) as raised:
            strip_types(source, options_of(case))
        return str(raised.value).split("\n", 1)[0] + "\n"
    return strip_types(source, options_of(case)).code


@pytest.mark.parametrize(("path", "case"), CASES, ids=IDS)
def test_corpus_case(path: Path, case: Case) -> None:
    got = run_case(case)
    if UPDATE:
        if got != case.expected:
            case.expected = got
            replace_case(path, case)
        return
    assert got == case.expected


def test_corpus_covers_every_file() -> None:
    assert {path.stem for path, _ in CASES} >= {"erase", "asi", "imports", "lower", "refuse"}
    assert len(CASES) >= 40


def _node_check(outputs: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """Parse each output as an ES module in one Node process; name -> error for failures."""
    listing = tmp_path / "outputs.json"
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
         script, str(listing)], capture_output=True, text=True, timeout=300, check=True)
    result: dict[str, str] = json.loads(done.stdout)
    return result


@pytest.mark.node
def test_every_corpus_output_is_an_es_module_node_parses(tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("node not found")
    outputs = {IDS[i]: case.expected for i, (_, case) in enumerate(CASES)
               if not case.flag("error") and not case.flag("tsx") and not case.flag("no-node")}
    assert not _node_check(outputs, tmp_path)


def _esbuild() -> Path:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    import _cache

    try:
        return _cache.ensure_npm_tool("esbuild", _cache.ESBUILD_VERSION) / "bin" / "esbuild"
    except _cache.BenchSetupError as exc:
        pytest.skip(f"esbuild could not be installed: {exc}")


RUNNABLE = [(IDS[i], case) for i, (_, case) in enumerate(CASES) if case.flag("run")]


@pytest.mark.node
@pytest.mark.network
@pytest.mark.parametrize(("name", "case"), RUNNABLE, ids=[name for name, _ in RUNNABLE])
def test_runnable_case_behaves_as_esbuild_output(name: str, case: Case, tmp_path: Path) -> None:
    """Lowered code (enums, namespaces, parameter properties) prints what esbuild's does."""
    if shutil.which("node") is None:
        pytest.skip("node not found")
    esbuild = _esbuild()
    ours = tmp_path / "shaker.mjs"
    ours.write_text(run_case(case))
    theirs = tmp_path / "esbuild.mjs"
    raw = json.dumps({"compilerOptions": {
        "experimentalDecorators": case.flag("experimental-decorators")}})
    theirs.write_text(subprocess.run(
        [str(esbuild), "--loader=ts", "--format=esm", f"--tsconfig-raw={raw}"],
        input=case.input,
        capture_output=True, text=True, check=True).stdout)
    runs = [subprocess.run(["node", str(p)], capture_output=True, text=True, timeout=60)
            for p in (ours, theirs)]
    assert runs[1].returncode == 0, runs[1].stderr
    assert (runs[0].returncode, runs[0].stdout) == (0, runs[1].stdout), runs[0].stderr


# --- the API -------------------------------------------------------------------------------


def test_blanking_keeps_every_position_and_gives_no_map() -> None:
    source = Source("a.ts", "let s: «wide» = 1; const t: '😀' = '😀';\n".encode())
    result = strip_types(source)
    assert result.map is None
    # one space per UTF-16 unit: columns of what follows are unchanged
    assert result.code == "let s         = 1; const t       = '😀';\n"
    assert strip_types(Source("b.ts", b"let x = 1;\n")).code == "let x = 1;\n"


def test_lowering_gives_a_source_map_back_to_the_typescript() -> None:
    code = "enum E { A }\nconst x: number = E.A;\nconsole.log(x)\n"
    result = strip_types(Source("e.ts", code.encode()))
    assert result.map is not None and result.map["sources"] == ["e.ts"]
    line = result.code.splitlines().index("console.log(x)")
    assert original_position(result.map, line, 0) == ("e.ts", 2, 0)


def test_refusals_are_located_and_say_what_to_write() -> None:
    with pytest.raises(ShakerSyntaxError) as raised:
        strip_types(Source("m.ts", b'let a = 1;\nimport fs = require("fs");\n'))
    message = str(raised.value)
    assert message.startswith("m.ts:2:1: error: `import fs = require(...)` is CommonJS")
    assert 'write `import fs from "..."`' in message
    with pytest.raises(ShakerSyntaxError, match=r"m.ts:1:1: error: `export =` .*export default"):
        strip_types(Source("m.ts", b"export = 1;\n"))


def test_syntax_errors_are_located_with_a_code_frame() -> None:
    with pytest.raises(ShakerSyntaxError) as raised:
        strip_types(Source("bad.ts", b"let ok = 1;\nlet x: = 2;\n"))
    assert str(raised.value).startswith("bad.ts:2:")
    assert "> 2 | let x: = 2;" in raised.value.render()


def test_the_misparse_of_three_part_qualified_types_is_corrected() -> None:
    """tree-sitter-typescript reads ``x as a.b.C`` as ``(x as a.b).C``, silently."""
    tree = parse_typescript(Source("q.ts", b"let y = x as a.b.C;")).tree
    assert "member_expression" in str(tree.root_node)  # the grammar's reading...
    assert strip_types(Source("q.ts", b"let y = x as a.b.C;")).code == "let y = x         ;"


def test_grammar_gaps_are_parsed_around() -> None:
    variance = b"interface I<in T, out U, in out V> { f(x: T): U }\nlet v = 1;\n"
    parsed = parse_typescript(Source("v.ts", variance))
    assert not parsed.tree.root_node.has_error
    star = Source("s.ts", b'export type * from "./t";\nexport type * as ns from "./t";\n')
    assert strip_types(star).code.strip() == ""
    accessor = Source("c.ts", b"class C { static accessor x = 1; override accessor y = 2 }")
    assert strip_types(accessor).code == (
        "class C { static accessor x = 1;          accessor y = 2 }")


def test_tsx_uses_the_tsx_grammar() -> None:
    code = b"const a = <T,>(x: T) => <div>{x as any}</div>;\n"
    assert strip_types(Source("a.tsx", code), TypeScriptOptions(tsx=True)).code == (
        "const a = <T,>(x   ) => <div>{x       }</div>;\n".replace("<T,>", "    "))
    with pytest.raises(ShakerSyntaxError):
        strip_types(Source("a.ts", b"const el = <div>{1}</div>;\n"))
