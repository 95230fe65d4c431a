"""The URLs a stylesheet loads: ``url(...)`` values and ``@import`` targets, with their ranges.

A build moves stylesheets into ``assets/``, so every relative URL in them must be rewritten to
the hashed file it names.  This is a CSS tokenizer reduced to what matters for that: comments,
strings, ``url(`` functions and ``@import`` at-rules (CSS Syntax Level 3, §4).  Ranges are
``str`` indices of the value inside the quotes or parentheses.

>>> [(r.kind, r.value) for r in css_references('@import "a.css"; b{background:url( x.png )}')]
[('import', 'a.css'), ('url', 'x.png')]
>>> css_references('@import url(a.css) screen;')[0].rule
(0, 26)
>>> css_references("/* url(no.png) */ a{content:'url(no.png)'}")
[]
"""

from __future__ import annotations

from typing import Literal, NamedTuple

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_SPACE = " \t\n\r\f"


class CssRef(NamedTuple):
    """``url(value)`` or ``@import "value"``: the value and its range in the text."""

    kind: Literal["url", "import"]
    value: str
    start: int
    end: int
    rule: tuple[int, int] | None = None
    """For ``@import``: the whole rule, ``@`` to ``;`` included (to inline the file there)."""


def _string_end(text: str, i: int) -> int:
    """Index after the string starting with the quote at ``i`` (or the end of the line)."""
    quote = text[i]
    j = i + 1
    while j < len(text):
        char = text[j]
        if char == "\\":
            j += 2
            continue
        if char == quote or char == "\n":
            return j + 1
        j += 1
    return j


def _rule(text: str, start: int, after: int) -> tuple[int, int]:
    """The ``@import`` rule from ``start`` to its ``;`` (or the end of the text)."""
    end = text.find(";", after)
    return start, len(text) if end < 0 else end + 1


def css_references(text: str) -> list[CssRef]:
    """Every ``url()`` and ``@import`` URL outside comments, in order."""
    refs: list[CssRef] = []
    i = 0
    n = len(text)
    expect_import = False
    import_at = 0
    while i < n:
        char = text[i]
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if char in "\"'":
            end = _string_end(text, i)
            if expect_import:
                refs.append(CssRef("import", text[i + 1:end - 1], i + 1, end - 1,
                                   _rule(text, import_at, end)))
                expect_import = False
            i = end
            continue
        if char == "@" and text[i + 1:i + 7].lower() == "import" and (
                i + 7 >= n or text[i + 7] not in _NAME_CHARS):
            expect_import = True
            import_at = i
            i += 7
            continue
        if char in "uU" and text[i:i + 4].lower() == "url(" and (
                i == 0 or text[i - 1] not in _NAME_CHARS):
            j = i + 4
            while j < n and text[j] in _SPACE:
                j += 1
            if j < n and text[j] in "\"'":
                end = _string_end(text, j)
                refs.append(CssRef("import" if expect_import else "url", text[j + 1:end - 1],
                                   j + 1, end - 1,
                                   _rule(text, import_at, end) if expect_import else None))
                close = text.find(")", end)
                i = n if close < 0 else close + 1
            else:
                close = text.find(")", j)
                close = n if close < 0 else close
                value = text[j:close].rstrip(_SPACE)
                refs.append(CssRef("import" if expect_import else "url", value, j,
                                   j + len(value),
                                   _rule(text, import_at, close) if expect_import else None))
                i = close + 1
            expect_import = False
            continue
        if char in ";{}":
            expect_import = False
        i += 1
    return refs


__all__ = ["CssRef", "css_references"]
