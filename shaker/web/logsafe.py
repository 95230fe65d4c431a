"""Logging text that a client sent: escaped, bounded, and rate-limited per client.

A browser (or anything that can reach the port) controls the text of its messages. Written to
the terminal as it is, a newline forges a log line and an escape sequence repaints the
terminal; a megabyte of it is a megabyte of log; ten thousand bad messages a second are a
log flood. So client text goes through ``printable`` (control and format characters escaped,
at most ``limit`` characters), and each client's warnings through a ``LogLimiter`` (the first
``burst`` lines of every ``window`` seconds, then one line saying how many were left out).

>>> printable("ok\\n12:00 [shaker] ERROR forged\\x1b[2J")
'ok\\\\n12:00 [shaker] ERROR forged\\\\x1b[2J'
>>> printable("x" * 10, limit=4)
'xxxx… (10 chars)'
>>> printable("\\ud800 é")
'\\\\ud800 é'
"""

from __future__ import annotations

import time
import traceback
import unicodedata
from collections.abc import Callable

LOG_TEXT_LIMIT = 200
"""Characters of client text kept in one log line."""
LOG_BURST = 10
"""Warnings logged per client per window; the rest are counted and summarised."""
LOG_WINDOW = 1.0
"""Seconds of one rate-limit window."""

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def _escape(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _unsafe(char: str) -> bool:
    if char in _ESCAPES:
        return True
    if char.isprintable() or char == " ":
        return False
    # Cc (C0, DEL, C1), Cf (bidi overrides, zero-width), Zl/Zp, Cs (lone surrogates), Co, Cn
    return unicodedata.category(char)[0] in "CZ"


def printable(text: object, limit: int = LOG_TEXT_LIMIT) -> str:
    """``text`` (anything, ``str()``-ed) safe for one terminal line: control, format and
    separator characters and lone surrogates escaped Python-style, cut to ``limit``
    characters with the original length noted."""
    value = text if isinstance(text, str) else str(text)
    cut = value[:limit]
    out = "".join(_escape(c) if _unsafe(c) else c for c in cut)
    if len(value) > limit:
        out += f"… ({len(value)} chars)"
    return out


class LogLimiter:
    """At most ``burst`` lines per ``window`` seconds through ``log``; then one summary.

    ``allow()`` says whether the next line may be written; a suppressed line is counted, and
    the count is reported (``"… N more … suppressed"``) by the first ``allow()`` of a later
    window or by ``flush()`` (a client that disconnects).
    """

    def __init__(
        self,
        log: Callable[[str], None],
        what: str,
        *,
        burst: int = LOG_BURST,
        window: float = LOG_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = log
        self.what = what
        self.burst = burst
        self.window = window
        self.clock = clock
        self._start = -window
        self._count = 0
        self.suppressed = 0

    def allow(self) -> bool:
        now = self.clock()
        if now - self._start >= self.window:
            self.flush()
            self._start = now
            self._count = 0
        self._count += 1
        if self._count <= self.burst:
            return True
        self.suppressed += 1
        return False

    def flush(self) -> None:
        """Write the summary of suppressed lines, if any."""
        if self.suppressed:
            self.log(f"{self.what}: {self.suppressed} more log line(s) suppressed "
                     f"(over {self.burst} per {self.window:g} s)")
            self.suppressed = 0


TRACEBACK_HEAD = 4
TRACEBACK_TAIL = 8
"""Frames kept from the start and the end of a long traceback (deep recursion)."""


def short_traceback(exc: BaseException) -> str:
    """``exc``'s traceback, with at most ``TRACEBACK_HEAD`` + ``TRACEBACK_TAIL`` frames and its
    message escaped by ``printable``: a recursion a client's data drove 1,000 frames deep is
    a dozen lines, and text from the client cannot forge lines in the terminal."""
    frames = traceback.extract_tb(exc.__traceback__)
    lines = ["Traceback (most recent call last):\n"]
    if len(frames) > TRACEBACK_HEAD + TRACEBACK_TAIL:
        omitted = len(frames) - TRACEBACK_HEAD - TRACEBACK_TAIL
        lines += traceback.format_list(frames[:TRACEBACK_HEAD])
        lines.append(f"  ... {omitted} frames omitted ...\n")
        lines += traceback.format_list(frames[-TRACEBACK_TAIL:])
    else:
        lines += traceback.format_list(frames)
    lines.append(f"{type(exc).__name__}: {printable(exc, 1000)}")
    return "".join(lines)


__all__ = ["LOG_BURST", "LOG_TEXT_LIMIT", "LOG_WINDOW", "LogLimiter", "printable",
           "short_traceback"]
