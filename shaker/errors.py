"""Exceptions shaker raises; each carries data to render, not a pre-formatted message."""

from __future__ import annotations

from typing import Any

from shaker.diagnostics import Diagnostic, Severity, render_rich, render_short
from shaker.source import Source

__all__ = ["ShakerError", "ShakerSyntaxError", "SourceDecodeError", "require_utf8"]


class ShakerError(Exception):
    """Base class, so callers (CLI, server, bundler plugins) can catch everything of ours."""


class ShakerSyntaxError(ShakerError):
    """Input that cannot be transformed safely; keeps the source so a code frame can be shown.

    >>> from shaker.diagnostics import Severity
    >>> src = Source("a.js", b"let = ;")
    >>> diag = Diagnostic.at(src, 4, "unexpected '='", severity=Severity.ERROR)
    >>> str(ShakerSyntaxError(diag, src))
    "a.js:1:5: error: unexpected '='"
    """

    def __init__(self, diagnostic: Diagnostic, source: Source) -> None:
        super().__init__(render_short(diagnostic))
        self.diagnostic = diagnostic
        self.source = source

    def __reduce__(self) -> tuple[Any, ...]:
        # ``shaker transform DIR`` returns errors from worker processes: rebuild from the data
        return (type(self), (self.diagnostic, self.source))

    def __str__(self) -> str:
        return render_short(self.diagnostic)

    def render(self, color: bool = False) -> str:
        """The message with a code frame, for terminals."""
        return render_rich(self.diagnostic, self.source, color=color)


class SourceDecodeError(ShakerSyntaxError):
    """Source bytes that are not UTF-8, located at the first byte that cannot be decoded.

    Every JavaScript input is UTF-8 to shaker (tree-sitter offsets, source maps and the
    output are); decoding anything else with replacement characters would silently corrupt
    it, so the file is refused, naming the byte and its offset. A syntax error in kind, so
    whoever already reports syntax errors (the CLI, the tree transform) reports it too.

    >>> err = SourceDecodeError(Source("bad.js", b"let a = '\\xff';"), 9)
    >>> str(err)
    'bad.js:1:10: error: not UTF-8: invalid byte 0xff at offset 9 [not-utf8]'
    >>> (err.offset, err.byte)
    (9, 255)
    """

    def __init__(self, source: Source, offset: int) -> None:
        self.offset = offset
        self.byte = source.code[offset]
        diagnostic = Diagnostic.at(
            source, offset, f"not UTF-8: invalid byte 0x{self.byte:02x} at offset {offset}",
            severity=Severity.ERROR, id="not-utf8")
        super().__init__(diagnostic, source)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.source, self.offset))

    def render(self, color: bool = False) -> str:
        """One line: a code frame would print the undecodable bytes to the terminal."""
        return render_short(self.diagnostic)


def require_utf8(source: Source) -> None:
    """Raise :class:`SourceDecodeError` unless ``source.code`` is valid UTF-8 (the one check).

    >>> require_utf8(Source("ok.js", "π".encode()))
    >>> try:
    ...     require_utf8(Source("b.js", b"ab\\xe2\\x82"))
    ... except SourceDecodeError as err:
    ...     print(err)
    b.js:1:3: error: not UTF-8: invalid byte 0xe2 at offset 2 [not-utf8]
    """
    code = source.code
    if code.isascii():
        return
    try:
        code.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceDecodeError(source, exc.start) from None
