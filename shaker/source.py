"""Source text and the one place that turns byte offsets into lines and UTF-16 columns.

Everything inside shaker speaks UTF-8 byte offsets (tree-sitter's unit). Browsers, source maps
and editors speak 0-based lines and UTF-16 columns, so the conversion lives here and nowhere else.

>>> src = Source("a.js", "let π = 1;\\r\\nfoo()".encode())
>>> src.index.line_col(src.code.index(b"="))
(0, 6)
>>> src.index.line_col(src.code.index(b"foo"))
(1, 0)
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

__all__ = ["LineIndex", "Source", "utf16_len"]

# JavaScript's line terminators (ECMA-262 LineTerminatorSequence), as UTF-8.
_TERMINATOR = re.compile(rb"\r\n?|\n|\xe2\x80[\xa8\xa9]")


def utf16_len(data: bytes) -> int:
    """Return how many UTF-16 code units the UTF-8 ``data`` decodes to.

    Source-map and browser columns count UTF-16 units, so astral characters count 2. Invalid
    UTF-8 is measured as if decoded with ``errors="replace"`` rather than raising.

    >>> utf16_len("aé€😀".encode())
    5
    """
    if data.isascii():
        return len(data)
    return len(data.decode("utf-8", "replace").encode("utf-16-le")) // 2


class LineIndex:
    """Map byte offsets of ``code`` to 0-based lines and UTF-16 columns.

    Line starts are found once, on first use, by a compiled regex (C speed even for megabytes).
    Terminators are JavaScript's: ``\\n``, ``\\r\\n``, ``\\r``, U+2028 and U+2029.
    """

    __slots__ = ("_ascii", "_code", "_ends", "_starts")

    def __init__(self, code: bytes) -> None:
        self._code = code
        self._starts: list[int] | None = None
        self._ends: list[int] = []
        self._ascii = code.isascii()

    def _lines(self) -> list[int]:
        """Compute (once) the line starts and the terminator starts."""
        if self._starts is None:
            starts = [0]
            ends = []
            for m in _TERMINATOR.finditer(self._code):
                ends.append(m.start())
                starts.append(m.end())
            ends.append(len(self._code))
            self._ends = ends
            self._starts = starts
        return self._starts

    @property
    def line_count(self) -> int:
        """Number of lines; an empty file, or one ending in a terminator, ends in an empty line."""
        return len(self._lines())

    def line_start(self, line: int) -> int:
        """Byte offset where 0-based ``line`` starts."""
        self._check_line(line)
        return self._lines()[line]

    def line_end(self, line: int) -> int:
        """Byte offset where 0-based ``line``'s text ends (before its terminator)."""
        self._check_line(line)
        return self._ends[line]

    def line_text(self, line: int) -> bytes:
        """The bytes of 0-based ``line`` without its terminator."""
        return self._code[self.line_start(line) : self._ends[line]]

    def line_of(self, offset: int) -> int:
        """The 0-based line containing byte ``offset`` (``len(code)`` is allowed: end of file)."""
        self._check_offset(offset)
        return bisect_right(self._lines(), offset) - 1

    def line_col(self, offset: int) -> tuple[int, int]:
        """Return (0-based line, 0-based UTF-16 column) of byte ``offset``."""
        line = self.line_of(offset)
        start = self._lines()[line]
        if self._ascii:
            return line, offset - start
        return line, utf16_len(self._code[start:offset])

    def line_cols(self, offsets: Iterable[int]) -> list[tuple[int, int]]:
        """Like :meth:`line_col` for many ascending offsets, in time linear in the text covered.

        Source-map generation converts every token boundary; measuring each from its line start
        would be quadratic on long minified lines, so columns are accumulated instead.
        """
        starts = self._lines()
        code = self._code
        ascii_only = self._ascii
        size = len(code)
        out: list[tuple[int, int]] = []
        append = out.append
        line = line_start = 0
        next_start = starts[1] if len(starts) > 1 else size + 1
        last = last_col = 0  # previous offset and its column (within the current line)
        for offset in offsets:
            if offset < last or offset >= next_start:
                if not last <= offset <= size:
                    self._check_offset(offset)
                    raise ValueError(f"offsets must be ascending: {offset} after {last}")
                line = bisect_right(starts, offset) - 1
                line_start = starts[line]
                next_start = starts[line + 1] if line + 1 < len(starts) else size + 1
                last, last_col = line_start, 0
            if ascii_only:
                last = offset
                append((line, offset - line_start))
            else:
                last_col += utf16_len(code[last:offset])
                last = offset
                append((line, last_col))
        return out

    def _check_line(self, line: int) -> None:
        if not 0 <= line < len(self._lines()):
            raise IndexError(f"line {line} out of range (0..{len(self._lines()) - 1})")

    def _check_offset(self, offset: int) -> None:
        if not 0 <= offset <= len(self._code):
            raise ValueError(f"offset {offset} out of range (0..{len(self._code)})")


@dataclass(frozen=True)
class Source:
    """One input file: its name for messages and its exact bytes (edits index into these)."""

    filename: str
    code: bytes

    @cached_property
    def index(self) -> LineIndex:
        """Line index, built on first use (most files never need a location)."""
        return LineIndex(self.code)

    @cached_property
    def text(self) -> str:
        """The code decoded as UTF-8; invalid bytes become U+FFFD rather than failing.

        Where replacing would corrupt output (writing a transformed file), check first with
        ``shaker.errors.require_utf8``: it raises ``SourceDecodeError`` with the offset of
        the first invalid byte (defined there, above this module's layer).
        """
        return self.code.decode("utf-8", "replace")
