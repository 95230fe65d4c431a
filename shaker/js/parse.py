"""The only user of ``tree_sitter.Parser``: bytes in, tree out, syntax errors located.

tree-sitter recovers from errors instead of failing, so this module turns ERROR and
MISSING nodes into a :class:`~shaker.errors.ShakerSyntaxError` with a location.

The grammar is shaker's own build of tree-sitter-javascript 0.25.0 (``grammars/``, compiled
at install time), patched so that keywords are valid module export names
(``export { x as if }``, ``import { null as n }``): see grammars/README.md.  That makes the
grammar accept a keyword wherever such a name can start, including the local names of
``import { if }`` and ``export { if }`` (no ``from``), which must be bindings and references;
:func:`_check_module_names` rejects those, as V8 does.

Two more gaps in tree-sitter-javascript 0.25 are handled here, both by parsing a copy of the
source in which some bytes are replaced by spaces (same length, so every offset stays
valid, and the edits still apply to the original bytes):

- a raw NUL character is valid inside strings, templates, comments and regular
  expressions, but the grammar reports it as an error; each NUL must then sit inside one
  of those tokens;
- re-exports with import attributes (``export { x } from "./d.json" with { type: "json" }``)
  are valid ES2025 but the grammar knows attributes only on imports; the attribute clause
  (``with``/``assert`` and a brace group of string-valued keys, never code) is blanked.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from typing import NoReturn

from tree_sitter import Language, Node, Parser, Tree

from shaker.diagnostics import Diagnostic, Severity
from shaker.errors import ShakerSyntaxError
from shaker.js import _grammar
from shaker.js.incremental import Parsed, changed_windows, edited_tree
from shaker.source import Source

# Node types inside which any character, NUL included, is legal source text.
_TEXT_NODES = frozenset(
    {"string", "string_fragment", "template_string", "comment", "regex", "regex_pattern",
     "escape_sequence", "html_comment"}
)


# Words that can never name a binding or a reference in module code (which is strict):
# keywords, literals, strict-mode and module-only reserved words.
_RESERVED_WORDS = frozenset(
    {"await", "break", "case", "catch", "class", "const", "continue", "debugger", "default",
     "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for",
     "function", "if", "import", "in", "instanceof", "new", "null", "return", "super",
     "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with",
     "yield", "implements", "interface", "let", "package", "private", "protected", "public",
     "static"}
)
# ... and those that strict mode forbids as binding names.
_STRICT_BINDING_NAMES = frozenset({"eval", "arguments"})


@lru_cache(maxsize=1)
def language() -> Language:
    """The JavaScript grammar (shaker's build, see grammars/README.md), loaded once."""
    return Language(_grammar.language())


@lru_cache(maxsize=1)
def _parser() -> Parser:
    return Parser(language())


def parse(source: Source, *, module: bool = True) -> Tree:
    """Parse ``source`` or raise :class:`ShakerSyntaxError` at the first real error.

    ``module=False`` parses a script (CommonJS), where HTML-like comments are allowed.
    """
    return parse_module(source, module=module).tree


def parse_module(source: Source, *, module: bool = True, previous: Parsed | None = None
                 ) -> Parsed:
    """:func:`parse`, returning a :class:`Parsed` handle; with ``previous`` (the handle of
    an earlier version of the same file) tree-sitter re-parses only what changed."""
    code = source.code
    has_nul = b"\0" in code
    text = code.replace(b"\0", b" ") if has_nul else code
    windows = None
    edited = edited_tree(previous, text) if previous is not None else None
    if previous is not None and edited is None:
        return previous  # the same bytes: the same tree, already checked
    if edited is not None:
        old, edit = edited
        tree = _parser().parse(text, old)
        windows = changed_windows(old, tree, edit)
    else:
        tree = _parser().parse(text)
    root = tree.root_node
    if root.has_error and b"export" in code:
        masked = _mask_reexport_attributes(text, root)
        if masked is not None:
            text = masked
            windows = None
            tree = _parser().parse(masked)
            root = tree.root_node
    if root.has_error:
        _raise_first_error(source, root)
    if has_nul:
        _check_nuls(source, root)
    _check_module_names(source, root)
    from shaker.js.validity import check

    check(source, root, module=module, windows=windows)
    return Parsed(text, tree)


def _check_module_names(source: Source, root: Node) -> None:
    """Reject the local names of imports and exports that the grammar lets through.

    The grammar takes any word as a module export name (``export { x as if }``), so a
    keyword parses also where the name is local: ``import { if } from "m"`` binds ``if`` and
    ``export { if }`` (no ``from``) refers to it, and ``export { "a b" }`` exports a binding
    that cannot exist.  V8 rejects all three.  Only top-level statements are looked at (where
    imports and exports live), so the rest of the tree is not walked.
    """
    for stmt in root.named_children:
        if stmt.type == "import_statement":
            for name in _import_bindings(stmt):
                text = source.code[name.start_byte:name.end_byte].decode("utf-8", "replace")
                if name.type != "identifier" or text in _RESERVED_WORDS:
                    _raise_at(source, name.start_byte, "Unexpected reserved word")
                if text in _STRICT_BINDING_NAMES:
                    _raise_at(source, name.start_byte,
                              "Unexpected eval or arguments in strict mode")
        elif stmt.type == "export_statement" and stmt.child_by_field_name("source") is None:
            for clause in stmt.named_children:
                if clause.type != "export_clause":
                    continue
                for spec in clause.named_children:
                    local = spec.child_by_field_name("name")
                    if spec.type != "export_specifier" or local is None:
                        continue
                    if local.type == "string":
                        _raise_at(source, local.start_byte, "String literal module export names "
                                  "must be followed by a 'from' clause")
                    text = source.code[local.start_byte:local.end_byte].decode("utf-8", "replace")
                    if local.type != "identifier" or text in _RESERVED_WORDS:
                        _raise_at(source, local.start_byte, "Unexpected reserved word")


def _import_bindings(stmt: Node) -> list[Node]:
    """The nodes that name the local bindings of an import statement."""
    out: list[Node] = []
    for clause in stmt.named_children:
        if clause.type != "import_clause":
            continue
        for part in clause.named_children:
            if part.type == "identifier":
                out.append(part)
            elif part.type == "namespace_import":
                out.extend(c for c in part.named_children if c.type == "identifier")
            elif part.type == "named_imports":
                for spec in part.named_children:
                    if spec.type == "import_specifier":
                        local = spec.child_by_field_name("alias") or (
                            spec.child_by_field_name("name"))
                        if local is not None:
                            out.append(local)
    return out


def _raise_at(source: Source, offset: int, message: str) -> NoReturn:
    raise ShakerSyntaxError(
        Diagnostic.at(source, offset, message, severity=Severity.ERROR), source
    )


def _mask_reexport_attributes(code: bytes, root: Node) -> bytes | None:
    """``code`` with the attribute clauses of ``export … from "x" with {…}`` blanked.

    Only ERROR nodes that start with ``export`` and hold ``from "x"`` followed by ``with`` or
    ``assert`` and a well-formed ``{ key: "value", … }`` group are touched; anything else is
    left for the error report.  Returns None when nothing was masked.
    """
    spans: list[tuple[int, int]] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if not node.has_error:
            continue
        if node.is_error and node.child_count and node.children[0].type == "export":
            children = node.children
            for prev, cur in itertools.pairwise(children):
                if prev.type == "from" and cur.type == "string":
                    span = attribute_clause(code, cur.end_byte)
                    if span is not None:
                        spans.append(span)
        stack.extend(node.children)
    if not spans:
        return None
    out = bytearray(code)
    for start, end in spans:
        out[start:end] = bytes(b if b in b"\r\n" else 0x20 for b in code[start:end])
    return bytes(out)


def attribute_clause(code: bytes, pos: int) -> tuple[int, int] | None:
    """The byte range of ``with { type: "json" }`` after ``pos`` (an import's source string).

    The clause holds only keys and string values, never code, so reading it from the bytes
    is exact; used to blank it for the parser and to drop it when an import is rewritten.
    """
    n = len(code)
    while pos < n and code[pos] in b" \t\r\n":
        pos += 1
    start = pos
    for keyword in (b"with", b"assert"):
        if code.startswith(keyword, pos) and (pos + len(keyword) < n) and (
            code[pos + len(keyword)] in b" \t\r\n{"
        ):
            pos += len(keyword)
            break
    else:
        return None
    while pos < n and code[pos] in b" \t\r\n":
        pos += 1
    if pos >= n or code[pos] != ord("{"):
        return None
    pos += 1
    while pos < n:  # keys, quoted strings, `:` and `,` only: no code can hide in here
        c = code[pos]
        if c == ord("}"):
            return start, pos + 1
        if c in b"\"'":
            end = code.find(bytes([c]), pos + 1)
            if end < 0 or b"\n" in code[pos:end]:
                return None
            pos = end + 1
        elif c in b" \t\r\n:,_$" or chr(c).isalnum():
            pos += 1
        else:
            return None
    return None


def _raise_first_error(source: Source, root: Node) -> None:
    node = root
    while not (node.is_missing or node.is_error):
        child = next((c for c in node.children
                      if c.has_error or c.is_missing or c.is_error), None)
        if child is None:  # has_error set but no child carries it: report the node itself
            break
        node = child
    offset, message = _describe(source, node)
    raise ShakerSyntaxError(
        Diagnostic.at(source, offset, message, severity=Severity.ERROR), source
    )


_OPENERS = {"(": ")", "[": "]", "{": "}", "${": "}"}
_QUOTES = frozenset({'"', "'", "`"})


def _describe(source: Source, node: Node) -> tuple[int, str]:
    """Where to point and what to say for an ERROR or MISSING node.

    tree-sitter wraps the tokens it could not fit in an ERROR node; the most useful report
    is an opener that is never closed, an unterminated string, or else the last token of the
    node, which is where the parser gave up (``const = 1`` fails at ``=``, as V8 says).
    """
    if node.is_missing:
        return node.start_byte, f"Expected {node.type!r}" if node.type else "Unexpected token"
    if not node.is_error:
        return node.start_byte, "Invalid syntax"
    leaves = _leaves(node)
    stack: list[Node] = []
    for leaf in leaves:
        text = leaf.type
        if text in _OPENERS:
            stack.append(leaf)
        elif stack and text == _OPENERS.get(stack[-1].type):
            stack.pop()
        elif text in _QUOTES and leaf.parent is not None and leaf.parent.is_error:
            return leaf.start_byte, "Unterminated string literal"
    if stack:
        opener = stack[-1]
        return opener.start_byte, f"{opener.type!r} is never closed"
    if not leaves:
        return node.start_byte, "Invalid syntax"
    last = leaves[-1]
    end = len(source.code.rstrip())
    if last.end_byte >= end:  # the input stopped where more was needed
        return end, "Unexpected end of input"
    text = source.code[last.start_byte:last.end_byte][:20].decode("utf-8", "replace")
    return last.start_byte, f"Unexpected token {text!r}" if text.strip() else "Unexpected token"


def _leaves(node: Node) -> list[Node]:
    out: list[Node] = []
    stack = [node]
    while stack:
        cur = stack.pop()
        if cur.child_count == 0:
            if cur.end_byte > cur.start_byte:
                out.append(cur)
        else:
            stack.extend(reversed(cur.children))
    return out


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
