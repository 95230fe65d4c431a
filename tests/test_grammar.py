"""shaker's build of tree-sitter-javascript (grammars/): v0.25.0 plus exactly one patch.

The patch (grammars/tree-sitter-javascript/unreserve_export_names.py, why in
grammars/README.md) takes the reserved-word set off the parse states where a module export
name starts.  These tests pin that down: the committed parser.c is upstream's byte for byte
once the set is put back, the states patched are exactly tree-sitter's module export name
states, and keyword names parse into ``identifier`` nodes with their real text while
keywords stay keywords everywhere else.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from tree_sitter import Language, Node, Parser

from shaker.js import _grammar
from shaker.js.parse import language

SCRIPT = (Path(__file__).resolve().parent.parent / "grammars" / "tree-sitter-javascript"
          / "unreserve_export_names.py")


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("unreserve_export_names", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _parse(code: str) -> Node:
    return Parser(language()).parse(code.encode()).root_node


def test_shaker_parses_with_its_own_build() -> None:
    lang = Language(_grammar.language())
    assert lang.abi_version == 15
    assert lang.semantic_version == (0, 25, 0)
    assert language().parse_state_count == lang.parse_state_count


def test_parser_c_is_upstream_plus_the_patch_only() -> None:
    script = _script()
    states = set(script.module_name_states(language()))
    assert len(states) == 10  # `{` and `,` of import/export clauses, `as` in them, `* as`
    text = script.PARSER_C.read_text(encoding="utf-8")
    assert script.unreserve(text, states) == text, "run the script: parser.c is not patched"
    assert script.sha256(script.reserve(text, states)) == script.UPSTREAM_SHA256


@pytest.mark.parametrize("code", [
    "function if_block() {}\nexport { if_block as if };",
    "const _null = 1;\nexport { _null as null };",
    "const function_ = 1;\nexport { function_ as function };",
    'import { null as n, if as i } from "./m.js";',
    'export { if } from "./m.js";',
    'export { default as class } from "./m.js";',
    'export * as if from "./m.js";',
    'export { this, super, true, false, import, export, await, yield } from "./m.js";',
])
def test_keyword_module_export_names_are_identifiers(code: str) -> None:
    root = _parse(code)
    assert not root.has_error, str(root)
    names = []
    stack = [root]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.parent is not None and node.parent.type in (
            "export_specifier", "import_specifier", "namespace_export"
        ) and node.is_named and node.type != "comment":
            names.append(node)
    assert names
    for node in names:
        assert node.type in ("identifier", "string"), node.type
        assert node.text == code.encode()[node.start_byte:node.end_byte]


def test_default_stays_a_keyword_in_specifiers() -> None:
    root = _parse('export { default as class } from "./m.js";')
    spec = root.children[0].children[1].named_children[0]
    assert spec.type == "export_specifier"
    assert spec.child_by_field_name("name").type == "default"  # type: ignore[union-attr]


@pytest.mark.parametrize("code", [
    'import { a as if } from "./m.js";',  # an alias is a binding
    'import * as null from "./m.js";',
    'import function from "./m.js";',
    "let if = 1;",
    "const x = { a: 1 }.if.null;\nvar null;",
    "function class() {}",
])
def test_keywords_stay_reserved_outside_module_export_names(code: str) -> None:
    assert _parse(code).has_error
