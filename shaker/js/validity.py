"""Syntax errors that tree-sitter-javascript parses without an ERROR node.

The grammar is more permissive than ECMAScript in a few places; these shapes are found on
the tree, by node types, and reported as V8 reports them (``node --check``):

- a hole in a list that has none: ``{a: 1,, b}``, ``f(a,,b)``, ``{,}``, ``(a,,b) => 0``,
  ``import {a,,b}``; only array literals and array patterns have holes;
- an optional chain as the tag of a template (``a?.b`x```), as the callee of ``new``
  (``new a?.b()``) or as an assignment target (``a?.b = 1``, ``a?.b++``, ``[a?.b] = c``);
- an increment of what is not a name or a property (``1++``, ``--f()``);
- HTML-like comments in a module: ``<!--`` anywhere code is, ``-->`` starting a line
  (V8 reads both as comments and rejects them in module code; the grammar reads ``<!--``
  in an expression as ``<``, ``!``, ``--``, and ``-->`` at a line start as a comment).

Each check starts from a byte search for its tokens (``,``, ``?.``, ``<!--``, ``-->``) and
asks the tree what sits there, so a module without them costs one ``find`` per token.
Occurrences inside strings, comments, templates and regular expressions are leaves of
those types, so they never match.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from shaker.diagnostics import Diagnostic, Severity
from shaker.errors import ShakerSyntaxError
from shaker.source import Source

# Lists whose elements are separated by exactly one comma (a trailing one allowed).
_NO_HOLES = frozenset({"object", "object_pattern", "arguments", "formal_parameters",
                       "named_imports", "export_clause"})
_OPENERS = frozenset({"{", "("})
# A comma or an opener followed, past blanks, by a comma or a comment (then the tree says
# what comes after the comments).  Linear: no repetition can run past a comment.
# JavaScript's WhiteSpace and LineTerminator, in UTF-8 (NBSP, BOM, Zs, LS, PS included).
_BLANK = (rb"(?:[ \t\n\r\v\f]|\xc2\xa0|\xef\xbb\xbf|\xe1\x9a\x80|\xe2\x80[\x80-\x8a\xa8\xa9\xaf]"
          rb"|\xe2\x81\x9f|\xe3\x80\x80)")
# One pattern per opener: a literal first byte lets the regex engine skip ahead quickly.
# Blanks as one byte class, a superset of JavaScript's (any byte of a multi-byte blank): a
# match is only a candidate, which the tree then confirms.
_LOOSE_BLANKS = rb"[ \t\n\r\v\f\x80-\xbf\xc2\xe1\xe2\xe3\xef]*"
_HOLES = tuple(re.compile(re.escape(c) + _LOOSE_BLANKS + rb"(?:,|/[*/])")
               for c in (b",", b"{", b"("))
_BLANKS = re.compile(_BLANK + rb"+")
_CHAIN = frozenset({"member_expression", "subscript_expression", "call_expression"})
_PATTERNS = frozenset({"array_pattern", "object_pattern", "pair_pattern", "rest_pattern",
                       "assignment_pattern", "object_assignment_pattern"})


def check(source: Source, root: Node, *, module: bool = True,
          windows: list[tuple[int, int]] | None = None) -> None:
    """Raise :class:`ShakerSyntaxError` at the first shape V8 rejects (see module doc).

    ``windows`` limits the search to these byte ranges (whole top-level statements), for a
    re-parse after an edit: the rest was checked before and did not change.
    """
    found: list[tuple[int, str]] = []
    code = source.code
    for start, end in windows if windows is not None else [(0, len(code))]:
        found += _holes(code, root, start, end)
        found += _optional_chains(code, root, start, end)
        if module:
            found += _html_comments(code, root, start, end)
        found += _update_targets(code, root, start, end)
    if found:
        offset, message = min(found)
        raise ShakerSyntaxError(
            Diagnostic.at(source, offset, message, severity=Severity.ERROR), source)


def _leaf(root: Node, pos: int, end: int) -> Node | None:
    node = root.descendant_for_byte_range(pos, end)
    if node is None or node.start_byte != pos or node.end_byte != end:
        return None
    return node


def _holes(code: bytes, root: Node, start: int, end: int) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for match in (m for hole in _HOLES for m in hole.finditer(code, start, end)):
        pos = match.start()
        if code[match.end() - 1] != 0x2C and not _comma_after_comments(code, match.end() - 2):
            continue
        first = _leaf(root, pos, pos + 1)
        if first is None or first.type not in (",", "{", "(") or first.parent is None or (
                first.parent.type not in _NO_HOLES):
            continue
        after = first.next_sibling
        while after is not None and after.type == "comment":
            after = after.next_sibling
        if after is not None and after.type == ",":
            out.append((after.start_byte, "Unexpected token ','"))
    return out


def _comment_end(code: bytes, pos: int) -> int:
    """The end of the comment starting at ``pos`` (``//`` or ``/*``), or -1."""
    if code.startswith(b"//", pos):
        end = code.find(b"\n", pos)
        return len(code) if end < 0 else end
    end = code.find(b"*/", pos + 2)
    return -1 if end < 0 else end + 2


def _comma_after_comments(code: bytes, pos: int) -> bool:
    """Whether only comments and blanks lie between ``pos`` (a comment) and a comma.

    A byte-level filter before asking the tree: where the bytes hold a real hole, the
    comments between are real comments and this walk finds the comma.
    """
    n = len(code)
    while pos < n:
        if code.startswith((b"//", b"/*"), pos):
            pos = _comment_end(code, pos)
            if pos < 0:
                return False
        elif (blank := _BLANKS.match(code, pos)) is not None:
            pos = blank.end()
        else:
            return code[pos] == 0x2C
    return False


def _optional_chains(code: bytes, root: Node, start: int, end: int
                     ) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    pos = code.find(b"?.", start, end)
    while pos >= 0:
        token = _leaf(root, pos, pos + 2)
        if token is not None and token.type == "optional_chain":
            problem = _chain_misuse(token)
            if problem is not None:
                out.append(problem)
        pos = code.find(b"?.", pos + 2, end)
    return out


def _chain_misuse(token: Node) -> tuple[int, str] | None:
    """Where an optional chain (from its ``?.`` token) is used as V8 forbids."""
    link = token.parent
    if link is None:
        return None
    cur = link
    while True:
        parent = cur.parent
        if parent is None:
            return None
        t = parent.type
        if t in _CHAIN and (parent.child_by_field_name("object") == cur
                            or parent.child_by_field_name("function") == cur):
            if t == "call_expression":
                args = parent.child_by_field_name("arguments")
                if args is not None and args.type == "template_string":
                    return args.start_byte, "Invalid tagged template on optional chain"
            cur = parent
            continue
        if t == "new_expression" and parent.child_by_field_name("constructor") == cur:
            return token.start_byte, "Invalid optional chain from new expression"
        while t == "parenthesized_expression":  # `(a?.b) = 1` is still a chain as a target
            cur = parent
            parent = cur.parent
            if parent is None:
                return None
            t = parent.type
        if t in ("assignment_expression", "augmented_assignment_expression", "for_in_statement"
                 ) and parent.child_by_field_name("left") == cur:
            return cur.start_byte, "Invalid left-hand side in assignment"
        if t == "update_expression":
            return cur.start_byte, "Invalid left-hand side expression in " + (
                "prefix operation" if parent.start_byte < cur.start_byte
                else "postfix operation")
        if t in _PATTERNS and _is_target(parent, cur):
            return cur.start_byte, "Invalid destructuring assignment target"
        return None


# V8 accepts a call as a target too, and throws only when it runs (web compatibility).
_SIMPLE_TARGETS = frozenset({"identifier", "member_expression", "subscript_expression",
                             "call_expression"})


def _update_targets(code: bytes, root: Node, start: int, end: int
                    ) -> list[tuple[int, str]]:
    """``1++``, ``f()--``, ``++this``: only a name or a property can be incremented."""
    out: list[tuple[int, str]] = []
    for needle in (b"++", b"--"):
        pos = code.find(needle, start, end)
        while pos >= 0:
            token = _leaf(root, pos, pos + 2)
            update = token.parent if token is not None else None
            if update is not None and update.type == "update_expression":
                target = update.child_by_field_name("argument")
                inner = target
                while inner is not None and inner.type == "parenthesized_expression" and (
                        len(inner.named_children) == 1):
                    inner = inner.named_children[0]
                if target is not None and inner is not None and (
                        inner.type not in _SIMPLE_TARGETS):
                    prefix = update.start_byte < target.start_byte
                    out.append((target.start_byte, "Invalid left-hand side expression in " + (
                        "prefix operation" if prefix else "postfix operation")))
            pos = code.find(needle, pos + 2, end)
    return out


def _is_target(pattern: Node, child: Node) -> bool:
    """Whether ``child`` of a pattern receives a value (a default or a key does not)."""
    if pattern.type == "pair_pattern":
        return pattern.child_by_field_name("value") == child
    if pattern.type in ("assignment_pattern", "object_assignment_pattern"):
        return pattern.child_by_field_name("left") == child
    return True


def _html_comments(code: bytes, root: Node, start: int, end: int
                   ) -> list[tuple[int, str]]:
    message = "HTML comments are not allowed in modules"
    out: list[tuple[int, str]] = []
    for needle in (b"<!--", b"-->"):
        pos = code.find(needle, start, end)
        while pos >= 0:
            node = root.descendant_for_byte_range(pos, pos + 1)
            if node is not None and node.type == "html_comment" and node.start_byte == pos:
                out.append((pos, message))
            elif needle == b"<!--" and node is not None and node.type == "<" and (
                    node.start_byte == pos):
                bang = _leaf(root, pos + 1, pos + 2)
                dashes = _leaf(root, pos + 2, pos + 4)
                if bang is not None and bang.type == "!" and dashes is not None and (
                        dashes.type == "--"):
                    out.append((pos, message))
            pos = code.find(needle, pos + 1, end)
    return out


__all__ = ["check"]
