"""Re-parse an edited module from its previous tree (tree-sitter's incremental parsing).

A dev server transforms the same module again after each save.  The previous parse is kept
in a :class:`Parsed` handle (``TransformResult.parsed``); given back to the transform
(``previous=``), the edited range is found from the old and new bytes (the common prefix
and suffix), the old tree is edited to match, and tree-sitter re-parses only what the
edit can change.  The syntax checks of :mod:`shaker.js.validity` then look only at the
top-level statements that hold the changed ranges.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from tree_sitter import Point, Tree


@dataclass(frozen=True, eq=False)
class Parsed:
    """A parsed module: the bytes tree-sitter saw and their tree.  Treat it as opaque; it is
    never mutated (an incremental parse edits a copy of the tree)."""

    text: bytes
    tree: Tree
    reusable: bool = True  # False when the tree came from a masked copy of the text


@dataclass(frozen=True)
class Edit:
    """One replaced byte range: ``old[start:old_end]`` became ``new[start:new_end]``."""

    start: int
    old_end: int
    new_end: int


def diff(old: bytes, new: bytes) -> Edit | None:
    """The single range that differs between ``old`` and ``new`` (None when equal)."""
    if old == new:
        return None
    limit = min(len(old), len(new))
    lo, hi = 0, limit  # the common prefix has length in [lo, hi]
    while lo < hi:  # binary search with memcmp-speed slice comparisons
        mid = (lo + hi + 1) // 2
        if old[lo:mid] == new[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    prefix = lo
    limit -= prefix
    lo, hi = 0, limit
    n_old, n_new = len(old), len(new)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old[n_old - mid:n_old - lo] == new[n_new - mid:n_new - lo]:
            lo = mid
        else:
            hi = mid - 1
    return Edit(prefix, n_old - lo, n_new - lo)


def _point(text: bytes, pos: int) -> Point:
    row = text.count(b"\n", 0, pos)
    return Point(row, pos - (text.rfind(b"\n", 0, pos) + 1))


def edited_tree(previous: Parsed, text: bytes) -> tuple[Tree, Edit] | None:
    """A copy of the previous tree, edited to line up with ``text``; None if unchanged."""
    edit = diff(previous.text, text)
    if edit is None or not previous.reusable:
        return None
    tree = previous.tree.copy()
    tree.edit(
        start_byte=edit.start, old_end_byte=edit.old_end, new_end_byte=edit.new_end,
        start_point=_point(text, edit.start),
        old_end_point=_point(previous.text, edit.old_end),
        new_end_point=_point(text, edit.new_end),
    )
    return tree, edit


def changed_windows(old: Tree, new: Tree, edit: Edit) -> list[tuple[int, int]]:
    """Byte ranges of ``new`` to re-check: the top-level statements holding the edit and
    every range whose syntax changed, merged."""
    ranges = [(edit.start, edit.new_end)]
    ranges += [(r.start_byte, r.end_byte) for r in new.changed_ranges(old)]
    # Whole top-level statements (the root's children, found by bisection on their ends).
    children = new.root_node.children
    ends = [c.end_byte for c in children]
    spans = []
    for start, end in ranges:
        lo, hi = start, end
        i = bisect_left(ends, start)  # the first statement ending at or after `start`
        if i < len(children) and children[i].start_byte <= start:
            lo = children[i].start_byte
        j = bisect_left(ends, end)
        if j < len(children) and children[j].start_byte < end:
            hi = max(hi, children[j].end_byte)
        spans.append((lo, hi))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


__all__ = ["Edit", "Parsed", "changed_windows", "diff", "edited_tree"]
