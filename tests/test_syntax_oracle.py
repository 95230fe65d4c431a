"""A syntax error is reported only for input that really is invalid: ``node --check`` decides.

Each valid input below mixes a construct that parsers get wrong easily (regex vs division,
nested templates, raw NULs, attributes, private ``in``...) with hot code, so the transform
must parse it; each invalid one must raise with a location.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import shaker

VALID = {
    "import attributes": 'import data from "./a.json" with { type: "json" };\n',
    "re-export with attributes": 'export { x } from "./a.json" with { type: "json" };\n'
                                 'export * as all from "./b.json" with { type: "json" };\n',
    "private in": "class A { #x = 1; static has(o) { return #x in o } }\n",
    "regex v flag": "const r = /[\\p{L}--[a-z]]/v;\n",
    "top-level await": "await Promise.resolve(1);\n",
    "logical assignment": "let a = null; a ??= 1; a ||= 2; a &&= 3;\n",
    "bigint with separators": "const n = 1_000_000n;\n",
    "regex after if parens": "if (x) /re/.test(s);\n",
    "division chains": "const a = b / c / d;\nconst e = (f) / 2 / g;\n",
    "class static block": "class A { static { this.x = 1 } }\n",
    "nested templates": "const t = `a${`b${c}`}`;\n",
    "hashbang": "#!/usr/bin/env node\n",
    "slash in regex class": "const r = /[/]/;\n",
    "label then regex": "a: /x/g.exec(s);\n",
    "unicode escape identifier": "var \\u0061bc = 1;\n",
    "line continuation in string": 'const s = "a\\\nb";\n',
    "U+2028 in a string": 'const s = "a\u2028b";\n',
    "contextual keywords as names": "const o = { get: 1, set: 2, static: 1, async: 2, of: 3 };\n",
    "generators": "function* g() { const x = yield; yield* g() }\n",
    "class members": "class A { x = () => this; static #y; get #z() { return 1 } }\n",
    "raw NUL in a template": "const t = `a\0b`;\n",
    "raw NUL in a comment": "// a\0b\n",
    "array holes": "const a = [1,, 2, , 3];\nconst [x,, y] = a;\n",
    "trailing commas": "f(a,);\nconst o = {a,};\nfunction g(a, b,) {}\n",
    "decrement then greater": "let x = 2;\nif (x-->0) x--;\n",
    "less-than not": "const b = a < !--c;\n",
    "HTML comment text in strings and regexes": 'const s = "<!-- -->", r = /<!--/;\n// -->\n',
    "parenthesized chain as a tag": "(a?.b)`x`;\n(a?.b).c = 1;\nnew (a?.b)();\n",
    "ternary with a decimal": "const t = a ?.5 : 1;\n",
    "call as an update target": "if (0) f()++;\n",
    "optional chains as defaults and keys": "function f(p = a?.b) {}\n[x = a?.b] = c;\n"
                                            "({ k: y = a?.b, [a?.c]: z } = c);\n",
    # Module export names are any word (tree-sitter-javascript 0.25.0 rejected keywords).
    "keyword export alias (svelte)": "function if_block() {}\nexport { if_block as if };\n",
    "null export alias (zod)": "const _null = 1;\nexport { _null as null };\n",
    "function export alias (valibot)": "const function_ = 1;\nexport { function_ as function };\n",
    "default export alias": "const x = 1;\nexport { x as default };\n",
    "string export name": 'const a = 1;\nexport { a as "string name" };\n',
    "keyword import names": 'import { null as n, if as i } from "./m.js";\n',
    "keyword re-export": 'export { if } from "./m.js";\n',
    "default re-exported as a keyword": 'export { default as class } from "./m.js";\n',
    "namespace re-exported as a keyword": 'export * as if from "./m.js";\n',
    "string import and re-export names": 'import { "a b" as ab } from "./m.js";\n'
                                         'export { "c d" as "e f", "g" } from "./m.js";\n',
}
INVALID = {
    "let without a name": ("let = ;\n", 1),
    "unterminated string": ('const s = "abc\n', 1),
    "unclosed block": ("if (a) {\n  b()\n", 3),
    "raw NUL in code": ("let a = \0 1;\n", 1),
    "double comma in an object": ("const o = {a: 1,, b};\n", 1),
    "leading comma in arguments": ("f(\n  ,a);\n", 2),
    "double comma in parameters": ("function g(a,,b) {}\n", 1),
    "double comma in named imports": ('import {a,,b} from "./x.js";\n', 1),
    "comment between two commas": ("const o = {\n  a, /* gap */ , b};\n", 2),
    "tagged template on an optional chain": ("x;\na?.b.c`t`;\n", 2),
    "template on the next line of a chain": ("a?.b\n`t`;\n", 2),
    "new on an optional chain": ("new a?.b();\n", 1),
    "assignment to an optional chain": ("a;\n(a?.b) = 1;\n", 2),
    "update of an optional chain": ("a?.b++;\n", 1),
    "destructuring into an optional chain": ("({ x: a?.b } = c);\n", 1),
    "HTML open comment": ("x = 1;\nx <!--y\n", 2),
    "HTML close comment at a line start": ("x = 1;\n  --> y\n", 2),
    "increment of a literal": ("1++;\n", 1),
    "import.meta as a parameter": ("function f(\n  import.meta.hot) {}\n", 2),
    # ... but a local name still has to be a binding or a reference.
    "keyword as an import binding": ('import { if } from "./m.js";\n', 1),
    "null as an import binding": ('import { null } from "./m.js";\n', 1),
    "strict reserved word as an import alias": ('import { a as let } from "./m.js";\n', 1),
    "keyword as a local export": ("export { if };\n", 1),
    "keyword renamed as a local export": ("export { null as n };\n", 1),
    "string name as a local export": ('export { "a b" };\n', 1),
    "default as a local export": ("export { default };\n", 1),
}

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def _node_accepts(code: str, tmp_path: Path) -> bool:
    path = tmp_path / "m.mjs"
    path.write_text(code)
    return subprocess.run(["node", "--check", str(path)], capture_output=True,
                          timeout=30).returncode == 0


@needs_node
@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_modules_are_transformed(name: str, tmp_path: Path) -> None:
    code = VALID[name]
    if code.startswith("#!"):
        code += "import.meta.hot?.accept();\n"
    else:
        code = "import.meta.hot?.accept();\n" + code
    assert _node_accepts(code, tmp_path), "the test input itself must be valid"
    result = shaker.transform(code)
    assert "import.meta" not in result.code
    assert _node_accepts(result.code, tmp_path)


@needs_node
@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_modules_raise_with_a_location(name: str, tmp_path: Path) -> None:
    body, line = INVALID[name]
    code = body + "import.meta.hot?.accept();\n" if line else body
    assert not _node_accepts(code, tmp_path), "the test input itself must be invalid"
    with pytest.raises(shaker.ShakerSyntaxError) as info:
        shaker.transform(code, filename="bad.js")
    assert info.value.diagnostic.line == line
    assert str(info.value).startswith(f"bad.js:{line}:")


@pytest.mark.parametrize(("code", "expected"), [
    ("const = 1;\n", "1:7: error: Unexpected token '='"),
    ("if (a) {\n  foo(\n}\n", "2:6: error: '(' is never closed"),
    ('const s = "abc\n', "1:11: error: Unterminated string literal"),
    ("export { if };\n", "1:10: error: Unexpected reserved word"),
    ('import { null } from "./m.js";\n', "1:10: error: Unexpected reserved word"),
    ('export { "a b" as c };\n', "1:10: error: String literal module export names must be "
                                  "followed by a 'from' clause"),
])
def test_messages_point_where_the_parser_gave_up(code: str, expected: str) -> None:
    with pytest.raises(shaker.ShakerSyntaxError) as info:
        shaker.transform(code + "import.meta.hot?.accept()\n", filename="m.js")
    assert str(info.value) == f"m.js:{expected}"


def test_scripts_may_hold_html_comments() -> None:
    """CommonJS is a script: V8 reads `<!--` and a line-start `-->` as comments there."""
    from shaker.js.parse import parse
    from shaker.source import Source

    source = Source("x.cjs", b"x = 1;\n<!-- old browsers\n--> y\nmodule.exports = x;\n")
    assert not parse(source, module=False).root_node.has_error
    with pytest.raises(shaker.ShakerSyntaxError):
        parse(source)
