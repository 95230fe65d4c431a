"""Diagnostic data, its two renderers, and the exceptions that carry it."""

from __future__ import annotations

import doctest
import re

import pytest

import shaker.diagnostics
import shaker.errors
from shaker.diagnostics import Diagnostic, Severity, render_rich, render_short
from shaker.errors import ShakerError, ShakerSyntaxError
from shaker.source import Source

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def twelve_lines() -> Source:
    return Source("a.js", "\n".join(f"l{i} = {i};" for i in range(1, 13)).encode())


def caret_column(frame: str) -> tuple[str, int]:
    """The code line marked '>' and the index of the first caret under it."""
    lines = frame.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith(">"))
    return lines[row], lines[row + 1].index("^")


def test_at_computes_one_based_line_and_utf16_column() -> None:
    src = Source("x.js", "a;\n😀é x".encode())
    d = Diagnostic.at(src, src.code.index(b"x"), "msg", id="some-id", end_offset=len(src.code))
    assert (d.line, d.column) == (2, 5)  # 😀 is two UTF-16 units, é one, space one
    assert d.offset == src.code.index(b"x")
    assert d.filename == "x.js"
    assert d.severity is Severity.WARNING
    assert (d.id, d.end_offset) == ("some-id", len(src.code))


def test_severity_values_are_what_is_printed() -> None:
    assert Severity.ERROR.value == "error"
    assert str(Severity.WARNING) == "warning"
    assert Severity("error") is Severity.ERROR


def test_render_short_is_stable() -> None:
    d = Diagnostic(Severity.ERROR, "boom", "src/a.js", 10, 3, 7)
    assert render_short(d) == "src/a.js:3:7: error: boom"
    d = Diagnostic(Severity.WARNING, "unguarded", "a.js", 0, 1, 1, id="hot-unguarded")
    assert render_short(d) == "a.js:1:1: warning: unguarded [hot-unguarded]"


def test_render_rich_frame_with_context_and_gutter() -> None:
    src = twelve_lines()
    offset = src.code.index(b"10;")
    d = Diagnostic.at(src, offset, "bad", severity=Severity.ERROR, id="x-id")
    assert render_rich(d, src) == "\n".join(
        [
            "a.js:10:7: error: bad [x-id]",
            "   8 | l8 = 8;",
            "   9 | l9 = 9;",
            "> 10 | l10 = 10;",
            "     |       ^",
            "  11 | l11 = 11;",
            "  12 | l12 = 12;",
        ]
    )


def test_render_rich_at_first_and_last_line() -> None:
    src = twelve_lines()
    first = render_rich(Diagnostic.at(src, 0, "m"), src).splitlines()
    assert first[1:] == ["> 1 | l1 = 1;", "    | ^", "  2 | l2 = 2;", "  3 | l3 = 3;"]
    last = render_rich(Diagnostic.at(src, len(src.code), "m"), src).splitlines()
    assert last[-2:] == ["> 12 | l12 = 12;", "     |          ^"]
    assert last[1] == "  10 | l10 = 10;"


def test_caret_padding_keeps_tabs() -> None:
    src = Source("t.js", b"\tfoo(\tbar)")
    frame = render_rich(Diagnostic.at(src, src.code.index(b"bar"), "m"), src)
    assert frame.splitlines()[-1] == "    | \t    \t^"


def test_caret_counts_characters_not_bytes_or_utf16_units() -> None:
    src = Source("u.js", "é😀 x".encode())
    d = Diagnostic.at(src, src.code.index(b"x"), "m")
    assert d.column == 5
    line, caret = caret_column(render_rich(d, src))
    assert line[caret] == "x"


def test_end_offset_underlines_the_span() -> None:
    src = Source("s.js", b"foo(bar)")
    start = src.code.index(b"bar")
    frame = render_rich(Diagnostic.at(src, start, "m", end_offset=start + 3), src)
    assert frame.splitlines()[-1] == "    |     ^^^"


def test_long_lines_are_cut_around_the_column() -> None:
    src = Source("m.js", ("a" * 300 + "X" + "b" * 199 + "\n" + "c" * 600).encode())
    frame = render_rich(Diagnostic.at(src, 300, "m"), src)
    line, caret = caret_column(frame)
    assert line[caret] == "X"
    assert all(len(text) < 220 for text in frame.splitlines()[1:])
    assert "..." in line


def test_color_only_adds_ansi_codes() -> None:
    src = twelve_lines()
    d = Diagnostic.at(src, 5, "m", severity=Severity.ERROR)
    colored = render_rich(d, src, color=True)
    assert "\x1b[" in colored
    assert ANSI.sub("", colored) == render_rich(d, src)


def test_syntax_error_carries_diagnostic_and_source() -> None:
    src = twelve_lines()
    d = Diagnostic.at(src, 3, "unexpected token", severity=Severity.ERROR)
    err = ShakerSyntaxError(d, src)
    assert isinstance(err, ShakerError)
    assert (err.diagnostic, err.source) == (d, src)
    assert str(err) == "a.js:1:4: error: unexpected token"
    assert err.render() == render_rich(d, src)
    assert ANSI.sub("", err.render(color=True)) == err.render()
    with pytest.raises(ShakerError, match="unexpected token"):
        raise err


@pytest.mark.parametrize("module", [shaker.diagnostics, shaker.errors])
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0
    assert result.failed == 0
