"""A light, mutable copy of the tree-sitter tree that the minifier rewrites and prints.

tree-sitter nodes are read-only views, and every attribute read crosses into C and builds a
new object.  The minifier reads each node several times (scopes, rewrites, printing) and
rewrites subtrees (``if (a) b()`` becomes ``a && b()``), so it copies the tree once, with a
cursor walk (the fastest way through the C API), into plain slotted objects.  Rewrites build
new nodes of the same shape as the grammar's (``binary_expression`` with an operator leaf,
...), so the printer and the precedence table need to know only one vocabulary.
"""

from __future__ import annotations

from tree_sitter import Tree

__all__ = ["PUNCTUATION", "N", "build", "leaf", "make"]


class N:
    """One node: grammar type, field name in its parent, children, and source extent.

    ``text`` is set for leaves (their source text, or new text for synthetic ones);
    ``start`` is the original byte offset (-1 for synthetic nodes, which map nowhere);
    ``ref`` is the :class:`~shaker.js.minify.mangle.Binding` an identifier resolves to.
    """

    __slots__ = ("end", "field", "is_named", "kids", "parent", "ref", "start", "text", "type")

    def __init__(self, type: str, field: str | None, start: int, end: int,
                 text: str | None, parent: N | None, is_named: bool = True) -> None:
        self.type = type
        self.is_named = is_named
        self.field = field
        self.start = start
        self.end = end
        self.text = text
        self.parent = parent
        self.kids: list[N] = []
        self.ref: object | None = None

    def get(self, field: str) -> N | None:
        """The first child with ``field``, like tree-sitter's ``child_by_field_name``."""
        for kid in self.kids:
            if kid.field == field:
                return kid
        return None

    def named(self) -> list[N]:
        """Children that are named nodes (not punctuation or keywords), comments excluded."""
        return [k for k in self.kids if k.is_named and k.type != "comment"]

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"N({self.type!r}, {self.text!r}, {len(self.kids)} kids)"


PUNCTUATION = frozenset({"(", ")", "[", "]", "{", "}", ",", ";", ".", ":", "=>", "?"})
"""Leaves that analysis never needs (the linker's copy leaves them out; the printer keeps
them)."""


def build(tree: Tree, code: bytes, skip: frozenset[str] = frozenset()) -> N:
    """Copy ``tree`` into :class:`N` nodes; leaves get their source text.  Leaves of a type
    in ``skip`` that fill no field are left out (a third of a typical tree's nodes)."""
    cursor = tree.walk()
    root_node = cursor.node
    assert root_node is not None
    root = N(root_node.type, None, root_node.start_byte, root_node.end_byte, None, None)
    if not cursor.goto_first_child():
        return root
    parent = root
    stack: list[N] = []
    while True:
        node = cursor.node
        assert node is not None
        start = node.start_byte
        end = node.end_byte
        typ = node.type
        is_named = node.is_named
        if node.child_count == 0:
            if typ in skip and not is_named and cursor.field_name is None:
                while not cursor.goto_next_sibling():
                    if not stack:
                        return root
                    cursor.goto_parent()
                    parent = stack.pop()
                continue
            text = code[start:end].decode("utf-8", "surrogatepass")
            item = N(typ, cursor.field_name, start, end, text, parent, is_named)
            parent.kids.append(item)
        else:
            item = N(typ, cursor.field_name, start, end, None, parent, is_named)
            parent.kids.append(item)
            if cursor.goto_first_child():
                stack.append(parent)
                parent = item
                continue
        while not cursor.goto_next_sibling():
            if not stack:
                return root
            cursor.goto_parent()
            parent = stack.pop()


def leaf(text: str, type: str | None = None) -> N:
    """A synthetic leaf: a keyword or operator, or (with ``type``) a named literal."""
    return N(type or text, None, -1, -1, text, None, type is not None)


def make(type: str, kids: list[N], field: str | None = None) -> N:
    """A synthetic inner node of grammar type ``type`` over ``kids``."""
    node = N(type, field, -1, -1, None, None)
    node.kids = kids
    for kid in kids:
        kid.parent = node
    return node
