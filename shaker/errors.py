"""Exceptions shaker raises; each carries data to render, not a pre-formatted message."""

from __future__ import annotations

from shaker.diagnostics import Diagnostic, render_rich, render_short
from shaker.source import Source

__all__ = ["ShakerError", "ShakerSyntaxError"]


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

    def __str__(self) -> str:
        return render_short(self.diagnostic)

    def render(self, color: bool = False) -> str:
        """The message with a code frame, for terminals."""
        return render_rich(self.diagnostic, self.source, color=color)
