"""Hot updates on the server: from file changes (and ``invalidate()``) to what every page does.

For each batch from the file watcher (``shaker.dev.watch``):

1. Drop cached builds of the changed files. An HTML page that changed reloads (only that page).
2. Collect the modules of each file, plus the importers that failed to find a file now
   created; ``handle_hot_update`` plugin hooks may narrow that list (``[]``: handled).
3. Build each changed module the page runs (``ModuleServer.check``): a syntax error, a plugin
   error or an import of a missing file shows the overlay and sends no update for it, so the
   page keeps running the previous version. A deleted file's importers are built too: one that
   still imports it reports the missing import.
4. ``shaker.dev.graph.decide`` says which boundaries re-import what (``update``), or why the page
   must reload (``full-reload`` with its reason, logged and printed in the browser console).
5. The changed modules and their importers are stamped, so importers are served with
   ``?t=<timestamp>`` on what changed.

``invalidate()`` from a page propagates to the module's importers once per update, however many
tabs send it; a loop of invalidations ends in a full reload. Modules that lost their last
importer are pruned (the client runs their ``dispose`` and ``prune`` callbacks).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from shaker import protocol
from shaker.dev.graph import HotDecision, ModuleGraph, ModuleNode, decide, decide_invalidate
from shaker.dev.imports import virtual_url
from shaker.dev.modules import ModuleServer
from shaker.pipeline.kinds import HTML_EXTENSIONS, module_kind
from shaker.pipeline.plugins import PluginContainer, PluginError
from shaker.web.logsafe import printable

if TYPE_CHECKING:
    from shaker.dev.hot_channel import HotChannel
    from shaker.dev.watch import FileChange

logger = logging.getLogger("shaker")

EMPTY_FILE_RETRIES = 10
EMPTY_FILE_WAIT = 0.01
"""An editor may truncate a file before writing it: an empty file is re-read a few times."""


class Clock:
    """Milliseconds since the epoch, strictly increasing (two updates never share a ``t=``)."""

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        self._last = max(int(time.time() * 1000), self._last + 1)
        return self._last


@dataclass
class HotUpdateContext:
    """What a ``handle_hot_update(ctx)`` hook receives.

    ``modules`` are the graph's nodes for ``file`` (``node.url``, ``node.importers``, ...);
    return a list of nodes (or module URLs) to replace them, ``[]`` to say "handled".
    ``type`` is ``"update"`` or ``"create"``.
    """

    file: str
    timestamp: int
    modules: list[Any]
    server: Any
    """The ``DevServer`` (plugins use ``server.ws``, ``server.config``...)."""
    type: Literal["create", "update"] = "update"

    def read(self) -> str:
        """The file's current text."""
        return Path(self.file).read_text(encoding="utf-8")


class ServerParts(Protocol):
    """What hot updates use of the dev server (structural: this module never imports it)."""

    root: Path
    graph: ModuleGraph
    modules: ModuleServer
    plugins: PluginContainer
    ws: HotChannel


class HotUpdates:
    """The hot-update engine of one dev server (``server.hmr``)."""

    def __init__(self, server: ServerParts) -> None:
        self.server = server
        self.graph = server.graph
        self.clock = Clock()
        self._lock: asyncio.Lock | None = None
        server.ws.on(protocol.EVENT_INVALIDATE, self._on_invalidate)

    @property
    def lock(self) -> asyncio.Lock:
        """Batches, invalidations and reloads are handled one at a time."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    def _short(self, file: str | Path) -> str:
        try:
            return "/" + Path(file).relative_to(self.server.root).as_posix()
        except ValueError:
            return str(file)

    # -- file changes -------------------------------------------------------------------------

    async def handle_changes(self, changes: Sequence[FileChange]) -> None:
        """Handle one batch of file changes (the watcher's callback; tests call it directly)."""
        async with self.lock:
            await self._handle(changes)

    async def _handle(self, changes: Sequence[FileChange]) -> None:
        modules = self.server.modules
        timestamp = self.clock()
        targets: dict[str, None] = {}
        to_check: dict[str, None] = {}
        pages: list[protocol.FullReload] = []
        first_file = str(changes[0].path) if changes else ""
        for change in changes:
            path, file = change.path, str(change.path)
            modules.invalidate(path)
            if path.suffix.lower() in HTML_EXTENSIONS:
                url = modules.url_for_file(path)
                reason = f"{url} changed: an HTML page is reloaded, never hot-updated"
                pages.append(protocol.FullReload(path=url, triggered_by=file, reason=reason))
                continue
            nodes = self.graph.by_file(file)
            if change.kind == "deleted":
                for node in nodes:
                    for importer in sorted(node.importers):
                        other = self.graph.get(importer)
                        if other is not None and other.file is not None:
                            modules.invalidate(Path(other.file))  # its build found the file
                        to_check[importer] = None
                if nodes:
                    logger.info("deleted %s", self._short(path))
                continue
            await _wait_for_content(path)
            known = {n.url for n in nodes}
            nodes += [n for n in self.graph.missing_importers(file) if n.url not in known]
            kind: Literal["create", "update"] = (
                "create" if change.kind == "added" and not known else "update"
            )
            if self.server.plugins.has("handle_hot_update"):
                handled = await self._run_hooks(file, timestamp, nodes, kind)
                if handled is None:
                    continue
                nodes = handled
            for node in nodes:
                targets[node.url] = None
                to_check[node.url] = None
        failed = await self._check_all(to_check)
        urls = [url for url in targets if url not in failed]
        decision = decide(self.graph, urls, timestamp)
        self._apply(decision, urls, timestamp, first_file)
        if not decision.full_reload:
            for page in pages:
                logger.info("page reload %s", page.path)
                self.server.ws.send(page)

    async def _run_hooks(
        self, file: str, timestamp: int, nodes: list[ModuleNode], kind: Literal["create", "update"]
    ) -> list[ModuleNode] | None:
        """The modules the plugins leave to shaker, or None when one handled the change."""
        ctx = HotUpdateContext(file, timestamp, list(nodes), self.server, kind)
        try:
            answer = await self.server.plugins.handle_hot_update(ctx)
        except PluginError as exc:
            logger.error("%s", exc, exc_info=exc.error)
            info = protocol.ErrorInfo(message=str(exc), id=file, plugin=exc.plugin)
            self.server.ws.send(protocol.ErrorPayload(info, during_update=True))
            return None
        if answer is None:
            return nodes
        if not answer:
            logger.debug("%s: handled by a plugin", self._short(file))
            return None
        return [self._node(m) for m in answer]

    def _node(self, module: Any) -> ModuleNode:
        if isinstance(module, ModuleNode):
            return module
        return self.graph.ensure(str(module))

    async def _check_all(self, urls: Iterable[str]) -> set[str]:
        """Build each module the page runs; return the URLs that failed (the overlay says why).

        A file whose builds all succeeded is fixed: an error about it that was kept for a page
        not open yet is dropped, or that page would open on a stale overlay.
        """
        failed: set[str] = set()
        fixed: dict[str, bool] = {}
        for url in urls:
            built = await self._check(url)
            if built is None:
                continue
            file, ok = built
            fixed[file] = fixed.get(file, True) and ok
            if not ok:
                failed.add(url)
        for file, ok in fixed.items():
            if ok:
                self.server.ws.resolve_error(file)
        return failed

    async def _check(self, url: str) -> tuple[str, bool] | None:
        """Build a module the page runs: (its file, whether that worked), or None when there
        is nothing to build (not in the page, not a file, not a module)."""
        node = self.graph.get(url)
        if node is None or node.file is None or node.pruned or not (node.loaded or node.failed):
            return None
        kind = module_kind(node.file)
        file = Path(node.file)
        if kind is None or not file.is_file():
            return None
        return str(file), await self.server.modules.check(url, file, kind) is None

    def _apply(self, decision: HotDecision, urls: Sequence[str], timestamp: int, file: str) -> None:
        """Stamp what changed and tell the pages."""
        for note in decision.notes:
            logger.debug("hmr: %s", note)
        for loop in decision.circular:
            logger.debug("hmr: circular imports detected: %s", " → ".join(loop))
        self.graph.invalidate(urls, timestamp)
        ws = self.server.ws
        if decision.reload_reason is not None:
            logger.info("page reload %s (%s)", printable(self._short(file)),
                        printable(decision.reload_reason, 1000))
            ws.send(
                protocol.FullReload(
                    path="*", triggered_by=file or None, reason=decision.reload_reason
                )
            )
        elif decision.updates:
            paths = dict.fromkeys(u.path for u in decision.updates)
            logger.info("hmr update %s", ", ".join(paths))
            ws.send(protocol.UpdatePayload(decision.updates))

    # -- prune, invalidate, reload_module -----------------------------------------------------

    def pruned(self, urls: list[str]) -> None:
        """``ModuleServer`` served a module that no longer imports ``urls``."""
        self.graph.mark_pruned(urls, self.clock())
        logger.debug("hmr prune %s", ", ".join(urls))
        self.server.ws.send(protocol.Prune(tuple(urls)))

    async def _on_invalidate(self, data: Any, client: Any) -> None:
        if not isinstance(data, dict) or not isinstance(data.get("path"), str):
            return
        path: str = data["path"]
        first = data.get("firstInvalidatedBy")
        message = data.get("message")
        async with self.lock:
            if not self.graph.take_invalidation(path):
                logger.debug("hmr: ignored invalidate %s (already handled, or not updated)",
                             printable(path))
                return
            logger.info("hmr invalidate %s%s", printable(path),
                        f": {printable(message)}" if message else "")
            node = self.graph.get(path)
            assert node is not None
            decision = decide_invalidate(
                self.graph, path, first_invalidated_by=first if isinstance(first, str) else None
            )
            importers = sorted(node.importers - {path})
            self._apply(decision, importers, node.last_hmr_timestamp, node.file or path)

    def reload_module(self, path: str | Path) -> asyncio.Task[None]:
        """Hot-update a module as if its file had changed (for plugins: a virtual module whose
        content changed). ``path`` is a module URL, a file path or a plugin's module id. Returns
        a task: await it, or let it run."""
        return asyncio.ensure_future(self._reload_module(str(path)))

    async def _reload_module(self, path: str) -> None:
        async with self.lock:
            nodes = [n for n in (self.graph.get(path),) if n is not None]
            nodes = nodes or self.graph.by_file(path)
            nodes = nodes or [n for n in (self.graph.get(virtual_url(path)),) if n is not None]
            if not nodes:
                logger.debug("hmr: reload_module(%r): not in the module graph", path)
                return
            timestamp = self.clock()
            for node in nodes:
                if node.file is not None:
                    self.server.modules.invalidate(Path(node.file))
            failed = await self._check_all(n.url for n in nodes)
            urls = [n.url for n in nodes if n.url not in failed]
            self._apply(decide(self.graph, urls, timestamp), urls, timestamp, path)


async def _wait_for_content(path: Path) -> None:
    """Give an editor that truncated ``path`` a moment to write it (Vite does the same)."""
    for _ in range(EMPTY_FILE_RETRIES):
        try:
            if path.stat().st_size > 0:
                return
        except OSError:
            return
        await asyncio.sleep(EMPTY_FILE_WAIT)
