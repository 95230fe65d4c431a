"""Which module goes in which file: one chunk per entry, per ``import()``, per shared set.

Rollup's algorithm: each module is coloured with the set of entries (static and dynamic)
that reach it through static imports, and modules of one colour form one chunk, so code is
never duplicated and a chunk runs only where all of its modules would have.  Modules run in
the spec's order (a depth-first post-order of static imports from the entries, in order);
inside a chunk they keep that order.  An entry whose module landed in a shared chunk gets a
*facade*: a small chunk that re-exports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from shaker.bundle.analyse import ModuleFacts


@dataclass(eq=False)
class Chunk:
    id: str
    modules: list[str] = field(default_factory=list)
    facade: str | None = None
    colour: frozenset[int] = frozenset()


def execution_order(modules: Mapping[str, ModuleFacts], entries: list[str]) -> list[str]:
    """Every module reachable by static imports, in the order the spec evaluates them."""
    order: list[str] = []
    done: set[str] = set()
    for entry in entries:
        if entry in done or entry not in modules:
            continue
        done.add(entry)
        stack: list[tuple[str, int]] = [(entry, 0)]
        while stack:
            module, at = stack[-1]
            deps = modules[module].static_deps
            while at < len(deps) and (deps[at] is None or deps[at] in done
                                      or deps[at] not in modules):
                at += 1
            if at < len(deps):
                stack[-1] = (module, at + 1)
                dep = deps[at]
                assert dep is not None
                done.add(dep)
                stack.append((dep, 0))
                continue
            stack.pop()
            order.append(module)
    return order


def _colours(modules: Mapping[str, ModuleFacts], entries: list[str],
             importers: Mapping[str, list[str]] | None = None) -> dict[str, set[int]]:
    """Module → the indexes of the entries that reach it through static imports.

    With ``importers`` (dynamic entry → the modules that ``import()`` it), a dynamic entry
    does not colour what is certainly in memory already when its ``import()`` runs (what
    every entry that loads each importer also loads): Rollup's rule, which keeps a module
    shared by a page and its lazy chunk in the page's chunk instead of a third file."""
    colours: dict[str, set[int]] = {}
    importers = importers or {}

    def paint(k: int, start: str, skip: set[str]) -> None:
        stack = [start]
        while stack:
            module = stack.pop()
            if module in skip:
                continue
            seen = colours.setdefault(module, set())
            if k in seen:
                continue
            seen.add(k)
            stack.extend(d for d in modules[module].static_deps
                         if d is not None and d in modules)

    for k, entry in enumerate(entries):
        if entry not in importers:
            paint(k, entry, set())
    for k, entry in enumerate(entries):
        if entry not in importers:
            continue
        loaded: set[str] | None = None
        for importer in importers[entry]:
            mine = colours.get(importer)
            here = {m for m, c in colours.items() if mine and c >= mine}
            loaded = here if loaded is None else loaded & here
        paint(k, entry, (loaded or set()) - {entry})
    return colours


def already_loaded(modules: Mapping[str, ModuleFacts], entries: list[str],
                   dynamic: Mapping[str, list[str]]) -> set[str]:
    """Dynamic entries that every module importing them has already loaded statically:
    ``import()`` of those resolves to their namespace in place, and they get no chunk (a
    chunk of their own would run them too early, before what precedes them)."""
    colours = _colours(modules, entries)
    index = {e: k for k, e in enumerate(entries)}
    out = set()
    for target, importers in dynamic.items():
        k = index.get(target)
        mine = colours.get(target, set()) - {k}
        if importers and all(colours.get(i) and colours[i] - {k} <= mine for i in importers):
            out.add(target)
    return out


def assign_chunks(modules: Mapping[str, ModuleFacts], entries: list[str],
                  executed: Mapping[str, None], split: bool = True,
                  importers: Mapping[str, list[str]] | None = None,
                  ) -> tuple[list[Chunk], dict[str, Chunk], dict[str, Chunk]]:
    """(chunks in order, module → its chunk, entry → the chunk that stands for it)."""
    colours = _colours(modules, entries, importers)
    order = [m for m in execution_order(modules, entries) if m in executed]
    by_colour: dict[frozenset[int], Chunk] = {}
    chunks: list[Chunk] = []
    chunk_of: dict[str, Chunk] = {}
    entry_index = {e: k for k, e in enumerate(entries)}
    for module in order:
        colour = frozenset(colours.get(module, ()))
        if not split:
            colour = frozenset({min(colour)}) if colour else frozenset()
        chunk = by_colour.get(colour)
        if chunk is None:
            chunk = by_colour[colour] = Chunk(module, colour=colour)
            chunks.append(chunk)
        chunk.modules.append(module)
        chunk_of[module] = chunk
    facades: dict[str, Chunk] = {}
    shared = 0
    for chunk in chunks:
        owners = [m for m in chunk.modules if m in entry_index
                  and chunk.colour == frozenset({entry_index[m]})]
        if owners:
            chunk.facade = owners[0]
            chunk.id = owners[0]
        else:
            shared += 1
            chunk.id = f"{chunk.modules[0]}#shared{shared}"
    for entry in entries:
        chunk = chunk_of.get(entry)
        if chunk is None:
            continue
        if chunk.facade == entry:
            facades[entry] = chunk
        else:
            facade = Chunk(entry, facade=entry)
            chunks.append(facade)
            facades[entry] = facade
    return chunks, chunk_of, facades


__all__ = ["Chunk", "already_loaded", "assign_chunks", "execution_order"]
