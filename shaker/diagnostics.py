"""Diagnostics as plain data, and the two ways of rendering them.

Library code never prints: it returns or raises :class:`Diagnostic` values and the caller picks
a renderer. :func:`render_short` is one stable line for tests and corpus files;
:func:`render_rich` adds a Babel/Vite-style code frame for humans.

>>> src = Source("app.js", b"const a = 1;\\nimport.meta.hot.accept()\\n")
>>> d = Diagnostic.at(src, 13, "unguarded use", id="hot-unguarded")
>>> print(render_short(d))
app.js:2:1: warning: unguarded use [hot-unguarded]
>>> print(render_rich(d, src))
app.js:2:1: warning: unguarded use [hot-unguarded]
  1 | const a = 1;
> 2 | import.meta.hot.accept()
    | ^
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from shaker.source import Source

__all__ = ["Diagnostic", "Severity", "render_rich", "render_short"]

_CONTEXT = 2  # lines shown before and after the error line
_MAX_WIDTH = 200  # longer lines are cut to a window around the column
_ELLIPSIS = "..."

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_COLORS = {"error": "\x1b[31m", "warning": "\x1b[33m"}


class Severity(str, enum.Enum):
    """How bad a diagnostic is; the value is what renderers print."""

    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Diagnostic:
    """A message with a location: byte offset for tools, 1-based line/UTF-16 column for people."""

    severity: Severity
    message: str
    filename: str
    offset: int
    line: int
    column: int
    id: str | None = None
    end_offset: int | None = None

    @classmethod
    def at(
        cls,
        source: Source,
        offset: int,
        message: str,
        *,
        severity: Severity = Severity.WARNING,
        id: str | None = None,
        end_offset: int | None = None,
    ) -> Diagnostic:
        """Build a diagnostic at byte ``offset`` of ``source``, computing line and column."""
        line, col = source.index.line_col(offset)
        return cls(
            severity=Severity(severity),
            message=message,
            filename=source.filename,
            offset=offset,
            line=line + 1,
            column=col + 1,
            id=id,
            end_offset=end_offset,
        )


def render_short(d: Diagnostic) -> str:
    """``file:line:col: severity: message [id]`` -- stable, since corpus files contain it."""
    text = f"{d.filename}:{d.line}:{d.column}: {Severity(d.severity).value}: {d.message}"
    return f"{text} [{d.id}]" if d.id else text


def render_rich(d: Diagnostic, source: Source, *, color: bool = False) -> str:
    """The short line followed by a code frame pointing at the diagnostic.

    The caret is placed by counting characters (not bytes or UTF-16 units) of the line up to the
    offset, and tabs are copied into the padding so it lines up however the terminal shows tabs.
    """
    sev = Severity(d.severity).value

    def paint(text: str, style: str) -> str:
        return f"{style}{text}{_RESET}" if color and text else text

    header = render_short(d)
    if color:
        header = header.replace(f": {sev}: ", f": {paint(sev, _BOLD + _COLORS[sev])}: ", 1)
    index = source.index
    if not 1 <= d.line <= index.line_count:
        return header
    row = d.line - 1
    start, end = index.line_start(row), index.line_end(row)
    offset = min(max(d.offset, start), end)
    before = source.code[start:offset].decode("utf-8", "replace")
    span = 1
    if d.end_offset is not None and offset < d.end_offset <= end:
        span = len(source.code[offset : d.end_offset].decode("utf-8", "replace"))

    error_text = index.line_text(row).decode("utf-8", "replace")
    window = 0  # first character shown of long lines
    if len(error_text) > _MAX_WIDTH:
        window = max(0, min(len(before) - _MAX_WIDTH // 2, len(error_text) - _MAX_WIDTH))

    last_line = index.line_count - 1
    if last_line > row and not index.line_text(last_line):
        last_line -= 1  # the empty "line" after a final newline is not worth a frame row
    first, last = max(0, row - _CONTEXT), min(last_line, row + _CONTEXT)
    width = len(str(last + 1))
    lines = [header]
    for n in range(first, last + 1):
        text = _clip(index.line_text(n).decode("utf-8", "replace"), window)
        marker = paint(">", _BOLD + _COLORS[sev]) if n == row else " "
        gutter = paint(f" {n + 1:>{width}} |", _DIM)
        lines.append(f"{marker}{gutter} {text}".rstrip())
        if n == row:
            shown = before[window:]
            if window:
                shown = _ELLIPSIS + shown
            pad = "".join(ch if ch == "\t" else " " for ch in shown)
            caret = paint("^" * min(span, _MAX_WIDTH), _BOLD + _COLORS[sev])
            blank = paint(" " * (width + 1) + " |", _DIM)
            lines.append(f" {blank} {pad}{caret}")
    return "\n".join(lines)


def _clip(text: str, window: int) -> str:
    """Cut ``text`` to ``_MAX_WIDTH`` characters starting at ``window``, marking cut ends."""
    if window == 0 and len(text) <= _MAX_WIDTH:
        return text
    clipped = text[window : window + _MAX_WIDTH]
    if window > 0 and text:
        clipped = _ELLIPSIS + clipped
    if window + _MAX_WIDTH < len(text):
        clipped += _ELLIPSIS
    return clipped
