"""What evaluating a module does at load time, and where its import statements are.

The build drops a module that nothing imports any more once HMR code is gone (an HMR helper,
a dev-only overlay) only when loading it cannot be observed: its package says
``"sideEffects": false``, or :func:`has_top_level_effects` finds nothing at its top level that
could run code.  The analysis follows Rollup's defaults (`shaker.js.purity.ROLLUP`):
declarations, literals, functions and classes are pure; calls are not, unless annotated
``/*#__PURE__*/``; reading a property is not (a getter may run); anything it does not
recognise is a side effect.

Pure: tree in, facts out, on the byte offsets of the code that was parsed.

>>> from shaker.source import Source
>>> from shaker.js.parse import parse
>>> def pure(code): return not has_top_level_effects(parse(Source("m.js", code.encode())))
>>> pure("import x from './x.js'; export const a = 1, b = () => x; export default class {}")
True
>>> pure("export const a = window.x"), pure("document.title = 'x'"), pure("init()")
(False, False, False)
>>> pure("export const a = /*#__PURE__*/ make(1)")
True
"""

from __future__ import annotations

from typing import NamedTuple

from tree_sitter import Node, Tree

from shaker.js.purity import ROLLUP, is_pure, is_pure_class
from shaker.js.statements import ASI_HAZARD_BYTES, ends_without_semicolon

_FUNCTION_DECLARATIONS = frozenset({"function_declaration", "generator_function_declaration"})


class ImportStatement(NamedTuple):
    """A top-level ``import`` declaration: its specifier and where to cut to remove it."""

    specifier: str
    bare: bool  # `import "x"`: nothing is bound, only the module's evaluation is wanted
    start: int  # byte range covering the statement (and its line when it stands alone)
    end: int
    replacement: str  # "" or ";" when removing it would let ASI join its neighbours


def import_statements(tree: Tree) -> list[ImportStatement]:
    """Every top-level ``import`` declaration with a string source, in source order."""
    code = tree.root_node.text or b""
    out = []
    for node in tree.root_node.named_children:
        if node.type != "import_statement":
            continue
        source = node.child_by_field_name("source")
        if source is None:
            continue
        fragment = "".join((c.text or b"").decode("utf-8", "surrogatepass")
                           for c in source.named_children)
        bare = not any(c.type == "import_clause" for c in node.named_children)
        start, end = _line_span(code, node.start_byte, node.end_byte)
        out.append(ImportStatement(fragment, bare, start, end, _replacement(node)))
    return out


def _line_span(code: bytes, start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` to whole lines when only blanks share them."""
    line_start = code.rfind(b"\n", 0, start) + 1
    line_end = code.find(b"\n", end)
    line_end = len(code) if line_end < 0 else line_end + 1
    if code[line_start:start].strip() or code[end:line_end].strip():
        return start, end
    return line_start, line_end


def _replacement(node: Node) -> str:
    """``;`` when the statements on both sides could join once this one is gone (an import
    declaration cannot continue into the next line: ASI always ends it)."""
    before = node.prev_named_sibling
    after = node.next_named_sibling
    if before is None or after is None or before.type == "import_statement":
        return ""
    hazard = (after.text or b" ")[:1] in ASI_HAZARD_BYTES
    return ";" if hazard and ends_without_semicolon(before) else ""


def has_top_level_effects(tree: Tree) -> bool:
    """Whether loading the module may do something observable (besides its imports)."""
    return not all(_pure_statement(node) for node in tree.root_node.named_children)


def _pure_statement(node: Node) -> bool:
    kind = node.type
    if kind in ("comment", "empty_statement", "hash_bang_line", "import_statement"):
        return True
    if kind in _FUNCTION_DECLARATIONS:
        return True
    if kind == "class_declaration":
        return is_pure_class(node, ROLLUP)
    if kind in ("lexical_declaration", "variable_declaration"):
        return all(_pure_declarator(d) for d in node.named_children
                   if d.type == "variable_declarator")
    if kind == "export_statement":
        declaration = node.child_by_field_name("declaration")
        if declaration is not None:
            return _pure_statement(declaration)
        value = node.child_by_field_name("value")
        return value is None or is_pure(value, ROLLUP)
    if kind == "expression_statement":  # only directives such as "use strict"
        inner = node.named_children
        return len(inner) == 1 and inner[0].type == "string"
    return False


def _pure_declarator(node: Node) -> bool:
    name = node.child_by_field_name("name")
    value = node.child_by_field_name("value")
    if name is None or name.type != "identifier":
        return False  # destructuring reads properties (getters) or iterates
    return value is None or is_pure(value, ROLLUP)


__all__ = ["ImportStatement", "has_top_level_effects", "import_statements"]
