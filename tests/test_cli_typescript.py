"""``shaker transform`` on TypeScript: one file becomes JavaScript (types erased, then the
strip); a tree copies TypeScript as it is and warns where ``import.meta`` stays in it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from shaker.cli.main import main

TS = ("enum E { A }\nconst x: number = E.A;\n"
      "if (import.meta.hot) { import.meta.hot.accept() }\nexport default x;\n")


def test_one_typescript_file_becomes_javascript(tmp_path: Path) -> None:
    (tmp_path / "m.ts").write_text(TS)
    result = CliRunner().invoke(main, ["transform", str(tmp_path / "m.ts")])
    assert result.exit_code == 0, result.output
    assert result.output == ('var E = /* @__PURE__ */ ((E) => { E[E["A"] = 0] = "A"; return E; '
                             '})(E || {});\nconst x         = E.A;\nexport default x;\n')


def test_a_tree_copies_typescript_and_says_where_hot_code_stays(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src/m.ts").write_text(TS)
    result = CliRunner().invoke(main, ["transform", str(tmp_path / "src"), "-o",
                                       str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out/m.ts").read_text() == TS
    assert "m.ts:3:5: warning: TypeScript is copied unchanged" in result.output
