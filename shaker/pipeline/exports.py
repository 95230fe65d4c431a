"""Named imports against exports: the one rule dev and build check it by.

A module that imports ``{ x }`` from a module that does not export ``x`` does not run at all:
the browser refuses to link the page.  Both shells report it the same way, at the importer's
``file:line:col``, naming the exporter and what it does export (Rollup's message, with the
names).  Each shell knows its modules differently (the build has every output at once, the
dev server learns them request by request), so each gives this module two lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)

ExportFacts = tuple[frozenset[str], tuple[Hashable, ...]]
"""A module's own export names and the modules it re-exports with ``export *``."""


def all_exports(key: Key, facts: Callable[[Key], ExportFacts | None]) -> frozenset[str] | None:
    """Every name ``key`` exports, ``export *`` followed (their ``default`` excluded, as the
    spec says); None when a module on the way is not known (then nothing can be said)."""
    names: set[str] = set()
    seen: set[Hashable] = set()
    stack: list[tuple[Hashable, bool]] = [(key, True)]
    while stack:
        current, own = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        found = facts(current)  # type: ignore[arg-type]
        if found is None:
            return None
        exports, stars = found
        names |= exports if own else exports - {"default"}
        stack += [(star, False) for star in stars]
    return frozenset(names)


def missing_export_message(name: str, exporter: str, importer: str,
                           names: frozenset[str]) -> str:
    """``"x" is not exported by "lib.js", imported by "main.js" (lib.js exports: a, b)``."""
    listed = ", ".join(sorted(names)) or "nothing"
    return (f'"{name}" is not exported by "{exporter}", imported by "{importer}" '
            f"({exporter} exports: {listed})")


__all__ = ["ExportFacts", "all_exports", "missing_export_message"]
