"""``Scopes.references`` (which resolves only inner declarations of a name) finds exactly the
occurrences that resolve to the binding one by one, for every binding of every corpus input."""

from __future__ import annotations

from pathlib import Path

from corpus_format import corpus_entries

from shaker.js.parse import _parser
from shaker.js.scope import Scopes, is_declaration_site

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
EXTRA = [
    b"let x = 1; function f(x) { return x } class x2 extends x {} { let x; x++ } log(x);",
    b"var a; function g() { var a = 2; return () => a } class C extends a { m() { a } }",
    b"const k = 1; try { k } catch (k) { k } for (const k of []) k; switch (k) { case 1: "
    b"let k; k }",
    b"const c = 1; const o = class c { m() { return c } }; log(c, arguments);",
]


def test_references_match_one_by_one_resolution() -> None:
    sources = [e.case.input.encode() for e in corpus_entries(CORPUS)] + EXTRA
    checked = 0
    for code in sources:
        tree = _parser().parse(code)
        if tree.root_node.has_error:
            continue
        scopes = Scopes(tree, code)
        stack = [tree.root_node]
        while stack:
            node = stack.pop()
            stack.extend(node.children)
            if node.type not in ("identifier", "shorthand_property_identifier_pattern") or (
                    not is_declaration_site(node)):
                continue
            binding = scopes.resolve(node)
            if binding is None or binding.declaration != node:
                continue
            expected = []
            for other in scopes.occurrences(binding.name, binding.scope):
                if other == node or is_declaration_site(other):
                    continue
                found = scopes.resolve(other)
                if found is not None and found.scope == binding.scope:
                    expected.append(other.start_byte)
            assert [r.start_byte for r in scopes.references(binding)] == expected, (
                code, binding.name)
            checked += 1
    assert checked > 300
