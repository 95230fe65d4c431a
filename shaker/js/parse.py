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
  (``with``/``assert`` and a brace group of string-valued keys, never code) is blanked;
- two kinds of valid JSX that the grammar rejects: an ``&`` in JSX text or in a JSX
  attribute string that does not start a character reference (``Terms & Conditions``,
  ``href="?a=1&b=2"``: the text and string tokens stop at every ``&``), and a keyword as a
  JSX attribute name (``<label for="x">``, Preact's ``<div class="x">``: 0.25's reserved
  words, as for export names). Inside ERROR nodes such an ``&`` becomes ``x`` and such a
  keyword's first letter ``_``; the copy is kept only if it parses without error and every
  masked byte then lies in JSX text, a JSX attribute string or a JSX attribute name.
  Only ``shaker.js.jsx`` reads those nodes, and it reads the original bytes.
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
from shaker.js.names import RESERVED_WORDS, STRICT_BINDING_NAMES
from shaker.source import Source

# Node types inside which any character, NUL included, is legal source text.
_TEXT_NODES = frozenset(
    {"string", "string_fragment", "template_string", "comment", "regex", "regex_pattern",
     "escape_sequence", "html_comment"}
)




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
    reusable = True
    if previous is not None and previous.text == text:
        return previous  # the same bytes: the same tree, already checked
    edited = edited_tree(previous, text) if previous is not None else None
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
            reusable = False
            tree = _parser().parse(masked)
            root = tree.root_node
    if root.has_error and (b"</" in code or b"/>" in code):
        fixed = _mask_jsx(text, root)
        if fixed is not None:
            tree = fixed
            root = tree.root_node
            windows = None
            reusable = False
    if root.has_error:
        _raise_first_error(source, root)
    if has_nul:
        _check_nuls(source, root)
    _check_module_names(source, root)
    from shaker.js.validity import check

    check(source, root, module=module, windows=windows)
    return Parsed(text, tree, reusable)


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
                if name.type != "identifier" or text in RESERVED_WORDS:
                    _raise_at(source, name.start_byte, "Unexpected reserved word")
                if text in STRICT_BINDING_NAMES:
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
                    if local.type != "identifier" or text in RESERVED_WORDS:
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


def _is_reference_at(code: bytes, pos: int) -> bool:
    """Whether ``code[pos:]`` starts with what the grammar's ``html_character_reference`` token
    matches: ``&name;`` (1-30 letters), ``&#digits;`` (1-5) or ``&#xhex;`` (1-6)."""
    pos += 1
    n = len(code)
    if pos < n and code[pos] == ord("#"):
        pos += 1
        hex_ = pos < n and code[pos] in b"xX"
        pos += hex_
        digits = b"0123456789abcdefABCDEF" if hex_ else b"0123456789"
        limit = 6 if hex_ else 5
    else:
        digits = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
        limit = 30
    start = pos
    while pos < n and pos - start < limit and code[pos] in digits:
        pos += 1
    return pos > start and pos < n and code[pos] == ord(";")


def _in_error(node: Node | None) -> bool:
    while node is not None:
        if node.is_error:
            return True
        node = node.parent
    return False


def _masked_ok(root: Node, pos: int, kind: str) -> bool:
    """Whether masked byte ``pos`` now lies where the original is valid JSX: an ``&`` in JSX
    text or a JSX attribute string, a keyword as a JSX attribute name."""
    node = root.descendant_for_byte_range(pos, pos + 1)
    if node is None:
        return False
    if kind == "name":
        parent = node.parent
        if parent is not None and parent.type == "jsx_namespace_name":
            parent = parent.parent
        return node.type == "property_identifier" and node.start_byte == pos and (
            parent is not None and parent.type == "jsx_attribute")
    if node.type == "jsx_text":
        return True
    string = node.parent if node.type == "string_fragment" else None
    return string is not None and string.type == "string" and (
        string.parent is not None and string.parent.type == "jsx_attribute")


def _jsx_mask_candidates(code: bytes, root: Node, masks: dict[int, str],
                         rejected: set[int]) -> bool:
    """Add to ``masks`` (position -> kind) the bytes inside ERROR nodes that may be valid
    JSX the grammar rejects, except ``rejected`` ones; returns whether any was added."""
    added = False
    pos = code.find(b"&")
    while pos >= 0:
        if pos not in masks and pos not in rejected and not _is_reference_at(code, pos) and (
                _in_error(root.descendant_for_byte_range(pos, pos + 1))):
            masks[pos] = "amp"
            added = True
        pos = code.find(b"&", pos + 1)
    stack = [root]
    while stack:  # keywords (anonymous leaves spelled like their type) followed by `=`, `/`…
        node = stack.pop()
        if not node.has_error and not node.is_error:
            continue
        for child in node.children:
            if child.child_count:
                stack.append(child)
                continue
            start, end = child.start_byte, child.end_byte
            word = code[start:end]
            if (child.is_named or not word.isalpha() or word.decode() != child.type
                    or start in masks or start in rejected or not _in_error(child)):
                continue
            before = code[start - 1:start]
            after = code[end:end + 1]
            if before in (b" ", b"\t", b"\n", b"\r") and after in (
                    b"=", b" ", b"\t", b"\n", b"\r", b"/", b">", b":"):
                masks[start] = "name"
                added = True
    return added


def _mask_jsx(code: bytes, root: Node) -> Tree | None:
    """A tree of ``code`` with the JSX the grammar rejects masked (see the module docstring),
    or None when masking does not give an error-free parse. Masks that do not land in JSX
    are dropped and never tried again, so a keyword or ``&`` of plain code stays as it is."""
    masks: dict[int, str] = {}
    rejected: set[int] = set()
    changed = _jsx_mask_candidates(code, root, masks, rejected)
    for _ in range(8):
        if not changed:
            return None
        copy = bytearray(code)
        for pos, kind in masks.items():
            copy[pos] = ord("x") if kind == "amp" else ord("_")
        tree = _parser().parse(bytes(copy))
        root = tree.root_node
        bad = [pos for pos, kind in masks.items() if not _masked_ok(root, pos, kind)]
        if not bad and not root.has_error:
            return tree
        for pos in bad:
            del masks[pos]
            rejected.add(pos)
        changed = bool(bad) | _jsx_mask_candidates(code, root, masks, rejected)
    return None


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


def check_tree(source: Source, root: Node) -> None:
    """Raise :class:`ShakerSyntaxError` for the first ERROR or MISSING node under ``root``,
    for a NUL outside a string, template, comment or regular expression, and for a keyword or
    string as the local name of an import or export (see :func:`_check_module_names`).

    Shared with :mod:`shaker.js.typescript`: tree-sitter-typescript extends this grammar, so
    its error nodes and text node names are the same, and one located message serves both.
    A caller that parsed a copy with NULs blanked (as :func:`parse` does) passes the tree of
    that copy; ``source`` keeps the original bytes for the message and the code frame.
    """
    if root.has_error:
        _raise_first_error(source, root)
    if b"\0" in source.code:
        _check_nuls(source, root)
    _check_module_names(source, root)
