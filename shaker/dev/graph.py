"""The module graph and the HMR decision: which modules to re-import, or why the page reloads.

Pure: no I/O, no clock, no server. The dev server records what each module it served imports
and accepts (``ModuleGraph.record``); when files change it asks ``decide`` what to do, then
stamps the changed modules and their importers (``ModuleGraph.invalidate``) so that importers
are served with ``?t=<timestamp>`` on the modules that changed.

The decision follows Vite's ``propagateUpdate`` (reference/vite-hmr.md §4.3): walk from the
changed module up through its importers until every path ends at a *boundary*, a module that
accepts itself or accepts the module it came from; a path that reaches a module nothing imports
(an entry) without meeting a boundary means a full reload, and the reason names that path.

>>> graph = ModuleGraph()
>>> _ = graph.record("/main.js", ModuleFacts(imports=("/a.js",)))
>>> _ = graph.record("/a.js", ModuleFacts(imports=("/b.js",)))
>>> _ = graph.record("/b.js", ModuleFacts())
>>> print(decide(graph, ["/b.js"], 1).reload_reason)
/b.js has no accepting importer: /b.js → /a.js → /main.js (entry)
>>> _ = graph.record("/a.js", ModuleFacts(imports=("/b.js",), self_accepting=True))
>>> [(u.path, u.accepted_path) for u in decide(graph, ["/b.js"], 2).updates]
[('/a.js', '/a.js')]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from shaker import protocol

__all__ = [
    "HotDecision",
    "ModuleFacts",
    "ModuleGraph",
    "ModuleNode",
    "decide",
    "decide_invalidate",
]

_EXPLICIT_IMPORT_SUFFIXES = (".js", ".mjs", ".cjs")


@dataclass(frozen=True)
class ModuleFacts:
    """What one build of a module tells the graph (module URLs, never specifiers)."""

    imports: tuple[str, ...] = ()
    """Static imports, re-exports and literal dynamic ``import()`` targets."""
    accepted_deps: tuple[str, ...] = ()
    self_accepting: bool = False
    declines: bool = False
    missing: tuple[str, ...] = ()
    """Files it imports that do not exist (a created file recovers these importers)."""


@dataclass(eq=False)
class ModuleNode:
    """One module URL. ``self_accepting is None`` until a browser has loaded it."""

    url: str
    file: str | None = None
    imports: set[str] = field(default_factory=set)
    importers: set[str] = field(default_factory=set)
    accepted_deps: frozenset[str] = frozenset()
    self_accepting: bool | None = None
    declines: bool = False
    stylesheet: bool = False
    """Served as CSS to a ``<link rel=stylesheet>``: updated with a ``css-update``."""
    failed: bool = False
    """The browser's last request for it failed (the page lacks it)."""
    pruned: bool = False
    """No longer imported by anything the page runs."""
    missing: frozenset[str] = frozenset()
    last_hmr_timestamp: int = 0
    invalidation_received: bool = False

    @property
    def loaded(self) -> bool:
        """Whether a browser has run (a build of) this module."""
        return self.self_accepting is not None

    def __repr__(self) -> str:
        return f"<ModuleNode {self.url}>"


class ModuleGraph:
    """Module URLs, their imports and importers, and their hot facts."""

    def __init__(self) -> None:
        self._nodes: dict[str, ModuleNode] = {}
        self._by_file: dict[str, set[str]] = {}
        self._missing: dict[str, set[str]] = {}

    # -- reading ------------------------------------------------------------------------------

    def get(self, url: str) -> ModuleNode | None:
        return self._nodes.get(url)

    def __contains__(self, url: object) -> bool:
        return url in self._nodes

    def __iter__(self) -> Iterator[ModuleNode]:
        return iter(list(self._nodes.values()))

    def __len__(self) -> int:
        return len(self._nodes)

    def by_file(self, file: str) -> list[ModuleNode]:
        """Every module served from ``file`` (usually one), in URL order."""
        return [self._nodes[u] for u in sorted(self._by_file.get(file, ()))]

    def missing_importers(self, file: str) -> list[ModuleNode]:
        """Modules whose last build failed to find ``file`` among their imports."""
        return [self._nodes[u] for u in sorted(self._missing.get(file, ()))]

    def timestamp(self, url: str) -> int:
        """The last hot-update timestamp of ``url`` (0: never updated): its ``?t=`` value."""
        node = self._nodes.get(url)
        return node.last_hmr_timestamp if node is not None else 0

    # -- recording what was served ------------------------------------------------------------

    def ensure(self, url: str, file: str | None = None) -> ModuleNode:
        node = self._nodes.get(url)
        if node is None:
            node = self._nodes[url] = ModuleNode(url)
        if file is not None and node.file != file:
            if node.file is not None:
                self._by_file.get(node.file, set()).discard(url)
            node.file = file
            self._by_file.setdefault(file, set()).add(url)
        return node

    def record(self, url: str, facts: ModuleFacts, file: str | None = None) -> list[str]:
        """A browser was served a build of ``url`` with these facts.

        Returns the modules that lost their last importer because of it (to ``prune``). A
        pruned module's own imports are dropped in turn, so what only it imported is pruned too.
        """
        node = self.ensure(url, file)
        node.failed = node.pruned = False
        node.self_accepting = facts.self_accepting
        node.declines = facts.declines
        node.accepted_deps = frozenset(facts.accepted_deps)
        self._set_missing(node, facts.missing)
        new = set(facts.imports)
        removed = node.imports - new
        for dep in new - node.imports:
            self.ensure(dep).importers.add(url)
        node.imports = new
        pruned: list[str] = []
        for dep in sorted(removed):
            self._drop_importer(dep, url, pruned)
        return pruned

    def record_failure(
        self, url: str, file: str | None = None, missing: Sequence[str] = ()
    ) -> None:
        """A browser asked for ``url`` and its build failed."""
        node = self.ensure(url, file)
        node.failed = True
        node.pruned = False
        self._set_missing(node, missing)

    def record_stylesheet(self, url: str, file: str) -> None:
        """``url`` was served as plain CSS (a ``<link>``)."""
        node = self.ensure(url, file)
        node.stylesheet = True

    def set_missing(self, url: str, missing: Iterable[str]) -> None:
        """The files ``url``'s latest build imports but cannot find (none: it found all)."""
        self._set_missing(self.ensure(url), missing)

    def _set_missing(self, node: ModuleNode, missing: Iterable[str]) -> None:
        for file in node.missing:
            importers = self._missing.get(file)
            if importers is not None:
                importers.discard(node.url)
                if not importers:
                    del self._missing[file]
        node.missing = frozenset(missing)
        for file in node.missing:
            self._missing.setdefault(file, set()).add(node.url)

    def _drop_importer(self, url: str, importer: str, pruned: list[str]) -> None:
        node = self._nodes.get(url)
        if node is None:
            return
        node.importers.discard(importer)
        if node.importers or not node.loaded or node.pruned:
            return
        node.pruned = True
        pruned.append(url)
        imports, node.imports = node.imports, set()
        for dep in sorted(imports):
            self._drop_importer(dep, url, pruned)

    # -- after a decision ---------------------------------------------------------------------

    def invalidate(self, urls: Iterable[str], timestamp: int) -> set[str]:
        """Stamp ``urls`` and, transitively, importers that do not accept them as a dependency.

        Returns every URL stamped: their builds are stale (their imports now carry ``?t=``).
        """
        seen: set[str] = set()
        stack = [u for u in urls if u in self._nodes]
        while stack:
            url = stack.pop()
            if url in seen:
                continue
            seen.add(url)
            node = self._nodes[url]
            node.last_hmr_timestamp = timestamp
            node.invalidation_received = False
            for importer in node.importers:
                other = self._nodes.get(importer)
                if other is not None and url not in other.accepted_deps:
                    stack.append(importer)
        return seen

    def mark_pruned(self, urls: Iterable[str], timestamp: int) -> None:
        """Pruned modules re-imported later must run again: give them a fresh ``?t=``."""
        for url in urls:
            node = self._nodes.get(url)
            if node is not None:
                node.last_hmr_timestamp = timestamp
                node.invalidation_received = False

    def take_invalidation(self, url: str) -> bool:
        """Whether an ``invalidate()`` from ``url`` should propagate (once per hot update).

        Like Vite: only a self-accepting module that was hot-updated, and only the first of the
        identical messages every open tab sends.
        """
        node = self._nodes.get(url)
        if node is None or not node.self_accepting or node.last_hmr_timestamp <= 0:
            return False
        if node.invalidation_received:
            return False
        node.invalidation_received = True
        return True


# -- the decision -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HotDecision:
    """``updates`` to send, or a full reload with its ``reload_reason``.

    ``notes`` say, in words, why a module led to nothing (for ``--debug``); ``circular`` lists
    the import loops found around boundaries.
    """

    updates: tuple[protocol.Update, ...] = ()
    reload_reason: str | None = None
    notes: tuple[str, ...] = ()
    circular: tuple[tuple[str, ...], ...] = ()

    @property
    def full_reload(self) -> bool:
        return self.reload_reason is not None


@dataclass(frozen=True)
class _Boundary:
    path: str
    accepted_via: str
    loop: tuple[str, ...] | None


def decide(
    graph: ModuleGraph,
    urls: Iterable[str],
    timestamp: int,
    *,
    first_invalidated_by: str | None = None,
) -> HotDecision:
    """What the page must do because the modules at ``urls`` changed.

    ``first_invalidated_by`` is set when the change is an ``invalidate()`` propagating to the
    importers of that module: an update that would come back to it is an import loop, and the
    page reloads instead of going round forever.
    """
    updates: list[protocol.Update] = []
    notes: list[str] = []
    loops: list[tuple[str, ...]] = []
    traversed: set[str] = set()
    for url in urls:
        node = graph.get(url)
        if node is None:
            notes.append(f"{url} is not in the module graph (never served)")
            continue
        if node.stylesheet:
            updates.append(protocol.Update("css-update", url, url, timestamp))
        if node.pruned and not node.failed:
            notes.append(f"{url} is no longer imported by the page")
            continue
        if not node.loaded and not node.failed:
            if not node.stylesheet:
                notes.append(f"{url} was never loaded by the page")
            continue
        boundaries: list[_Boundary] = []
        reason = _propagate(graph, node, traversed, boundaries, (url,))
        if reason is not None:
            return HotDecision(reload_reason=reason, notes=tuple(notes))
        if first_invalidated_by is not None:
            for b in boundaries:
                if b.accepted_via == first_invalidated_by:
                    return HotDecision(
                        reload_reason=(
                            f"circular import invalidate: {first_invalidated_by} called "
                            f"invalidate() and the update of its importers came back to it "
                            f"through {url}"
                        ),
                        notes=tuple(notes),
                    )
        if not boundaries:
            notes.append(f"{url}: no boundary was loaded by the page")
        for b in boundaries:
            if b.loop:
                loops.append(b.loop)
            updates.append(
                protocol.Update(
                    "js-update",
                    b.path,
                    b.accepted_via,
                    timestamp,
                    explicit_import_required=_explicit_import_required(b.accepted_via),
                    is_within_circular_import=bool(b.loop),
                    first_invalidated_by=first_invalidated_by,
                )
            )
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for update in updates:
        key = (update.type, update.path, update.accepted_path)
        if key not in seen:
            seen.add(key)
            unique.append(update)
    return HotDecision(updates=tuple(unique), notes=tuple(notes), circular=tuple(loops))


def decide_invalidate(
    graph: ModuleGraph, url: str, *, first_invalidated_by: str | None = None
) -> HotDecision:
    """What the page must do when the module at ``url`` calls ``import.meta.hot.invalidate()``:
    its importers are updated as if they had changed (with the timestamp of its own update), and
    a module nothing imports can only run again after a reload.
    """
    node = graph.get(url)
    if node is None:
        return HotDecision(notes=(f"{url} is not in the module graph (never served)",))
    importers = sorted(node.importers - {url})
    if not importers:
        return HotDecision(
            reload_reason=(
                f"{url} called invalidate() and nothing imports it ({url} (entry)): "
                "only a reload runs it again"
            )
        )
    decision = decide(
        graph,
        importers,
        node.last_hmr_timestamp,
        first_invalidated_by=first_invalidated_by or url,
    )
    reason = decision.reload_reason
    if reason is None or reason.startswith("circular import invalidate"):
        return decision
    return HotDecision(
        reload_reason=f"{url} called invalidate(), which updates its importers: {reason}",
        notes=decision.notes,
    )


def _explicit_import_required(url: str) -> bool:
    """CSS and JSON modules are fetched with ``?import`` (``/@id/`` modules never are)."""
    path = url.split("?", 1)[0]
    return not path.startswith("/@id/") and not path.endswith(_EXPLICIT_IMPORT_SUFFIXES)


def _chain(chain: Sequence[str]) -> str:
    return " → ".join(chain)


def _propagate(
    graph: ModuleGraph,
    node: ModuleNode,
    traversed: set[str],
    boundaries: list[_Boundary],
    chain: tuple[str, ...],
) -> str | None:
    """Collect boundaries above ``node``; return the full-reload reason of a dead end."""
    if node.url in traversed:
        return None
    traversed.add(node.url)
    if node.failed:
        return (
            f"{node.url} failed to load in the page (see the error overlay); reloading the "
            f"page recovers it: {_chain(chain)}"
        )
    if not node.loaded:  # imported by something, but never requested: not in the page (#7561)
        return None
    if node.declines:
        return f"{node.url} declines hot updates (import.meta.hot.decline()): {_chain(chain)}"
    if node.self_accepting:
        boundaries.append(_Boundary(node.url, node.url, _loop(graph, node, chain)))
        return None
    if not node.importers:
        return f"{chain[0]} has no accepting importer: {_chain(chain)} (entry)"
    for importer_url in sorted(node.importers):
        importer = graph.get(importer_url)
        if importer is None:
            continue
        sub = (*chain, importer_url)
        if node.url in importer.accepted_deps:
            if importer.declines:
                return (
                    f"{importer_url} declines hot updates (import.meta.hot.decline()): "
                    f"{_chain(sub)}"
                )
            boundaries.append(_Boundary(importer_url, node.url, _loop(graph, importer, sub)))
            continue
        if importer_url in chain:
            continue
        reason = _propagate(graph, importer, traversed, boundaries, sub)
        if reason is not None:
            return reason
    return None


def _loop(
    graph: ModuleGraph, boundary: ModuleNode, chain: tuple[str, ...]
) -> tuple[str, ...] | None:
    """The import loop through ``boundary`` if one of its importers (transitively) is in
    ``chain`` (the modules the update came through), as Vite's ``isNodeWithinCircularImports``.

    A module in such a loop cannot be re-run in its original order: the client re-imports it
    and reloads the page if that throws.
    """
    seen: set[str] = set()

    def walk(node: ModuleNode, path: tuple[str, ...]) -> tuple[str, ...] | None:
        if node.url in seen:
            return None
        seen.add(node.url)
        for importer_url in sorted(node.importers):
            if importer_url == node.url:
                continue
            if importer_url in chain:
                start = chain.index(importer_url)
                return (importer_url, *reversed(path), *reversed(chain[start:-1]))
            importer = graph.get(importer_url)
            if importer is not None and importer_url not in path:
                found = walk(importer, (*path, importer_url))
                if found:
                    return found
        return None

    return walk(boundary, (boundary.url,))
