"""The one owner of edits to a file's original bytes, and of the source map that goes with them.

Modelled on magic-string: every index refers to the ORIGINAL bytes forever, so independent
rewrites never need to know about each other's shifts, and overlapping edits are an error
instead of silently corrupting output.

>>> buf = EditBuffer(b"if (import.meta.hot) { accept() }\\nrun()\\n")
>>> buf.remove(0, 33)
>>> buf.insert(33, "/* hmr */")
>>> buf.apply_text()
'/* hmr */\\nrun()\\n'
>>> from shaker.js.sourcemap import original_position
>>> original_position(buf.generate_map(source="app.js"), 1, 0)
('app.js', 1, 0)
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator
from dataclasses import dataclass

from shaker.js.sourcemap import Segment, SourceMap, encode_mappings
from shaker.source import LineIndex

__all__ = ["EditBuffer", "OverlapError"]

# Token starts inside kept text, where a map segment lets a surviving token map back exactly
# (magic-string's "hires boundary"): each run of identifier characters (ASCII word chars, `$`,
# any non-ASCII byte), each punctuation character after whitespace, and each line start. This
# finds mapping anchors; it never decides what JavaScript means.
_BOUNDARY = re.compile(
    rb"[A-Za-z0-9_$\x80-\xff]+"
    rb"|(?<=[ \t\n\r\v\f])[!-#%-/:-@\[-^`{-~]"
    rb"|(?<=\n)|(?<=\r)(?!\n)"
)
# U+2028/U+2029 end lines too, but sit inside _BOUNDARY's identifier runs; rare, so found apart.
_LS_PS = re.compile(rb"\xe2\x80[\xa8\xa9]")


class OverlapError(ValueError):
    """Two edits claim the same original bytes; which one should win is a bug to fix upstream."""


@dataclass(frozen=True)
class _Edit:
    """A removed (text == "") or replaced range of original bytes."""

    start: int
    end: int
    text: str
    kind: str

    def __str__(self) -> str:
        return f"{self.kind} [{self.start}, {self.end})"


class EditBuffer:
    """Collect removals, replacements and insertions against ``original``; apply them once.

    Insertions at the same position come out in call order. An insertion exactly at the start
    of a removed/replaced range lands BEFORE its replacement text, one exactly at its end lands
    AFTER it; an insertion strictly inside such a range raises :class:`OverlapError`, as do two
    ranges sharing a byte. Offsets must fall on UTF-8 character boundaries.
    """

    def __init__(self, original: bytes) -> None:
        self._original = original
        self._starts: list[int] = []  # starts of _ranges, for bisect
        self._ranges: list[_Edit] = []  # sorted, non-overlapping
        self._inserts: dict[int, list[str]] = {}
        self._insert_positions: list[int] = []  # sorted keys of _inserts
        self._index: LineIndex | None = None

    @property
    def original(self) -> bytes:
        """The bytes every offset refers to; never changes."""
        return self._original

    @property
    def changed(self) -> bool:
        """Whether any edit was recorded (so callers can return the input untouched)."""
        return bool(self._ranges or self._inserts)

    def remove(self, start: int, end: int) -> None:
        """Drop original bytes ``[start, end)``; an empty range is ignored."""
        self._check_range(start, end)
        if start < end:
            self._add(_Edit(start, end, "", "remove"))

    def replace(self, start: int, end: int, text: str) -> None:
        """Replace original bytes ``[start, end)`` by ``text``; ``start == end`` inserts."""
        self._check_range(start, end)
        if start == end:
            self.insert(start, text)
        else:
            self._add(_Edit(start, end, text, "replace"))

    def insert(self, pos: int, text: str) -> None:
        """Insert ``text`` before original byte ``pos`` (after earlier insertions there)."""
        self._check_range(pos, pos)
        i = bisect_left(self._starts, pos) - 1
        if i >= 0 and self._ranges[i].end > pos:
            raise OverlapError(f"insert at {pos} is strictly inside earlier {self._ranges[i]}")
        if not text:
            return
        if pos not in self._inserts:
            self._inserts[pos] = []
            insort(self._insert_positions, pos)
        self._inserts[pos].append(text)

    def apply(self) -> bytes:
        """The edited bytes."""
        original = self._original
        return b"".join(original[a:b] if text is None else text for a, b, text in self._pieces())

    def apply_text(self) -> str:
        """The edited code as text (invalid UTF-8 becomes U+FFFD, as in ``Source.text``)."""
        return self.apply().decode("utf-8", "replace")

    def generate_map(
        self, *, source: str, source_content: str | None = None, file: str | None = None
    ) -> SourceMap:
        """A v3 source map from :meth:`apply`'s output back to ``original``.

        Kept text gets a segment at each output line start and token boundary, so surviving
        tokens map to their exact original line:column; inserted or replacement text gets one
        segment at its start, pointing at the edit's original position; removed text, none.
        """
        original = self._original
        out_parts: list[bytes] = []
        out_anchors: list[int] = []  # output offsets of segments...
        orig_anchors: list[int] = []  # ...and the original offsets they map to
        out_len = 0
        for a, b, text in self._pieces():
            out_anchors.append(out_len)
            orig_anchors.append(a)
            if text is not None:
                out_parts.append(text)
                out_len += len(text)
                continue
            inner = [m.start() for m in _BOUNDARY.finditer(original, a, b)]
            if _LS_PS.search(original, a, b):
                inner = sorted({*inner, *(m.end() for m in _LS_PS.finditer(original, a, b))})
            # Drop the chunk start (anchored above) and an empty line-start match at its end.
            inner = [p for p in inner if a < p < b]
            shift = out_len - a
            out_anchors.extend([p + shift for p in inner])
            orig_anchors.extend(inner)
            out_parts.append(original[a:b])
            out_len += b - a

        if self._index is None:
            self._index = LineIndex(original)
        out_index = LineIndex(b"".join(out_parts))
        lines: list[list[Segment]] = [[] for _ in range(out_index.line_count)]
        for (gen_line, gen_col), (orig_line, orig_col) in zip(
            out_index.line_cols(out_anchors), self._index.line_cols(orig_anchors), strict=True
        ):
            lines[gen_line].append((gen_col, 0, orig_line, orig_col))

        result: SourceMap = {"version": 3}
        if file is not None:
            result["file"] = file
        result["sources"] = [source]
        if source_content is not None:
            result["sourcesContent"] = [source_content]
        result["names"] = []
        result["mappings"] = encode_mappings(lines)
        return result

    def _pieces(self) -> Iterator[tuple[int, int, bytes | None]]:
        """Output pieces in order: ``(a, b, None)`` keeps ``original[a:b]``; ``(a, a, text)``
        is new text anchored at original offset ``a``. Empty texts are skipped."""
        cursor = 0
        positions = self._insert_positions
        i = 0
        for edit in [*self._ranges, None]:
            stop = len(self._original) if edit is None else edit.start
            while i < len(positions) and positions[i] <= stop:
                pos = positions[i]
                if cursor < pos:
                    yield cursor, pos, None
                    cursor = pos
                for text in self._inserts[pos]:
                    yield pos, pos, text.encode("utf-8")
                i += 1
            if cursor < stop:
                yield cursor, stop, None
            if edit is not None:
                if edit.text:
                    yield edit.start, edit.start, edit.text.encode("utf-8")
                cursor = edit.end

    def _add(self, edit: _Edit) -> None:
        """Record a non-empty range edit after checking it overlaps nothing recorded."""
        i = bisect_right(self._starts, edit.start)
        if i > 0 and self._ranges[i - 1].end > edit.start:
            raise OverlapError(f"{edit} overlaps earlier {self._ranges[i - 1]}")
        if i < len(self._ranges) and self._ranges[i].start < edit.end:
            raise OverlapError(f"{edit} overlaps earlier {self._ranges[i]}")
        k = bisect_right(self._insert_positions, edit.start)
        if k < len(self._insert_positions) and self._insert_positions[k] < edit.end:
            pos = self._insert_positions[k]
            raise OverlapError(f"{edit} strictly contains earlier insert at {pos}")
        self._starts.insert(i, edit.start)
        self._ranges.insert(i, edit)

    def _check_range(self, start: int, end: int) -> None:
        """Reject out-of-range, reversed, or mid-character offsets (a sign of mixed units)."""
        size = len(self._original)
        if not 0 <= start <= end <= size:
            raise ValueError(f"invalid range [{start}, {end}) for {size} bytes")
        for offset in (start, end):
            if offset < size and 0x80 <= self._original[offset] < 0xC0:
                raise ValueError(f"offset {offset} is inside a UTF-8 character")
