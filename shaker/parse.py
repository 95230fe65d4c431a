"""The only user of ``tree_sitter.Parser``: bytes in, tree out, syntax errors located.

tree-sitter recovers from errors instead of failing, so this module turns ERROR and
MISSING nodes into a :class:`~shaker.errors.ShakerSyntaxError` with a location.

One known gap in tree-sitter-javascript 0.25 is handled here: a raw NUL character is
valid inside strings, templates, comments and regular expressions, but the grammar
reports it as an error.  We parse a copy with NULs replaced by spaces (same length, so
every offset stays valid) and then require each NUL to sit inside one of those tokens.
"""

from __future__ import annotations

from functools import lru_cache

import tree_sitter_javascript
from tree_sitter import Language, Node, Parser, Tree

from .diagnostics import Diagnostic, Severity
from .errors import ShakerSyntaxError
from .source import Source

# Node types inside which any character, NUL included, is legal source text.
_TEXT_NODES = frozenset(
    {"string", "string_fragment", "template_string", "comment", "regex", "regex_pattern",
     "escape_sequence", "html_comment"}
)


@lru_cache(maxsize=1)
def language() -> Language:
    """The JavaScript grammar, loaded once per process."""
    return Language(tree_sitter_javascript.language())


@lru_cache(maxsize=1)
def _parser() -> Parser:
    return Parser(language())


def parse(source: Source) -> Tree:
    """Parse ``source`` or raise :class:`ShakerSyntaxError` at the first real error."""
    code = source.code
    has_nul = b"\0" in code
    tree = _parser().parse(code.replace(b"\0", b" ") if has_nul else code)
    root = tree.root_node
    if root.has_error:
        _raise_first_error(source, root)
    if has_nul:
        _check_nuls(source, root)
    return tree


def _raise_first_error(source: Source, root: Node) -> None:
    node = root
    while True:
        if node.is_missing:
            kind = node.type
            message = f"Expected {kind!r}" if kind else "Unexpected end of input"
            break
        if node.is_error:
            bad = node.child(0) if node.child_count else node
            text = source.code[bad.start_byte : bad.end_byte][:20].decode("utf-8", "replace")
            message = f"Unexpected token {text!r}" if text.strip() else "Unexpected token"
            if node.start_byte >= len(source.code.rstrip()):
                message = "Unexpected end of input"
            break
        for child in node.children:
            if child.has_error or child.is_missing or child.is_error:
                node = child
                break
        else:  # has_error set but no child carries it: report the node itself
            message = "Invalid syntax"
            break
    raise ShakerSyntaxError(
        Diagnostic.at(source, node.start_byte, message, severity=Severity.ERROR), source
    )


def _check_nuls(source: Source, root: Node) -> None:
    code = source.code
    pos = code.find(b"\0")
    while pos >= 0:
        node = root.descendant_for_byte_range(pos, pos + 1)
        while node is not None and node.type not in _TEXT_NODES:
            node = node.parent
        if node is None:
            raise ShakerSyntaxError(
                Diagnostic.at(source, pos, "Invalid character '\\0'", severity=Severity.ERROR),
                source,
            )
        pos = code.find(b"\0", pos + 1)
