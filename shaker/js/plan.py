"""Flat byte-range edits collected by the strip planner, before they reach the EditBuffer.

Planning happens outside-in and inside-out at once (a condition folds, a branch inside it
is edited, a declaration later turns out unused), so edits may nest.  The plan keeps them
flat and resolves nesting in one place: an edit that lies inside a removed or replaced
range is swallowed by it, and overlapping pure removals merge.  Anything else that
overlaps is a planner bug and raises.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

Piece = tuple[int, int] | str


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: str = ""


class Plan:
    """Edits on the original bytes; see the module docstring for how nesting resolves."""

    def __init__(self) -> None:
        self._edits: list[Edit] = []
        self._cache: list[Edit] | None = None

    def remove(self, start: int, end: int) -> None:
        if end > start:
            self._add(Edit(start, end))

    def insert(self, pos: int, text: str) -> None:
        if text:
            self._add(Edit(pos, pos, text))

    def replace(self, start: int, end: int, text: str) -> None:
        self._add(Edit(start, end, text))

    def emit(self, start: int, end: int, pieces: list[Piece]) -> None:
        """Rewrite ``[start, end)`` as ``pieces``: kept original ranges and new text."""
        cursor = start
        pending = ""
        for piece in pieces:
            if isinstance(piece, str):
                pending += piece
                continue
            a, b = piece
            if a < cursor or b < a or b > end:
                raise AssertionError(f"pieces out of order: {piece} after {cursor} in "
                                     f"[{start}, {end})")
            if a > cursor or pending:
                self._add(Edit(cursor, a, pending))
                pending = ""
            cursor = b
        if cursor < end or pending:
            self._add(Edit(cursor, end, pending))

    def _add(self, edit: Edit) -> None:
        self._edits.append(edit)
        self._cache = None

    # -- queries ---------------------------------------------------------------------
    def edits(self) -> list[Edit]:
        """The resolved, sorted, non-overlapping edits."""
        if self._cache is not None:
            return self._cache
        kept: list[Edit] = []
        cover: Edit | None = None  # the last kept edit that spans bytes
        for e in sorted(self._edits, key=lambda e: (e.start, -e.end)):
            if cover is not None and e.start < cover.end:
                if e.start == e.end:
                    if e.start > cover.start:
                        continue  # an insertion inside removed code
                elif e.end <= cover.end:
                    continue  # swallowed by an enclosing removal or replacement
                elif not e.text and not cover.text:
                    merged = Edit(cover.start, e.end)
                    kept[kept.index(cover)] = merged
                    cover = merged
                    continue
                else:
                    raise AssertionError(f"overlapping edits {cover} and {e}")
            kept.append(e)
            if e.end > e.start:
                cover = e
        kept.sort(key=lambda e: (e.start, e.end))
        self._cache = kept
        return kept

    def removed(self) -> list[tuple[int, int]]:
        """Merged ranges of original bytes that do not survive."""
        ranges: list[tuple[int, int]] = []
        for e in self.edits():
            if e.end <= e.start:
                continue
            if ranges and e.start <= ranges[-1][1]:
                ranges[-1] = (ranges[-1][0], max(ranges[-1][1], e.end))
            else:
                ranges.append((e.start, e.end))
        return ranges

    def covers(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` lies entirely inside a removed or replaced range."""
        ranges = self.removed()
        i = bisect_right(ranges, (start, float("inf"))) - 1
        return i >= 0 and ranges[i][0] <= start and end <= ranges[i][1]


class RangeSet:
    """A frozen set of merged ranges for fast containment checks."""

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        self.ranges = ranges
        self._starts = [r[0] for r in ranges]

    def covers(self, start: int, end: int) -> bool:
        i = bisect_right(self._starts, start) - 1
        return i >= 0 and self.ranges[i][0] <= start and end <= self.ranges[i][1]
