"""``shaker transform`` as a user runs it: files, stdin, trees, maps and failures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from shaker.cli.main import main
from shaker.js.sourcemap import original_position

HOT = "if (import.meta.hot) {\n  import.meta.hot.accept()\n}\nrun()\n"
BAD = "if (import.meta.hot) {\n  let = ;\n}\n"


def _run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def test_file_to_stdout(tmp_path: Path) -> None:
    src = tmp_path / "main.js"
    src.write_text(HOT)
    result = _run("transform", str(src))
    assert result.exit_code == 0, result.output
    assert result.stdout == "run()\n"


def test_stdin_to_stdout_with_define_and_warning() -> None:
    result = _run("transform", "-", "--define", "__DEV__=false",
                  input="if (__DEV__) dev()\nimport.meta.hot.accept()\nlog(1)\n")
    assert result.exit_code == 0
    assert result.stdout == "log(1)\n"
    assert "<stdin>:2:1: warning:" in result.stderr and "[hot-unguarded]" in result.stderr


def test_development_mode_with_url() -> None:
    result = _run("transform", "-", "--mode", "development", "--url", "/src/a.js",
                  input="import.meta.hot?.accept()\n")
    preamble = ('import { createHotContext as __shaker_hot } from "/@shaker/client";'
                'import.meta.hot = __shaker_hot("/src/a.js");')
    assert result.stdout.startswith(preamble)


def test_keep_hot() -> None:
    result = _run("transform", "-", "--keep-hot", input=HOT)
    assert result.stdout == HOT


def test_syntax_error_exits_1_with_a_code_frame_and_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "bad.js"
    src.write_text(BAD)
    out = tmp_path / "out.js"
    result = _run("transform", str(src), "-o", str(out))
    assert result.exit_code == 1
    assert f"{src}:2:" in result.stderr and "> 2 |   let = ;" in result.stderr
    assert not out.exists()


def test_external_source_map(tmp_path: Path) -> None:
    src = tmp_path / "main.js"
    src.write_text("const x = 'é😀'\n" + HOT)
    out = tmp_path / "dist" / "main.js"
    result = _run("transform", str(src), "-o", str(out), "--sourcemap", "external")
    assert result.exit_code == 0, result.output
    code = out.read_text()
    assert code == "const x = 'é😀'\nrun()\n//# sourceMappingURL=main.js.map\n"
    smap = json.loads((tmp_path / "dist" / "main.js.map").read_text())
    assert smap["file"] == "main.js"
    assert original_position(smap, 1, 0) == (str(src), 4, 0)


def test_inline_source_map() -> None:
    result = _run("transform", "-", "--sourcemap", "inline", input=HOT)
    assert result.stdout.startswith("run()\n//# sourceMappingURL=data:application/json;")


def test_tree_mode_mirrors_and_summarises(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "lib").mkdir(parents=True)
    (src / "main.js").write_text(HOT)
    (src / "lib" / "util.mjs").write_text("export const a = 1\n")
    (src / "style.css").write_text("body{}\n")
    out = tmp_path / "out"
    result = _run("transform", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert (out / "main.js").read_text() == "run()\n"
    assert (out / "lib" / "util.mjs").read_text() == "export const a = 1\n"
    assert (out / "style.css").read_text() == "body{}\n"
    assert "3 files, 1 parsed, 1 changed, 0 warnings, 0 errors" in result.stderr


def test_tree_with_a_syntax_error_leaves_out_untouched(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "main.js").write_text(HOT)
    out = tmp_path / "out"
    assert _run("transform", str(src), "-o", str(out)).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (src / "bad.js").write_text(BAD)
    (src / "main.js").write_text(HOT + "more()\n")
    result = _run("transform", str(src), "-o", str(out))
    assert result.exit_code == 1
    assert "bad.js:2:" in result.stderr and "left unchanged" in result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "src"]  # no temp dirs left


def test_tree_needs_an_output_dir(tmp_path: Path) -> None:
    result = _run("transform", str(tmp_path))
    assert result.exit_code == 2 and "needs -o OUT" in result.output


def test_python_dash_m_shaker() -> None:
    proc = subprocess.run([sys.executable, "-m", "shaker", "transform", "-"], input=HOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == "run()\n"


def test_a_missing_input_is_a_usage_error_exit_2(tmp_path: Path) -> None:
    result = _run("transform", str(tmp_path / "nope.js"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.output


NOT_UTF8 = b"let a = 'caf\xe9';\nif (import.meta.hot) import.meta.hot.accept()\n"  # Latin-1 é


def test_a_file_that_is_not_utf8_is_refused_with_its_byte_offset(tmp_path: Path) -> None:
    src = tmp_path / "bad.js"
    src.write_bytes(NOT_UTF8)
    out = tmp_path / "out.js"
    for args in (["-o", str(out)], ["-o", str(out), "--sourcemap", "external"], []):
        result = _run("transform", str(src), *args)
        assert result.exit_code == 1
        assert result.stderr == f"{src}:1:13: error: not UTF-8: invalid byte 0xe9 at offset 12 " \
                                "[not-utf8]\n"
        assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.js"]  # nothing written


def test_stdin_that_is_not_utf8_is_refused() -> None:
    result = CliRunner().invoke(main, ["transform", "-"], input=b"\xff\xfe")
    assert result.exit_code == 1
    assert "<stdin>:1:1: error: not UTF-8: invalid byte 0xff at offset 0" in result.stderr


def test_a_tree_with_a_file_that_is_not_utf8_leaves_out_unchanged(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "main.js").write_text(HOT)
    out = tmp_path / "out"
    assert _run("transform", str(src), "-o", str(out)).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (src / "main.js").write_text(HOT + "more()\n")
    (src / "plain.js").write_bytes(b"export const s = '\xff';\n")  # copied as is, but refused
    result = _run("transform", str(src), "-o", str(out))
    assert result.exit_code == 1
    assert f"{src / 'plain.js'}:1:19: error: not UTF-8: invalid byte 0xff at offset 18" \
        in result.stderr
    assert "left unchanged" in result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "src"]


def test_errors_found_by_worker_processes_are_reported(tmp_path: Path) -> None:
    """Errors come back from worker processes pickled: both kinds must survive the trip."""
    src = tmp_path / "src"
    src.mkdir()
    for i in range(40):  # enough files for several workers
        (src / f"m{i}.js").write_text(HOT)
    (src / "bad.js").write_text(BAD)
    (src / "latin.js").write_bytes(NOT_UTF8)
    result = _run("transform", str(src), "-o", str(tmp_path / "out"), "-j", "3")
    assert result.exit_code == 1, result.output
    assert f"{src / 'bad.js'}:2:" in result.stderr
    assert "invalid byte 0xe9 at offset 12" in result.stderr
    assert "2 errors" in result.stderr and not (tmp_path / "out").exists()


def test_base_follows_the_one_rule() -> None:
    code = "console.log(import.meta.env.BASE_URL)\n"
    assert _run("transform", "-", "--base", "app", input=code).stdout == 'console.log("/app/")\n'
    relative = _run("transform", "-", "--base", "./", input=code)
    assert relative.stdout == 'console.log("./")\n'
    bad = _run("transform", "-", "--base", "../x", input=code)
    assert bad.exit_code == 2 and "invalid base" in bad.stderr


def test_transform_does_not_import_the_servers() -> None:
    """One module per command, loaded lazily: build tools calling ``shaker transform`` do
    not pay for aiohttp, watchfiles or the dev server."""
    code = ("import sys\nfrom shaker.cli import main\ntry:\n    main(['transform', '-'])\n"
            "except SystemExit:\n    pass\n"
            "heavy = [m for m in ('aiohttp', 'watchfiles', 'shaker.dev', 'shaker.preview',"
            " 'shaker.cli.dev', 'shaker.cli.build') if m in sys.modules]\n"
            "print(heavy, file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code], input=HOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.stdout == "run()\n" and proc.stderr.strip() == "[]"
