"""Serving project files as the browser needs them in development: pipeline records over HTTP.

Every module goes through the shared pipeline (``shaker.pipeline``), exactly as in a build:
plugins' ``resolve_id``/``load``/``transform``, then shaker's loaders by kind; only the way
imports are written differs (``shaker.dev.imports``: URLs this server answers).  By kind:

- JavaScript gets the development transform (``import.meta.hot`` installed, defines applied);
- CSS requested as a module (``?import`` or ``Sec-Fetch-Dest: script``) becomes a
  self-accepting module that injects a ``<style>`` (its ``url()``s rewritten to URLs that work
  from the page); otherwise it is plain CSS;
- JSON becomes ``export default <value>`` with its keys as named exports; ``?raw`` text; an
  asset requested as a module (``import logo from './logo.png'``, ``?url``) its URL;
- HTML pages go through ``transform_index_html`` hooks and get the client script injected;
- anything else is a static file with the shared MIME table.

The pipeline runs in a worker thread, so a large module never blocks the event loop (async
plugin hooks still run on the loop).  Every module served is recorded in the module graph
(``shaker.dev.graph``); a module that lost its last importer is pruned.  Results are cached by
(file, mtime, size) and by the timestamps written into their imports, and carry an ETag, so an
unchanged module costs a ``stat`` and a 304.  A build error answers 500 with a module that
throws, and is broadcast as an ``error`` payload so the overlay shows it.  ``check`` builds a
changed file before a hot update, so a syntax error shows the overlay while the page keeps
running the previous version.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from shaker import protocol
from shaker.dev.graph import ModuleFacts, ModuleGraph
from shaker.dev.imports import ImportWriter, Optimized, file_url, under_base, virtual_url
from shaker.dev.linking import Linking, Links, linking_of
from shaker.dev.worker import Worker, WorkerTimeout
from shaker.diagnostics import Diagnostic
from shaker.errors import ShakerSyntaxError
from shaker.pipeline.generated import fill, style_module, template, url_module
from shaker.pipeline.kinds import (
    HTML_EXTENSIONS,
    JS_MIME,
    Kind,
    mime_type,
    module_kind,
    query_flags,
)
from shaker.pipeline.pipeline import Pipeline, PipelineOptions, new_resolver
from shaker.pipeline.plugins import HOOK_TIMEOUT, PluginContainer, PluginError
from shaker.pipeline.record import ModuleError, ModuleRecord, display_name
from shaker.pipeline.resolve import is_browser_external
from shaker.protocol import CLIENT_PATH
from shaker.source import Source
from shaker.web.responses import BASE_HEADERS, etag_for, respond

logger = logging.getLogger("shaker")

_HEAD = re.compile(r"<head(?:\s[^>]*)?>", re.IGNORECASE)
_HTML = re.compile(r"<html(?:\s[^>]*)?>", re.IGNORECASE)
_DOCTYPE = re.compile(r"<!doctype[^>]*>", re.IGNORECASE)
BUILD_TIMEOUT = HOOK_TIMEOUT
"""Seconds one build may take in the worker thread (a plugin hook that never returns): then
the request fails and later builds run on a new thread (``shaker.dev.worker``)."""


def rebase_html(text: str, base: str) -> str:
    """Root-absolute script, stylesheet and asset URLs of a page get the public base.

    With ``--base /app/`` the page is served at ``/app/`` and ``<script src="/main.js">``
    means ``/app/main.js``, as in Vite.

    >>> rebase_html('<script type="module" src="/main.js"></script>', "/app/")
    '<script type="module" src="/app/main.js"></script>'
    """
    from shaker.pipeline.html import apply_edits, parse_html, quote_attribute

    edits = []
    for ref in parse_html(text).refs:
        value = ref.value
        if ref.kind != "inline-module" and value.startswith("/") and not value.startswith(
            ("//", base)
        ):
            edits.append((ref.start, ref.end, quote_attribute(base.rstrip("/") + value)))
    return apply_edits(text, edits) if edits else text


def inject_client(html: str, src: str) -> str:
    """Add the client ``<script type="module">`` at the top of ``<head>`` (Vite's head-prepend).

    >>> inject_client("<html><head><title>x</title>", "/@shaker/client")
    '<html><head><script type="module" src="/@shaker/client"></script><title>x</title>'
    """
    return inject_head(html, f'<script type="module" src="{src}"></script>')


def inject_head(html: str, tag: str) -> str:
    """``tag`` at the top of ``<head>`` (or after ``<html>``, the doctype, or first)."""
    for pattern in (_HEAD, _HTML, _DOCTYPE):
        match = pattern.search(html)
        if match:
            return html[: match.end()] + tag + html[match.end() :]
    return tag + html


REACT_REFRESH_PATH = "/@react-refresh"


def _react_refresh_runtime(root: Path) -> Path | None:
    """The app's ``react-refresh/runtime`` file, or None when the package is not installed."""
    from shaker.pipeline.resolve import DEV_CONDITIONS, ResolveError, Resolver

    try:
        found = Resolver(root, conditions=DEV_CONDITIONS).resolve_path(
            "react-refresh/runtime", root / "index.html")
    except ResolveError:
        return None
    return Path(found) if found is not None else None


@dataclass
class _Cached:
    stamp: tuple[int, int]
    body: bytes
    etag: str
    facts: ModuleFacts
    deps: tuple[tuple[str, int], ...]
    """(URL, timestamp) of each import as written into ``body``."""
    linking: Linking


@dataclass(frozen=True)
class _Built:
    code: str
    facts: ModuleFacts
    deps: tuple[tuple[str, int], ...] = ()
    diagnostics: list[Diagnostic] = field(default_factory=list)
    linking: Linking = field(default_factory=Linking)


class ModuleServer:
    """Builds modules through the pipeline and serves them; one per dev server."""

    def __init__(
        self,
        *,
        root: Path,
        allowed_roots: tuple[Path, ...],
        base: str,
        define: Mapping[str, str],
        plugins: PluginContainer,
        broadcast: Callable[[protocol.HotPayload], None],
        graph: ModuleGraph | None = None,
        on_prune: Callable[[list[str]], None] | None = None,
        env: Mapping[str, object] | None = None,
        origin: str = "",
    ) -> None:
        self.root = root
        self.allowed_roots = allowed_roots
        self.base = base
        self.origin = origin
        """``server.origin``: asset URLs (imports, CSS ``url()``) point at the dev server."""
        self.refresh_runtime = _react_refresh_runtime(root)
        """The app's ``react-refresh/runtime`` file, when installed: Fast Refresh is on."""
        self.options = PipelineOptions(
            root, "development", base, dict(define), dict(env or {}),
            react_refresh=under_base(REACT_REFRESH_PATH, base) if self.refresh_runtime else None)
        self.plugins = plugins
        self.broadcast = broadcast
        self.graph = graph if graph is not None else ModuleGraph()
        self.on_prune = on_prune
        self.module_files: dict[str, Path] = {}
        self._cache: dict[tuple[str, str, str], _Cached] = {}
        self._keys_by_file: dict[str, set[tuple[str, str, str]]] = {}
        self._worker = Worker("shaker-pipeline")
        self.links = Links(root)
        self._parsed: dict[str, Any] = {}
        """Project file → its last parse (used and updated in the worker thread only)."""
        self._generation = 0
        """Bumped by ``clear_cache``: a build that started before is not cached."""
        self.optimized: Optimized | None = None
        """Bare imports → pre-bundled files (``shaker.dev.prebundle``), set by the server."""
        self.wait_for_deps: Callable[[], Awaitable[None]] | None = None
        """Awaited before a build: the first pre-bundle, so pages load it without a reload."""

    # -- URLs -------------------------------------------------------------------------------

    def url_for_file(self, path: Path) -> str:
        """The module URL of a real file path (``/@fs/...`` outside the root)."""
        return file_url(path, self.root)

    def url_for_id(self, id: str) -> str:
        return self.url_for_file(Path(id)) if os.path.isabs(id) else virtual_url(id)

    def invalidate(self, file: Path) -> None:
        """Forget cached builds of ``file`` (the watcher calls this; mtime catches the rest)."""
        for key in self._keys_by_file.pop(str(file), ()):
            self._cache.pop(key, None)

    def file_for_url(self, url: str) -> Path | None:
        """The file a root-relative module URL names (None for ``/@fs/``, ``/@id/``, ...)."""
        if not url.startswith("/") or url.startswith("/@"):
            return None
        return self.root.joinpath(url[1:])

    # -- the worker thread ------------------------------------------------------------------

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a pipeline step off the event loop; async plugin hooks come back to it."""
        if self.wait_for_deps is not None:
            await self.wait_for_deps()
        self.plugins.loop = asyncio.get_running_loop()
        # One thread: modules build one at a time, as they did on the loop, but the loop
        # keeps answering (tree-sitter's parser is not shared between threads).
        try:
            return await self._worker.run(fn, args, timeout=BUILD_TIMEOUT)
        except WorkerTimeout:
            raise TimeoutError(
                f"the module build did not finish within {BUILD_TIMEOUT:g} s (a plugin hook "
                "that never returns?); later builds run on a new worker thread") from None

    async def run_job(self, fn: Callable[..., Any], args: tuple[Any, ...], timeout: float
                      ) -> Any:
        """``fn(*args)`` in the worker thread that builds modules (pre-bundling's jobs)."""
        self.plugins.loop = asyncio.get_running_loop()
        return await self._worker.run(fn, args, timeout=timeout)

    def clear_cache(self) -> None:
        """Forget every cached build (the pre-bundled dependencies changed); a build under
        way now is not cached either."""
        self._generation += 1
        self._cache.clear()
        self._keys_by_file.clear()

    def close(self) -> None:
        """Stop the worker thread (the server is closing; a stuck one is abandoned)."""
        self._worker.close()

    # -- entry points -----------------------------------------------------------------------

    async def serve_file(
        self, request: web.BaseRequest, url: str, file: Path
    ) -> web.StreamResponse:
        """Answer for a guarded, existing file whose module URL is ``url``."""
        name = file.name.lower()
        query = request.query_string
        as_module = "import" in query_flags(query) or (
            request.headers.get("Sec-Fetch-Dest") == "script")
        if name.endswith(HTML_EXTENSIONS):
            return await self._serve_html(request, url, file)
        kind = module_kind(name, "?" + query if query else "")
        if kind is None or (kind != "js" and not as_module):
            if kind == "css":
                self.graph.record_stylesheet(url, str(file))
            return self.serve_static(file)
        try:
            cached = await self.build_file(url, file, kind)
        except Exception as exc:
            return self._error(request, exc, url, str(file))
        self.module_files[url] = file
        self._served(url, cached.facts, str(file))
        self._link(url, cached.linking)
        return respond(request, cached.body, JS_MIME, etag=cached.etag)

    def serve_static(self, file: Path) -> web.StreamResponse:
        """A file as it is on disk (``public/``, images, stylesheets linked by pages)."""
        headers = dict(BASE_HEADERS)
        headers["Content-Type"] = mime_type(file.name)
        return web.FileResponse(file, headers=headers)

    async def build_file(self, url: str, file: Path, kind: Kind | str) -> _Cached:
        """The (cached) build of ``file`` as the module ``url``; raises what the build raised."""
        stat = file.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        key = (str(file), kind, url)
        cached = self._cache.get(key)
        if cached is None or cached.stamp != stamp or not self._fresh(cached):
            generation = self._generation
            built = await self._run(self._build, kind, str(file), url)
            data = built.code.encode("utf-8", "surrogatepass")
            cached = _Cached(stamp, data, etag_for(data), built.facts, built.deps, built.linking)
            if generation == self._generation:
                self._cache[key] = cached
                self._keys_by_file.setdefault(key[0], set()).add(key)
        return cached

    def _fresh(self, cached: _Cached) -> bool:
        timestamp = self.graph.timestamp
        return all(timestamp(url) == stamp for url, stamp in cached.deps)

    def _served(self, url: str, facts: ModuleFacts, file: str | None) -> None:
        pruned = self.graph.record(url, facts, file)
        if pruned and self.on_prune is not None:
            self.on_prune(pruned)

    async def check(self, url: str, file: Path, kind: str) -> protocol.ErrorInfo | None:
        """Build a changed module before a hot update is sent for it.

        A failure is reported to the overlay as ``during_update`` (the page still runs the
        previous version) and returned; the caller then sends no update for it.
        """
        try:
            cached = await self.build_file(url, file, kind)
        except Exception as exc:
            missing = exc.missing if isinstance(exc, ModuleError) else ()
            self.graph.set_missing(url, missing)
            return self._report(exc, url, str(file), during_update=True)
        self.graph.set_missing(url, ())
        return self._link(url, cached.linking, during_update=True)

    async def serve_virtual(self, request: web.BaseRequest, id: str) -> web.StreamResponse:
        """Answer for ``/@id/<id>``: only what a plugin's ``load`` returns, never the disk."""
        url = virtual_url(id)
        try:
            # A plugin's module is code unless its id says otherwise; a browser-field `false`
            # entry's id ends like the file it stands for, yet it is the empty module.
            kind = "empty" if is_browser_external(id) else module_kind(id)
            built = await self._run(self._build, kind if kind in ("css", "json", "raw", "empty")
                                    else "js", id, url)
        except FileNotFoundError:
            return respond(request, f"no plugin loads {id!r}\n", "text/plain", status=404)
        except Exception as exc:
            return self._error(request, exc, url, id)
        self._served(url, built.facts, None)
        self._link(url, built.linking)
        return respond(request, built.code, JS_MIME)

    # -- builds (in the worker thread) ------------------------------------------------------

    def _build(self, kind: str, id: str, url: str) -> _Built:
        pipeline = Pipeline(self.options, self.plugins, new_resolver(self.options))
        writer = ImportWriter(url, root=self.root, base=self.base,
                              timestamps=self.graph.timestamp, origin=self.origin,
                              optimized=self.optimized)
        if kind == "url":
            return _Built(url_module(self.origin + under_base(url, self.base)), ModuleFacts())
        if kind == "empty":
            return _Built(pipeline.empty(id).code, ModuleFacts())
        source = pipeline.load(id)
        record: ModuleRecord
        if kind == "json":
            record = pipeline.json(source, id)
        elif kind == "raw":
            record = pipeline.raw(source, id)
        elif kind == "css":
            sheet = pipeline.stylesheet(source, id, writer, inline_imports=True)
            client = under_base(CLIENT_PATH, self.base)
            code = style_module(url, sheet.code, client)
            record = pipeline.javascript(Source(source.filename, code.encode(
                "utf-8", "surrogatepass")), id, writer, url=url)
        else:  # the last parse of a project file makes the next one incremental
            previous = self._parsed.get(id)
            record = pipeline.javascript(source, id, writer, url=url, previous=previous)
            if record.parsed is not None and "/node_modules/" not in id:
                self._parsed[id] = record.parsed
        for diagnostic in record.diagnostics:
            logger.warning("%s:%s:%s: %s", diagnostic.filename, diagnostic.line,
                           diagnostic.column, diagnostic.message)
        return _Built(record.code, _facts(record, writer), tuple(sorted(writer.used.items())),
                      record.diagnostics,
                      linking_of(record, source, writer) if kind in ("js", "json") else Linking())

    async def _serve_html(self, request: web.BaseRequest, url: str, file: Path) -> web.Response:
        try:
            pipeline = Pipeline(self.options, self.plugins, new_resolver(self.options))
            source = await self._run(pipeline.load, str(file))
            html = await self.plugins.transform_index_html(source.text, url)
            html = await self._run(self._inline_modules, pipeline, html, str(file), url)
        except Exception as exc:
            self._report(exc, url, str(file))
            return respond(request, f"{exc}\n", "text/plain; charset=utf-8", status=500)
        self.module_files[url] = file
        if self.base != "/":
            html = rebase_html(html, self.base)
        if self.refresh_runtime is not None:  # before React loads, as plugin-react does
            runtime = under_base(REACT_REFRESH_PATH, self.base)
            preamble = fill(template("react-refresh-preamble.js"), {"RUNTIME": runtime})
            html = inject_head(html, f'<script type="module">{preamble}</script>')
        html = inject_client(html, under_base(CLIENT_PATH, self.base))
        return respond(request, html, "text/html; charset=utf-8")

    def serve_react_refresh(self, request: web.BaseRequest) -> web.Response:
        """``/@react-refresh``: the app's own react-refresh runtime, as plugin-react serves it
        (django-vite's React preamble imports this URL)."""
        if self.refresh_runtime is None:
            message = ("React Fast Refresh needs the react-refresh package in the app: "
                       "npm install --save-dev react-refresh")
            logger.error("%s", message)
            return respond(request, f"throw new Error({json.dumps(message)});\n", JS_MIME,
                           status=404)
        runtime = under_base(file_url(self.refresh_runtime, self.root), self.base)
        return respond(request, fill(template("react-refresh.js"), {"RUNTIME": runtime}),
                       JS_MIME)

    def _inline_modules(self, pipeline: Pipeline, html: str, page: str, url: str) -> str:
        """A page's inline ``<script type="module">`` through the pipeline, as the build does
        (``import "./helper"`` resolved, defines applied); a failure is reported and the
        script left as it is (the browser then fails on it too)."""
        from shaker.pipeline.html import apply_edits, parse_html

        edits = []
        writer = ImportWriter(url, root=self.root, base=self.base,
                              timestamps=self.graph.timestamp, optimized=self.optimized)
        for ref in parse_html(html).refs:
            if ref.kind != "inline-module":
                continue
            padding = "\n" * (ref.line - 1) + " " * ref.column  # the page's lines and columns
            source = Source(display_name(page), (padding + ref.value).encode(
                "utf-8", "surrogatepass"))
            try:
                code = pipeline.javascript(source, page, writer, sourcemap=False).code
            except ModuleError as exc:
                self._report_from_worker(exc, url, page)
                continue
            edits.append((ref.start, ref.end, code[len(padding):] if code.startswith(padding)
                          else code.lstrip("\n")))
        return apply_edits(html, edits) if edits else html

    def _report_from_worker(self, exc: BaseException, url: str, id: str) -> None:
        """Report from the worker thread: the overlay and the log are the loop's."""
        loop = self.plugins.loop
        if loop is not None:
            loop.call_soon_threadsafe(self._report, exc, url, id)

    # -- linking ----------------------------------------------------------------------------

    def _link(self, url: str, linking: Linking, *, during_update: bool = False
              ) -> protocol.ErrorInfo | None:
        """Named imports against exports, as the build checks them (``shaker.dev.linking``):
        a browser refuses to link such a page; the overlay and the terminal say why."""
        problems = self.links.record(url, linking, self.module_files)
        if not problems:
            return None
        return self._report(ModuleError(problems), url, str(self.module_files.get(url, url)),
                            during_update=during_update)

    # -- errors -----------------------------------------------------------------------------

    def _report(
        self, exc: BaseException, url: str, id: str, *, during_update: bool = False
    ) -> protocol.ErrorInfo:
        """Log a build error and broadcast it to the overlay."""
        if isinstance(exc, (ShakerSyntaxError, ModuleError)):
            diagnostic = exc.diagnostic
            frame = exc.render()
            info = protocol.ErrorInfo(
                message=str(diagnostic.message),
                id=id,
                frame=frame,
                loc=protocol.ErrorLocation(diagnostic.filename, diagnostic.line,
                                           diagnostic.column),
            )
            logger.error("%s", frame)
        else:
            plugin = exc.plugin if isinstance(exc, PluginError) else None
            cause = exc.error if isinstance(exc, PluginError) else exc
            stack = "".join(traceback.format_exception(type(cause), cause, cause.__traceback__))
            message = str(exc) if plugin else f"{type(exc).__name__}: {exc}"
            info = protocol.ErrorInfo(message=message, stack=stack, id=id, plugin=plugin)
            logger.error("failed to build %s\n%s", url, stack.rstrip())
        self.broadcast(protocol.ErrorPayload(info, during_update=during_update or None))
        return info

    def _error(
        self, request: web.BaseRequest, exc: BaseException, url: str, id: str
    ) -> web.Response:
        missing = exc.missing if isinstance(exc, ModuleError) else ()
        self.graph.record_failure(url, id if os.path.isabs(id) else None, missing)
        info = self._report(exc, url, id)
        body = fill(
            template("error-module.js", "shaker.dev"),
            {"ERROR": {"message": info.message, "frame": info.frame or "", "id": url}},
        )
        return respond(request, body, JS_MIME, status=500)


def _facts(record: ModuleRecord, writer: ImportWriter) -> ModuleFacts:
    """What the module graph learns from one record: its imports and accepted deps as URLs."""
    imports = [writer.url_of(r.target) for r in record.imports
               if r.target is not None and r.kind != "hot-accept"]
    accepted = [writer.url_of(r.target) for r in record.imports
                if r.target is not None and r.kind == "hot-accept"]
    return ModuleFacts(
        imports=tuple(dict.fromkeys(imports)),
        accepted_deps=tuple(dict.fromkeys(accepted)),
        self_accepting=bool(record.hot.self_accepting),
        declines=bool(record.hot.declines),
    )


__all__ = ["ModuleServer", "inject_client", "rebase_html"]
