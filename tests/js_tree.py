"""Tree-sitter helpers for the tests: syntax errors, imported names, leftover `import.meta.hot`.

These read the syntax tree independently of shaker, so that tests check the transform against
a second reading of the same code.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from tree_sitter import Language, Node, Parser, Tree

from shaker.js import _grammar


@cache
def _parser() -> Parser:
    """A parser of its own, on the grammar shaker builds (the PyPI one rejects keyword names
    in ``export { x as if }``, see grammars/README.md); the tree walks here are the tests'."""
    return Parser(Language(_grammar.language()))


def parse(source: str) -> Tree:
    """Parse JavaScript source text."""
    return _parser().parse(source.encode("utf-8"))


def walk(node: Node) -> Iterator[Node]:
    """Every node under ``node``, in document order, ``node`` included."""
    cursor = node.walk()
    while True:
        assert cursor.node is not None
        yield cursor.node
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return


def syntax_errors(source: str) -> list[tuple[int, int]]:
    """1-based (line, byte column) of every ERROR or MISSING node."""
    return [
        (node.start_point.row + 1, node.start_point.column + 1)
        for node in walk(parse(source).root_node)
        if node.is_error or node.is_missing
    ]


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8")


def _string_value(node: Node | None) -> str | None:
    """The value of a string literal (or a template without substitutions), escapes aside."""
    if node is None or node.type not in ("string", "template_string"):
        return None
    if any(child.type == "template_substitution" for child in node.named_children):
        return None
    return _text(node)[1:-1]


def imported_names(source: str) -> dict[str, set[str]]:
    """Specifier → names taken from it, for static imports, re-exports and `import("...")`.

    ``default`` stands for the default export; namespace imports and ``export *`` add the
    specifier with no names.
    """
    found: dict[str, set[str]] = {}
    for node in walk(parse(source).root_node):
        if node.type in ("import_statement", "export_statement"):
            specifier = _string_value(node.child_by_field_name("source"))
            if specifier is None:
                continue
            names = found.setdefault(specifier, set())
            for child in walk(node):
                if child.type == "import_clause":
                    names.update(
                        "default" for sub in child.named_children if sub.type == "identifier"
                    )
                elif child.type in ("import_specifier", "export_specifier"):
                    name = child.child_by_field_name("name")
                    if name is not None and name.type == "identifier":
                        names.add(_text(name))  # any word, keywords too: `{ null as n }`
                    elif (value := _string_value(name)) is not None:
                        names.add(value)  # `{ "a b" as ab }`
        elif node.type == "call_expression":
            function = node.child_by_field_name("function")
            arguments = node.child_by_field_name("arguments")
            if function is not None and function.type == "import" and arguments is not None:
                first = arguments.named_children[0] if arguments.named_children else None
                specifier = _string_value(first)
                if specifier is not None:
                    found.setdefault(specifier, set())
    return found


def _is_import_meta(node: Node | None) -> bool:
    return node is not None and node.type == "meta_property" and _text(node).startswith("import")


def _unescape_name(text: str) -> str:
    """An identifier with its `\\uXXXX` / `\\u{X}` escapes decoded (`h\\u006ft` is hot)."""
    import re

    return re.sub(r"\\u\{([0-9a-fA-F]+)\}|\\u([0-9a-fA-F]{4})",
                  lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def _pattern_key(item: Node) -> str | None:
    """The property name an object-pattern entry reads (`hot`, `hot: h`, `hot = d`)."""
    if item.type == "object_assignment_pattern":
        left = item.child_by_field_name("left")
        return _pattern_key(left) if left is not None else None
    if item.type == "pair_pattern":
        key = item.child_by_field_name("key")
        return None if key is None else _string_value(key) or _unescape_name(_text(key))
    if item.type == "shorthand_property_identifier_pattern":
        return _unescape_name(_text(item))
    return None


def hot_references(source: str) -> list[tuple[int, int]]:
    """1-based (line, byte column) of direct `import.meta.hot` forms left in ``source``.

    Covers `import.meta.hot`, `import.meta["hot"]` (comments between tokens included) and
    `{ hot } = import.meta`; aliases through other variables are not followed.
    """
    spots: list[tuple[int, int]] = []
    for node in walk(parse(source).root_node):
        if not _is_import_meta(node) or node.parent is None:
            continue
        parent = node.parent
        hot = False
        if parent.type == "member_expression":
            hot = _unescape_name(_text(parent.child_by_field_name("property") or node)) == "hot"
        elif parent.type == "subscript_expression":
            hot = _string_value(parent.child_by_field_name("index")) == "hot"
        elif parent.type == "variable_declarator":
            pattern = parent.child_by_field_name("name")
            if pattern is not None and pattern.type == "object_pattern":
                hot = any(_pattern_key(item) == "hot" for item in pattern.named_children)
        if hot:
            spots.append((node.start_point.row + 1, node.start_point.column + 1))
    return spots
