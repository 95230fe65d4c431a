"""The public transform API: fast path, diagnostics, source maps, development facts."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

import shaker
from shaker.js.sourcemap import original_position


def test_file_without_import_meta_is_returned_as_is_without_parsing(monkeypatch) -> None:
    import shaker.js.parse

    def boom(*_a, **_k):
        raise AssertionError("parsed a file that cannot reference import.meta")

    monkeypatch.setattr(shaker.js.parse, "parse", boom)
    code = "const metadata = { meta: 1 };\nimport('./x.js').then(m => m.meta)\n"
    result = shaker.transform(code)
    assert result.code is code
    assert not result.changed and result.diagnostics == []


def test_mentions_in_strings_and_comments_are_not_references() -> None:
    code = 'log("import.meta.hot.accept()") // import.meta.hot\n/* import.meta.hot */\n'
    result = shaker.transform(code)
    assert result.code == code and not result.changed


def test_syntax_error_has_location_and_code_frame() -> None:
    with pytest.raises(shaker.ShakerSyntaxError) as info:
        shaker.transform("let a = 1;\nif (import.meta.hot) {\n  let = ;\n}\n", filename="bad.js")
    diag = info.value.diagnostic
    assert (diag.filename, diag.line) == ("bad.js", 3)
    assert str(info.value).startswith("bad.js:3:")
    frame = info.value.render()
    assert "> 3 |   let = ;" in frame and "^" in frame


def test_raw_nul_inside_a_template_is_valid_and_kept() -> None:
    code = "const t = `a\0b`;\nif (import.meta.hot) { x() }\n"
    assert shaker.transform(code).code == "const t = `a\0b`;\n"


def test_raw_nul_outside_a_token_is_a_syntax_error() -> None:
    with pytest.raises(shaker.ShakerSyntaxError, match="1:9"):
        shaker.transform("let a = \0 1; import.meta.hot")


def test_idempotent_on_a_mixed_module() -> None:
    code = ("import { a } from './a.js'\nconst hot = import.meta.hot\n"
            "if (hot) { hot.accept(() => a()) } else { var x = 1 }\nexport { x }\n")
    once = shaker.transform(code).code
    assert "import.meta" not in once
    assert shaker.transform(once).code == once


def test_unguarded_call_is_removed_with_a_located_warning() -> None:
    result = shaker.transform("run()\n  import.meta.hot.accept()\n", filename="m.js")
    assert result.code == "run()\n"
    [warning] = result.diagnostics
    assert (warning.id, warning.line, warning.column) == ("hot-unguarded", 2, 3)
    assert shaker.render_short(warning).startswith("m.js:2:3: warning: ")


def test_define_constants_fold() -> None:
    code = "if (__DEV__) { dev() } else { prod() }\nlog(process.env.NODE_ENV)\n"
    result = shaker.transform(code, define={"__DEV__": "false",
                                            "process.env.NODE_ENV": '"production"'})
    assert result.code == 'prod()\nlog("production")\n'


def test_define_respects_shadowing() -> None:
    code = "function f(__DEV__) { return __DEV__ }\nlog(__DEV__)\n"
    result = shaker.transform(code, define={"__DEV__": "false"})
    assert result.code == "function f(__DEV__) { return __DEV__ }\nlog(false)\n"


def test_env_values_follow_mode_and_base() -> None:
    code = "log(import.meta.env.BASE_URL, import.meta.env.PROD, import.meta.env.NOPE)\n"
    assert shaker.transform(code, base="/app/").code == 'log("/app/", true, void 0)\n'


def test_keep_hot_leaves_hot_code_and_folds_env() -> None:
    code = "if (import.meta.hot) { import.meta.hot.accept() }\nif (import.meta.env.DEV) x()\n"
    result = shaker.transform(code, keep_hot=True)
    assert result.code == "if (import.meta.hot) { import.meta.hot.accept() }\n"


def test_development_facts_through_aliases_and_optional_chains() -> None:
    code = ("const hot = import.meta.hot\nhot?.accept(['./a.js', `./b.js`], () => {})\n"
            "import.meta.hot?.accept?.()\n")
    result = shaker.transform(code, mode="development", url="/src/m.js")
    assert result.code.startswith('import { createHotContext as __shaker_hot } from '
                                  '"/@shaker/client";import.meta.hot = __shaker_hot("/src/m.js");')
    assert result.code.count("\n") == code.count("\n")
    assert result.hot.self_accepting and result.hot.uses_hot
    assert result.hot.accepted_deps == ("./a.js", "./b.js")


def test_development_dynamic_accept_dep_is_an_error_diagnostic() -> None:
    result = shaker.transform("import.meta.hot.accept(`./${x}.js`, () => {})\n",
                              mode="development")
    [diag] = result.diagnostics
    assert diag.severity is shaker.Severity.ERROR and diag.id == "hot-accept-dynamic"


def test_rewrite_import_touches_every_specifier_kind() -> None:
    code = ("import a from './a.js'\nexport { b } from './b.js'\nimport('./c.js')\n"
            "import.meta.hot.accept('./a.js', () => {})\n")
    seen = []

    def rewrite(spec: str) -> str:
        seen.append(spec)
        return "/abs/" + spec[2:]

    result = shaker.transform(code, mode="development", url="/m.js", rewrite_import=rewrite)
    assert seen == ["./a.js", "./b.js", "./c.js", "./a.js"]
    assert '"/abs/b.js"' in result.code and "import(\"/abs/c.js\")" in result.code
    assert [(r.specifier, r.kind) for r in result.imports] == [
        ("./a.js", "static"), ("./b.js", "reexport"), ("./c.js", "dynamic")]


def test_import_records_of_keyword_specifier_names() -> None:
    """Keywords as imported and re-exported names (svelte, zod, valibot) parse, and the
    dev transform reports and rewrites their modules like any other."""
    code = ('import { null as n } from "./m.js";\n'
            'export { if } from "./x.js";\n'
            'export { n as function, n as default };\n'
            'import.meta.hot?.accept();\n')
    seen = []

    def rewrite(spec: str) -> str:
        seen.append(spec)
        return "/src/" + spec[2:]

    result = shaker.transform(code, mode="development", url="/k.js", rewrite_import=rewrite)
    assert seen == ["./m.js", "./x.js"]
    assert [(r.specifier, r.kind) for r in result.imports] == [
        ("./m.js", "static"), ("./x.js", "reexport")]
    body = result.code[result.code.index('import { null'):]
    assert body == ('import { null as n } from "/src/m.js";\n'
                    'export { if } from "/src/x.js";\n'
                    'export { n as function, n as default };\n'
                    'import.meta.hot?.accept();\n')
    assert result.hot.self_accepting


def _token_position(code: str, token: str) -> tuple[int, int]:
    """0-based line and UTF-16 column of the first ``token`` in ``code``."""
    before = code[: code.index(token)]
    line = before.count("\n")
    col_text = before[before.rfind("\n") + 1:]
    return line, len(col_text.encode("utf-16-le")) // 2


def test_source_map_points_tokens_back_with_utf16_columns() -> None:
    code = ('const s = "héllo 😀";\nif (import.meta.hot) {\n  import.meta.hot.accept()\n}\n'
            'const 𝑥 = 1; log(s, "😀😀", target)\n')
    result = shaker.transform(code, filename="src/app.js", sourcemap=True)
    assert result.map is not None
    assert result.map["sources"] == ["src/app.js"]
    assert result.map["sourcesContent"] == [code]
    for token in ("log", "target", "s, "):
        gen = _token_position(result.code, token)
        assert original_position(result.map, *gen) == ("src/app.js",
                                                       *_token_position(code, token))


def test_source_map_composes_with_an_inline_input_map() -> None:
    # An "original" TypeScript file, compiled to JS with a map: line 0 of the JS maps to
    # line 5 column 2 of app.ts; we strip the hot code and must still map there.
    inner = {"version": 3, "sources": ["app.ts"], "names": [],
             "sourcesContent": ["// ts\n"], "mappings": "AAKE;AACA"}
    url = base64.b64encode(json.dumps(inner).encode()).decode()
    code = ("run()\nimport.meta.hot?.accept()\n"
            f"//# sourceMappingURL=data:application/json;base64,{url}\n")
    result = shaker.transform(code, filename="app.js", sourcemap=True)
    assert result.code == "run()\n"
    assert original_position(result.map, 0, 0) == ("app.ts", 5, 2)


def test_non_string_define_is_rejected_clearly() -> None:
    with pytest.raises(TypeError, match="JavaScript expression strings"):
        shaker.transform("x", define={"__DEV__": False})  # type: ignore[dict-item]


def test_a_rewritten_import_drops_its_attribute_clause() -> None:
    code = ('import data from "./d.json" with { type: "json" };\n'
            'export { x } from "./e.json" with { type: "json" };\n'
            'import keep from "./f.json" with { type: "json" };\n')
    result = shaker.transform(code, mode="development", url="/m.js",
                              rewrite_import=lambda s: None if "f.json" in s else s + "?import")
    assert result.code == ('import data from "./d.json?import";\n'
                           'export { x } from "./e.json?import";\n'
                           'import keep from "./f.json" with { type: "json" };\n')


# -- cost of deep nesting -----------------------------------------------------------------------


def nested_guards(n: int) -> str:
    return "if (import.meta.hot) {\n" * n + "x();\n" + "}\n" * n


@pytest.mark.parametrize("mode", ["production", "development"])
def test_nested_guards_cost_linear_parent_lookups(mode: str, monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    """tree-sitter's ``node.parent`` descends from the root (O(depth)), so asking it for the
    parents of n nested guards cost O(n²): 3,000 guards took seconds. The scan, the TDZ
    order and the strip get parents from ``shaker.js.ancestry``, which finds them all in one
    cursor walk; the lookups that still fall back to tree-sitter must not grow with the
    depth."""
    from shaker.js import ancestry

    counts = {"fallback": 0, "indexed": 0}
    parent, deepest = ancestry.Ancestry.parent, ancestry.Ancestry.deepest

    def counted_parent(self: ancestry.Ancestry, node: Any) -> Any:
        counts["fallback"] += node.id not in self._parents
        return parent(self, node)

    def counted_deepest(self: ancestry.Ancestry, ranges: Any) -> Any:
        before = len(self._parents)
        out = deepest(self, ranges)
        counts["indexed"] += len(self._parents) - before
        return out

    monkeypatch.setattr(ancestry.Ancestry, "parent", counted_parent)
    monkeypatch.setattr(ancestry.Ancestry, "deepest", counted_deepest)
    options: dict[str, Any] = {"url": "/deep.js"} if mode == "development" else {}
    seen = []
    for n in (300, 600):
        counts.update(fallback=0, indexed=0)
        result = shaker.transform(nested_guards(n), filename="deep.js", mode=mode, **options)
        assert ("import.meta.hot" in result.code) == (mode == "development")
        seen.append(dict(counts))
    assert seen[0]["fallback"] == seen[1]["fallback"] <= 8, seen
    assert seen[1]["indexed"] <= 2.1 * seen[0]["indexed"], seen  # one walk: linear in n
