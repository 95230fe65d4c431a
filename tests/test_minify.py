"""``shaker.minify``: corpus cases (exact output) with Node as the behaviour oracle, and units.

Corpus files live in ``corpus/minify/``, in the corpus format (``tests/corpus_format.py``).
Attributes: ``:script`` minifies as a classic script (``module=False``), ``:no-run`` skips
the oracle (the case imports modules that do not exist).  Every other case is run under Node
minified and not, and must print the same.  ``SHAKER_UPDATE_CORPUS=1`` rewrites expected
outputs instead of failing, for review with ``git diff``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from corpus_format import Case, read_corpus, replace_case

import shaker
from shaker.errors import ShakerSyntaxError
from shaker.js.minify import minify
from shaker.js.minify.printer import requote, shortest_number
from shaker.js.sourcemap import original_position

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "minify"
CASES = [(path, case) for path in sorted(CORPUS.glob("*.txt")) for case in read_corpus(path)]
UPDATE = os.environ.get("SHAKER_UPDATE_CORPUS") == "1"
NODE = shutil.which("node")


def _minified(case: Case) -> str:
    code = minify(case.input, module=not case.flag("script")).code
    return code + "\n" if code else code


@pytest.mark.parametrize(("path", "case"), CASES,
                         ids=[f"{p.stem}:{c.name}" for p, c in CASES])
def test_corpus(path: Path, case: Case) -> None:
    actual = _minified(case)
    if UPDATE and actual != case.expected:
        replace_case(path, replace(case, expected=actual))
        return
    assert actual == case.expected


def _run(code: str, script: bool, directory: Path, name: str) -> str:
    path = directory / (name + (".cjs" if script else ".mjs"))
    path.write_text(code)
    done = subprocess.run([NODE or "node", str(path)], capture_output=True, text=True,
                          timeout=60, check=False)
    return f"exit {done.returncode}\n{done.stdout}"


@pytest.mark.node
@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize(("path", "case"), [c for c in CASES if not c[1].flag("no-run")],
                         ids=[f"{p.stem}:{c.name}" for p, c in CASES if not c.flag("no-run")])
def test_corpus_behaves_the_same(tmp_path: Path, path: Path, case: Case) -> None:
    script = case.flag("script")
    source = case.input
    if source.startswith("#!") and script:
        source = source.split("\n", 1)[1]
    before = _run(source, script, tmp_path, "before")
    after = _run(minify(source, module=not script).code, script, tmp_path, "after")
    assert before.startswith("exit 0"), before
    assert after == before


# -- units ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "short"), [
    ("1000", "1e3"), ("0.5", ".5"), ("1_000", "1e3"), ("0xff", "255"), ("010", "010"),
    ("09", "09"), ("1e21", "1e21"), ("0.000001", "1e-6"), ("123.450", "123.45"),
    ("5.", "5"), ("10n", "10n"), ("1e999", "1e999"), ("100", "100"),
    ("0xFFFFFFFFFFFF", "0xffffffffffff"), ("1.5e-7", "15e-8"),
])
def test_shortest_number(raw: str, short: str) -> None:
    assert shortest_number(raw) == short


@pytest.mark.parametrize(("raw", "out"), [
    ("'a'", '"a"'), ('"it\'s"', '"it\'s"'), ("'say \"hi\"'", "'say \"hi\"'"),
    ("'\\''", '"\'"'), ('"\\""', "'\"'"), ("'</script>'", '"<\\/script>"'),
    ("'a\\nb'", '"a\\nb"'), ("'\\\\'", '"\\\\"'),
])
def test_requote_keeps_the_value(raw: str, out: str) -> None:
    assert requote(raw) == out
    if NODE is not None:
        both = subprocess.run([NODE, "-p", f"{raw} === {out}"], capture_output=True,
                              text=True, check=True)
        assert both.stdout.strip() == "true"


def test_public_api_and_source_map() -> None:
    result = shaker.minify("const longName = 1;\nexport const value = longName + 1;\n",
                           filename="m.js", sourcemap=True)
    name = result.code[len("const "):result.code.index("=")]
    assert result.code == f"const {name}=1;export const value={name}+1" and len(name) == 1
    assert result.map is not None and result.map["sources"] == ["m.js"]
    column = result.code.index("value")
    assert original_position(result.map, 0, column) == ("m.js", 1, 13)
    assert "longName" in result.map["names"]


def test_source_map_composes_with_the_input_map() -> None:
    inner = minify("let a = 1;\nconsole.log(a);\n", filename="orig.js", sourcemap=True).map
    assert inner is not None
    code = minify("let a = 1;\nconsole.log(a);\n").code
    outer = minify(code, filename="mid.js", sourcemap=True, input_map=inner)
    assert outer.map is not None and outer.map["sources"] == ["orig.js"]


def test_no_mangle_keeps_names() -> None:
    assert minify("function f(longName) { return longName }", mangle=False,
                  module=False).code == "function f(longName){return longName}"


def test_syntax_error() -> None:
    with pytest.raises(ShakerSyntaxError):
        minify("let = ;")


def test_placeholders_in_strings_survive() -> None:
    code = "import x from './a-!~{0aZ}~.js';\nconsole.log(x, '!~[abc]~', \"!~<abc>~\");\n"
    out = minify(code).code
    for token in ("!~{0aZ}~", "!~[abc]~", "!~<abc>~"):
        assert token in out


def test_cli_minify(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from shaker.cli.main import main

    src = tmp_path / "a.js"
    src.write_text("export function add(first, second) { return first + second }\n")
    runner = CliRunner()
    done = runner.invoke(main, ["minify", str(src)])
    assert done.exit_code == 0, done.output
    assert done.output.startswith("export function add(") and "first" not in done.output
    out = tmp_path / "out" / "a.min.js"
    done = runner.invoke(main, ["minify", str(src), "-o", str(out), "--sourcemap"])
    assert done.exit_code == 0, done.output
    assert json.loads((tmp_path / "out" / "a.min.js.map").read_text())["version"] == 3
    bad = tmp_path / "bad.js"
    bad.write_text("let x = ;\n")
    done = runner.invoke(main, ["minify", str(bad), "-o", str(tmp_path / "bad.min.js")])
    assert done.exit_code == 1
    assert "bad.js:1:7" in done.output
    assert not (tmp_path / "bad.min.js").exists()
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "b.mjs").write_text("const unused = 1; export const b = unused;\n")
    done = runner.invoke(main, ["minify", str(tree), "-o", str(tmp_path / "dist")])
    assert done.exit_code == 0, done.output
    written = (tmp_path / "dist" / "sub" / "b.mjs").read_text()
    assert written.startswith("const ") and written.endswith("export const b=" + written[6])


def test_build_minifies_before_hashing(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from shaker.build.project import BuildOptions, build
    from shaker.cli.main import main

    seed = Path(__file__).resolve().parent.parent / "examples" / "seed"
    plain = build(seed, BuildOptions(outdir=str(tmp_path / "plain"), sourcemap=True))
    small = build(seed, BuildOptions(outdir=str(tmp_path / "small"), minify=True,
                                     sourcemap=True))
    plain_js = {f.path: f.size for f in plain.files if f.path.endswith(".js")}
    small_js = {f.path: f.size for f in small.files if f.path.endswith(".js")}
    assert set(plain_js) != set(small_js)  # new bytes, new hashes
    assert sum(small_js.values()) < sum(plain_js.values())
    for name in small_js:
        code = (small.outdir / name).read_text()
        assert not code.startswith(("import ", "//")) or ";" in code.splitlines()[0]
        assert json.loads((small.outdir / (name + ".map")).read_text())["version"] == 3
    runner = CliRunner()
    out = tmp_path / "cli"
    done = runner.invoke(main, ["build", str(seed), "--outdir", str(out)])
    assert done.exit_code == 0, done.output
    done = runner.invoke(main, ["build", str(seed), "--outdir", str(tmp_path / "cli-plain"),
                                "--no-minify"])
    assert done.exit_code == 0, done.output
    cli = sorted(p.name for p in out.rglob("*.js"))
    cli_plain = sorted(p.name for p in (tmp_path / "cli-plain").rglob("*.js"))
    assert cli == sorted(Path(n).name for n in small_js)  # minified by default
    assert cli_plain == sorted(Path(n).name for n in plain_js)
