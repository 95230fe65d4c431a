"""Prove, without parsing, that a module's ``import.meta`` mentions are all inside literals.

A file whose bytes spell ``import`` then ``.meta`` (or a comment) may still never use
``import.meta``: the words may sit in strings, templates, comments or regular expressions
(TypeScript's 9 MB ``typescriptServices.js`` mentions it only in strings).  Parsing such a
file only to learn that costs as much as everything else in a large tree.  This module
scans the file with a small lexer that knows only where those literals begin and end, and
answers whether any ``import`` candidate lies in code, other than a read of a plain
name that is neither ``hot`` nor ``env`` (``import.meta.url``: nothing to strip, inject or
fold there).

It is conservative: it answers "maybe" (True) whenever it is not certain, and the caller
then parses.  The only context-dependent boundaries are ``/`` (division or a regular
expression) and ``<`` (less-than or JSX).  The lexer decides ``/`` from the previous
significant token exactly where ECMAScript leaves no choice: after a value (a name, a
number, a literal, ``]``, a group ``(…)``) it is division; after an operator, ``(``, ``,``,
``;``, ``{``, an expression keyword or the head of ``if``/``while``/``for``/``with`` (the
matching ``(`` is found backwards) it opens a regular expression.  It gives up after ``}``,
``.``, ``!`` after a value (TypeScript's non-null ``x!``), ``++``/``--``, contextual words
(``of``, ``let``, ``yield``, ``await``…), a word that
may be a property name behind a comment, a ``<`` where an expression may start (JSX: the
lexer never enters an element), ``<!--``, non-ASCII bytes or escapes next to a word, and
unterminated literals.  For a valid module each literal it skips is a literal of the
module, so a candidate it does not see in code is not a token.  For an invalid module it
may answer False: the file is then copied unchanged, as every file without ``import.meta``
bytes is (no syntax check happens for those either).
"""

from __future__ import annotations

import re
from bisect import bisect_right

# JavaScript's WhiteSpace and LineTerminator in UTF-8 (ASCII ones, NBSP, BOM, Zs, LS, PS).
BLANK = (rb"(?:[ \t\n\r\v\f]|\xc2\xa0|\xef\xbb\xbf|\xe1\x9a\x80|\xe2\x80[\x80-\x8a\xa8\xa9\xaf]"
         rb"|\xe2\x81\x9f|\xe3\x80\x80)")
# `import`, then blanks, then `.meta` or a comment opener: where an `import.meta` may start.
CANDIDATE = re.compile(rb"import" + BLANK + rb"*(?:\." + BLANK + rb"*(?:meta|/[*/])|/[*/])")

# `<` too: where an expression may start, it opens JSX, whose text is not JavaScript.
_STOP = re.compile(rb"[\"'`/<]")
_STOP_IN_TEMPLATE = re.compile(rb"[\"'`/<{}]")
# Literals as "unrolled loops" (a run of plain bytes, then an escape and another run).
_STRING = {
    0x27: re.compile(rb"'[^'\\\r\n]*(?:\\(?:\r\n|[\s\S])[^'\\\r\n]*)*'"),
    0x22: re.compile(rb'"[^"\\\r\n]*(?:\\(?:\r\n|[\s\S])[^"\\\r\n]*)*"'),
}
_TEMPLATE_CHUNK = re.compile(rb"[^`\\$]*(?:(?:\\[\s\S]|\$(?!\{))[^`\\$]*)*(`|\$\{)")
# `import.meta.name` read for a plain name: never hot or env, never an alias of either.
_PLAIN_READ = re.compile(rb"import[ \t\r\n]*\.[ \t\r\n]*meta[ \t\r\n]*\.[ \t\r\n]*"
                         rb"([A-Za-z_$][A-Za-z0-9_$]*)")
_REST_OF_LINE = rb"(?:[^\r\n\xe2]|\xe2(?!\x80[\xa8\xa9]))*"
_LINE_COMMENT = re.compile(rb"//" + _REST_OF_LINE)
_HASHBANG = re.compile(rb"#!" + _REST_OF_LINE)
_REGEX = re.compile(
    rb"/(?![*/])(?:[^/\\\[\r\n\xe2]|\xe2(?!\x80[\xa8\xa9])|\\[^\r\n\xe2]"
    rb"|\[(?:[^\]\\\r\n\xe2]|\xe2(?!\x80[\xa8\xa9])|\\[^\r\n\xe2])*\])*/[A-Za-z]*")
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
_ASCII_BLANK = b" \t\n\r\v\f"
# After these words an expression starts, so `/` opens a regular expression.
_EXPRESSION_KEYWORDS = frozenset({b"return", b"typeof", b"instanceof", b"in", b"new",
                                  b"delete", b"void", b"throw", b"case", b"do", b"else",
                                  b"extends"})
# Keywords in a module and names elsewhere: what follows is not certain.
_UNSURE_WORDS = frozenset({b"of", b"let", b"yield", b"await", b"async", b"get", b"set",
                           b"static"})
# Previous-token kinds.
_START, _VALUE, _REGEX_NEXT, _UNSURE, _PAREN = 0, 1, 2, 3, 4


class _Unsure(Exception):
    """The lexer cannot tell what comes next: the caller must parse."""


def may_use_import_meta(code: bytes) -> bool:
    """False only if ``code`` has no ``import.meta`` token that the transform could change:
    none at all, or only reads of a plain name (``import.meta.url``); see the module doc."""
    candidates = [m.start() for m in CANDIDATE.finditer(code)]
    if not candidates:
        return False
    try:
        return _lex(code, candidates)
    except _Unsure:
        return True


def _lex(code: bytes, candidates: list[int]) -> bool:
    n = len(code)
    ci = 0  # the next candidate not yet known to be inside a literal
    last = candidates[-1]
    pos = 0
    if code.startswith(b"#!"):  # a hashbang line is a comment
        hashbang = _HASHBANG.match(code)
        assert hashbang is not None
        pos = hashbang.end()
    prev = _START  # what the last significant thing before `pos` was (literals, stops)
    after_comment = False
    braces: list[int] = []  # open `{` per template substitution we are inside
    literals: list[tuple[int, int]] = []  # every literal and comment skipped, in order
    starts: list[int] = []  # their starts, for bisection
    paren = 0  # where the `)` is when `prev` is _PAREN
    while pos <= last:
        match = (_STOP_IN_TEMPLATE if braces else _STOP).search(code, pos)
        stop = match.start() if match is not None else n
        while candidates[ci] < stop:  # a candidate in code
            if not _plain_read(code, candidates[ci]):
                return True
            ci += 1
            if ci == len(candidates):
                return False
        if match is None:
            return False
        c = code[stop]
        # The gap's last token matters only where `prev` is read: at `/` and `<`, and
        # across comments (a literal, `{` or `}` sets `prev` itself).
        if pos < stop and c in b"/<":
            gap_kind = _gap_kind(code, pos, stop, after_comment, prev)
            if gap_kind is not None:
                prev = gap_kind
                after_comment = False
                if prev == _PAREN:
                    paren = stop - 1
                    while code[paren] != 0x29:
                        paren -= 1
        if prev == _PAREN and c in b"/<" and code[stop + 1:stop + 2] not in (
                b"/", b"*", b"<", b"="):
            prev = _after_paren(code, paren, literals, starts)
        if c in _STRING:
            literal = _STRING[c].match(code, stop)
            if literal is None:
                raise _Unsure
            pos, prev, after_comment = literal.end(), _VALUE, False
            literals.append((stop, pos))
            starts.append(stop)
        elif c == 0x60:  # `
            pos, prev = _template(code, stop + 1, braces)
            literals.append((stop, pos))
            starts.append(stop)
            after_comment = False
        elif c == 0x3C:  # <: less-than after a value; JSX (or unknown) anywhere else
            nxt = code[stop + 1:stop + 2]
            if nxt == b"!" and code.startswith(b"<!--", stop):
                raise _Unsure  # an HTML-like comment: an error in a module
            if nxt in (b"=", b"<"):  # `<=`, `<<`: operators, never JSX
                pos = stop + 2
            elif prev == _VALUE:
                pos = stop + 1
            else:
                raise _Unsure
            prev, after_comment = _REGEX_NEXT, False
        elif c == 0x7B:  # { inside a substitution
            braces[-1] += 1
            pos, prev, after_comment = stop + 1, _REGEX_NEXT, False
        elif c == 0x7D:  # }
            if braces[-1] == 0:
                braces.pop()
                pos, prev = _template(code, stop + 1, braces)
                literals.append((stop, pos))
                starts.append(stop)
            else:
                braces[-1] -= 1
                pos, prev = stop + 1, _UNSURE  # a block or an object literal ended
            after_comment = False
        else:  # /
            nxt = code[stop + 1:stop + 2]
            if nxt == b"/":
                line = _LINE_COMMENT.match(code, stop)
                assert line is not None
                pos, after_comment = line.end(), True
                literals.append((stop, pos))
                starts.append(stop)
            elif nxt == b"*":
                close = code.find(b"*/", stop + 2)
                if close < 0:
                    raise _Unsure
                pos, after_comment = close + 2, True
                literals.append((stop, pos))
                starts.append(stop)
            elif prev == _VALUE:
                pos, prev, after_comment = stop + 1, _REGEX_NEXT, False  # division
            elif prev in (_REGEX_NEXT, _START):
                literal = _REGEX.match(code, stop)
                if literal is None:
                    raise _Unsure
                pos, prev, after_comment = literal.end(), _VALUE, False
                literals.append((stop, pos))
                starts.append(stop)
            else:
                raise _Unsure
        while ci < len(candidates) and candidates[ci] < pos:
            ci += 1
        if ci == len(candidates):
            return False
    return False


def _plain_read(code: bytes, pos: int) -> bool:
    """Whether ``import.meta`` at ``pos`` is read for a name other than ``hot``/``env``
    (``import.meta.url``): the transform leaves that alone."""
    if pos > 0 and (code[pos - 1] in _WORD_BYTES or code[pos - 1] >= 0x80
                    or code[pos - 1] == 0x5C):
        return False
    read = _PLAIN_READ.match(code, pos)
    if read is None or read.group(1) in (b"hot", b"env"):
        return False
    after = code[read.end():read.end() + 1]
    return not after or (after[0] < 0x80 and after != b"\\")


def _template(code: bytes, pos: int, braces: list[int]) -> tuple[int, int]:
    """Scan a template from just after `` ` `` or a substitution's ``}``."""
    chunk = _TEMPLATE_CHUNK.match(code, pos)
    if chunk is None:
        raise _Unsure
    if chunk.group(1) == b"`":
        return chunk.end(), _VALUE
    braces.append(0)
    return chunk.end(), _REGEX_NEXT


def _gap_kind(code: bytes, start: int, end: int, after_comment: bool, prev: int
              ) -> int | None:
    """The kind of the last significant token in the code ``code[start:end]``, or None if
    the gap holds only blanks."""
    i = end
    while i > start and code[i - 1] in _ASCII_BLANK:
        i -= 1
    if i == start:
        return None
    last = code[i - 1]
    if last >= 0x80 or last == 0x5C:  # non-ASCII or an escape: not classified here
        return _UNSURE
    if last in _WORD_BYTES:
        j = i - 1
        while j > start and code[j - 1] in _WORD_BYTES:
            j -= 1
        word = code[j:i]
        if j > start and (code[j - 1] >= 0x80 or code[j - 1] == 0x5C):
            return _UNSURE
        if word[0] in b"0123456789":
            return _VALUE  # a number
        k = j
        while k > start and code[k - 1] in _ASCII_BLANK:
            k -= 1
        before = code[k - 1] if k > start else None
        if before is None and after_comment and prev == _UNSURE:
            return _UNSURE  # `a. /* c */ return`: the word may be a property name
        if before in (0x2E, 0x23):  # `.return`, `#x`: a property name, a value
            return _VALUE
        if before is not None and before >= 0x80:
            return _UNSURE
        if word in _UNSURE_WORDS:
            return _UNSURE
        return _REGEX_NEXT if word in _EXPRESSION_KEYWORDS else _VALUE
    if last == 0x5D:  # ]
        return _VALUE
    if last == 0x29:  # ): the end of a statement head, or of a value (decided if needed)
        return _PAREN
    if last in (0x7D, 0x2E):  # }: a block or a value; `1.`: a number
        return _UNSURE
    if last in (0x2B, 0x2D) and i - 2 >= start and code[i - 2] == last:  # ++ --
        return _UNSURE
    if last == 0x21:  # `!/re/` in JavaScript, but `x! / 2` (non-null) in TypeScript
        j = i - 1
        while j > start and code[j - 1] in _ASCII_BLANK:
            j -= 1
        if j == start:
            return _UNSURE if prev in (_VALUE, _PAREN, _UNSURE) else _REGEX_NEXT
        before = code[j - 1]
        if before in _WORD_BYTES:
            k = j - 1
            while k > start and code[k - 1] in _WORD_BYTES:
                k -= 1
            if code[k:j] in _EXPRESSION_KEYWORDS and k > start and code[k - 1] not in (
                    b".#\\") and code[k - 1] < 0x80:
                return _REGEX_NEXT  # `return !/re/`
            return _UNSURE  # `x!`: a value then `!` is TypeScript's assertion
        if before in b")]}\"'`" or before >= 0x80:
            return _UNSURE
        return _REGEX_NEXT
    return _REGEX_NEXT  # an operator or punctuator: an expression starts


_HEADS = frozenset({b"if", b"while", b"for", b"with"})


def _after_paren(code: bytes, close: int, literals: list[tuple[int, int]],
                 starts: list[int]) -> int:
    """What a ``)`` at ``close`` ends: ``if (…)``, ``while (…)``, ``for (…)``, ``with (…)``
    are followed by a statement (an expression may start); any other group by an operator.
    The matching ``(`` is found backwards, skipping the literals met so far."""
    depth = 0
    pos = close
    while True:
        q = max(code.rfind(b"(", 0, pos), code.rfind(b")", 0, pos))
        if q < 0:
            return _UNSURE
        i = bisect_right(starts, q) - 1
        if i >= 0 and literals[i][1] > q:  # inside a literal: jump before it
            pos = literals[i][0]
            continue
        pos = q
        if code[q] == 0x29:
            depth += 1
            continue
        if depth:
            depth -= 1
            continue
        break
    j = _significant_end(code, pos, literals, starts)
    k = j
    while k > 0 and code[k - 1] in _WORD_BYTES:
        k -= 1
    if k == j:
        return _VALUE  # `(…)` after an operator, a value or a literal: a group or a call
    if k > 0 and (code[k - 1] >= 0x80 or code[k - 1] == 0x5C):
        return _UNSURE
    m = _significant_end(code, k, literals, starts)
    if m > 0 and code[m - 1] in (0x2E, 0x23):  # `.if(…)`: a method call
        return _VALUE
    word = code[k:j]
    if word == b"await":
        return _UNSURE  # `for await (…)`
    return _REGEX_NEXT if word in _HEADS else _VALUE


def _significant_end(code: bytes, pos: int, literals: list[tuple[int, int]],
                     starts: list[int]) -> int:
    """The end of the last token before ``pos``, skipping blanks and comments backwards."""
    while pos > 0:
        if code[pos - 1] in _ASCII_BLANK:
            pos -= 1
            continue
        i = bisect_right(starts, pos - 1) - 1
        if i >= 0 and literals[i][1] == pos and code[literals[i][0] + 1] in b"/*" and (
                code[literals[i][0]] == 0x2F):
            pos = literals[i][0]  # a comment
            continue
        break
    return pos


__all__ = ["CANDIDATE", "may_use_import_meta"]
