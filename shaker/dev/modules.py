"""Serving project files as the browser needs them in development.

- JavaScript (``.js``, ``.mjs``) goes through plugin ``load``/``transform`` hooks, then shaker's
  development transform (which installs ``import.meta.hot``); CSS and JSON import specifiers
  get ``?import`` so their requests come back here as modules.
- CSS requested as a module (``?import`` or ``Sec-Fetch-Dest: script``) becomes a
  self-accepting module that injects a ``<style>``; otherwise it is plain CSS.
- JSON requested as a module becomes ``export default <value>``.
- HTML pages go through ``transform_index_html`` hooks and get the client script injected.
- Anything else is a static file with a fixed MIME table.

Every module served is recorded in the module graph (``shaker.dev.graph``): its imports as module
URLs, its accept facts; a module that lost its last importer is pruned. Imports of modules that
were hot-updated get ``?t=<timestamp>`` (``imports.ImportRewriter``), and a static import of a
file that does not exist is a build error with a code frame.

Results are cached by (file, mtime, size) and by the timestamps written into their imports, and
carry an ETag, so an unchanged module costs a ``stat`` and a 304. A build error answers 500 with
a module that throws, and is broadcast as an ``error`` payload so the overlay shows it.
``check`` builds a changed file before a hot update, so a syntax error shows the overlay while
the page keeps running the previous version.
"""

from __future__ import annotations

import json
import logging
import os
import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from shaker import protocol
from shaker.dev.client_assets import join_base
from shaker.dev.graph import ModuleFacts, ModuleGraph
from shaker.dev.imports import (
    ImportRewriter,
    UnresolvedImportError,
    module_facts,
    unresolved_import,
)
from shaker.pipeline.plugins import PluginContainer, PluginError
from shaker.pipeline.resolve import DEV_CONDITIONS, ResolveError, Resolver, dev_url_for
from shaker.source import Source
from shaker.web.fs_guard import query_flags
from shaker.web.responses import (
    BASE_HEADERS,
    JS_MIME,
    etag_for,
    fill_template,
    mime_type,
    respond,
    template,
)

logger = logging.getLogger("shaker")

JS_SUFFIXES = (".js", ".mjs")
HTML_SUFFIXES = (".html", ".htm")
MODULE_ASSET_SUFFIXES = (".css", ".json")
VIRTUAL_PREFIX = "/@id/"
FS_PREFIX = "/@fs"
_NUL_PLACEHOLDER = "__x00__"

_HEAD = re.compile(r"<head(?:\s[^>]*)?>", re.IGNORECASE)
_HTML = re.compile(r"<html(?:\s[^>]*)?>", re.IGNORECASE)
_DOCTYPE = re.compile(r"<!doctype[^>]*>", re.IGNORECASE)


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
    tag = f'<script type="module" src="{src}"></script>'
    for pattern in (_HEAD, _HTML, _DOCTYPE):
        match = pattern.search(html)
        if match:
            return html[: match.end()] + tag + html[match.end() :]
    return tag + html


def add_import_query(specifier: str) -> str | None:
    """``./a.css`` → ``./a.css?import``: only for relative/absolute CSS and JSON specifiers.

    >>> add_import_query("./style.css?inline"), add_import_query("pkg/a.css")
    ('./style.css?import&inline', None)
    """
    if not specifier.startswith(("./", "../", "/")) or specifier.startswith("//"):
        return None
    path, _, query = specifier.partition("?")
    if not path.lower().endswith(MODULE_ASSET_SUFFIXES) or "import" in query_flags(query):
        return None
    return f"{path}?import" + (f"&{query}" if query else "")


_URL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://|data:|blob:)")


def is_bare(specifier: str) -> bool:
    """Not a path or a URL: a package (``vue``) or a plugin's id (``virtual:x``).

    >>> [is_bare(s) for s in ("vue", "virtual:x", "./a.js", "/a.js", "https://x/a.js")]
    [True, True, False, False, False]
    """
    return not specifier.startswith(("./", "../", "/")) and not _URL.match(specifier)


def virtual_url(id: str) -> str:
    """The URL a virtual module id is served at (``\\0`` spelled ``__x00__``, like Vite)."""
    return VIRTUAL_PREFIX + quote(id.replace("\0", _NUL_PLACEHOLDER), safe="/:@+,=")


def virtual_id(encoded: str) -> str:
    return encoded.replace(_NUL_PLACEHOLDER, "\0")


def _transform_api() -> tuple[Callable[..., Any], type[BaseException]]:
    """The transform lives in the ``shaker`` package; import it only when a module needs it."""
    from shaker import ShakerSyntaxError, transform

    return transform, ShakerSyntaxError


@dataclass
class _Cached:
    stamp: tuple[int, int]
    body: bytes
    etag: str
    content_type: str
    facts: ModuleFacts
    deps: tuple[tuple[str, int], ...]
    """(URL, timestamp) of each import as written into ``body``."""


@dataclass(frozen=True)
class _Built:
    code: str
    facts: ModuleFacts
    deps: tuple[tuple[str, int], ...] = ()


def module_kind(name: str) -> str | None:
    """How a file is built when imported as a module: ``js``, ``css``, ``json`` or None."""
    lower = name.lower().split("?", 1)[0]
    if lower.endswith(JS_SUFFIXES):
        return "js"
    if lower.endswith(".css"):
        return "css"
    if lower.endswith(".json"):
        return "json"
    return None


class ModuleServer:
    """Builds and serves modules; one per dev server."""

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
    ) -> None:
        self.root = root
        self.allowed_roots = allowed_roots
        self.base = base
        self.define = dict(define)
        self.plugins = plugins
        self.broadcast = broadcast
        self.graph = graph if graph is not None else ModuleGraph()
        self.on_prune = on_prune
        self.module_files: dict[str, Path] = {}
        self.transform_results: dict[str, Any] = {}
        self._cache: dict[tuple[str, str, str], _Cached] = {}
        self._keys_by_file: dict[str, set[tuple[str, str, str]]] = {}

    # -- URLs -------------------------------------------------------------------------------

    def url_for_file(self, path: Path) -> str:
        """The module URL of a real file path (``/@fs/...`` outside the root)."""
        try:
            return "/" + path.relative_to(self.root).as_posix()
        except ValueError:
            return FS_PREFIX + path.as_posix()

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

    # -- entry points -----------------------------------------------------------------------

    async def serve_file(
        self, request: web.BaseRequest, url: str, file: Path
    ) -> web.StreamResponse:
        """Answer for a guarded, existing file whose module URL is ``url``."""
        name = file.name.lower()
        flags = query_flags(request.query_string)
        as_module = "import" in flags or request.headers.get("Sec-Fetch-Dest") == "script"
        if name.endswith(HTML_SUFFIXES):
            return await self._serve_html(request, url, file)
        kind = module_kind(name)
        if kind is None or (kind != "js" and not as_module):
            if kind == "css":
                self.graph.record_stylesheet(url, str(file))
            headers = dict(BASE_HEADERS)
            headers["Content-Type"] = mime_type(name)
            return web.FileResponse(file, headers=headers)
        try:
            cached = await self.build_file(url, file, kind)
        except Exception as exc:
            return self._error(request, exc, url, str(file))
        self.module_files[url] = file
        self._served(url, cached.facts, str(file))
        return respond(request, cached.body, cached.content_type, etag=cached.etag)

    async def build_file(self, url: str, file: Path, kind: str) -> _Cached:
        """The (cached) build of ``file`` as the module ``url``; raises what the build raised."""
        stat = file.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        key = (str(file), kind, url)
        cached = self._cache.get(key)
        if cached is None or cached.stamp != stamp or not self._fresh(cached):
            source = await self.plugins.load(str(file)) if self.plugins.has("load") else None
            if source is None:
                source = file.read_bytes().decode("utf-8")
            built = await self._build(kind, source, str(file), url)
            data = built.code.encode()
            cached = _Cached(stamp, data, etag_for(data), JS_MIME, built.facts, built.deps)
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
            await self.build_file(url, file, kind)
        except Exception as exc:
            missing = exc.missing if isinstance(exc, UnresolvedImportError) else ()
            self.graph.set_missing(url, missing)
            return self._report(exc, url, str(file), during_update=True)
        self.graph.set_missing(url, ())
        return None

    async def serve_virtual(self, request: web.BaseRequest, id: str) -> web.StreamResponse:
        """Answer for ``/@id/<id>``: only what a plugin's ``load`` returns, never the disk."""
        url = virtual_url(id)
        try:
            source = await self.plugins.load(id)
            if source is None:
                return respond(request, f"no plugin loads {id!r}\n", "text/plain", status=404)
            kind = module_kind(id) or "js"
            built = await self._build(kind, source, id, url)
        except Exception as exc:
            return self._error(request, exc, url, id)
        self._served(url, built.facts, None)
        return respond(request, built.code, JS_MIME)

    # -- builds -----------------------------------------------------------------------------

    async def _build(self, kind: str, source: str, id: str, url: str) -> _Built:
        code = await self.plugins.transform(source, id)
        if kind == "json":
            body = fill_template(template("json-module.js"), {"JSON": json.loads(code)})
            return _Built(body, ModuleFacts())
        if kind == "css":
            code = fill_template(template("css-module.js"), {"ID": url, "CSS": code})
        return await self._dev_transform(code, id, url)

    async def _resolve_bare(self, result: Any, code: str, filename: str, id: str, url: str
                            ) -> dict[str, str]:
        """URLs for the module's bare imports: plugins first, then npm packages.

        Packages resolve with the development conditions (``browser``, ``import``,
        ``development``...) through ``package.json`` ``exports``/``module``/``main``; a package
        or subpath that does not exist is reported like a missing file, in the overlay.
        """
        bare = list(dict.fromkeys(r.specifier for r in result.imports if is_bare(r.specifier)))
        resolved: dict[str, str] = {}
        if not bare:
            return resolved
        if self.plugins.has("resolve_id"):
            for spec in bare:
                answer = await self.plugins.resolve_id(spec, url)
                if answer is not None:
                    resolved[spec] = self.url_for_id(answer)
        importer = id if os.path.isabs(id) else str(self.root / "index.html")
        packages = Resolver(self.root, conditions=DEV_CONDITIONS)  # fresh: sees npm installs
        for spec in bare:
            if spec in resolved:
                continue
            try:
                found = dev_url_for(spec, importer, self.root, resolver=packages)
            except ResolveError as exc:
                record = next(r for r in result.imports if r.specifier == spec)
                source = Source(filename, code.encode("utf-8", "surrogatepass"))
                raise unresolved_import(source, record.start, spec, url, (),
                                        reason=exc.reason) from exc
            if found is not None:
                resolved[spec] = add_import_query(found) or found
        return resolved

    async def _dev_transform(self, code: str, id: str, url: str) -> _Built:
        transform, _ = _transform_api()
        filename = id if os.path.isabs(id) else url
        options = {
            "filename": filename,
            "mode": "development",
            "url": url,
            "define": self.define,
            "base": self.base,
        }

        def rewriter(resolved: dict[str, str] | None = None) -> ImportRewriter:
            return ImportRewriter(
                url,
                base=self.base,
                timestamps=self.graph.timestamp,
                resolved=resolved,
                import_query=add_import_query,
                importer_file=Path(id) if os.path.isabs(id) else None,
            )

        rewrite = rewriter()
        result = transform(code, rewrite_import=rewrite, **options)
        resolved = await self._resolve_bare(result, code, filename, id, url)
        if resolved:
            rewrite = rewriter(resolved)
            result = transform(code, rewrite_import=rewrite, **options)
        for diagnostic in result.diagnostics:
            logger.warning(
                "%s:%s:%s: %s", filename, diagnostic.line, diagnostic.column, diagnostic.message
            )
        facts = await module_facts(
            result,
            rewrite,
            source=lambda: Source(filename, code.encode("utf-8", "surrogatepass")),
            url=url,
            file_for_url=self.file_for_url,
            plugin_serves=self._plugin_serves,
        )
        self.transform_results[url] = result
        return _Built(str(result.code), facts, tuple(sorted(rewrite.used.items())))

    async def _plugin_serves(self, url: str) -> bool:
        """Whether a plugin answers for ``url`` although no file exists there."""
        return (
            self.plugins.has("resolve_id") and await self.plugins.resolve_id(url, None) is not None
        )

    async def _serve_html(self, request: web.BaseRequest, url: str, file: Path) -> web.Response:
        try:
            html = await self.plugins.load(str(file)) if self.plugins.has("load") else None
            if html is None:
                html = file.read_bytes().decode("utf-8")
            html = await self.plugins.transform_index_html(html, url)
        except Exception as exc:
            self._report(exc, url, str(file))
            return respond(request, f"{exc}\n", "text/plain; charset=utf-8", status=500)
        self.module_files[url] = file
        if self.base != "/":
            html = rebase_html(html, self.base)
        html = inject_client(html, join_base(self.base, protocol.CLIENT_PATH))
        return respond(request, html, "text/html; charset=utf-8")

    # -- errors -----------------------------------------------------------------------------

    def _report(
        self, exc: BaseException, url: str, id: str, *, during_update: bool = False
    ) -> protocol.ErrorInfo:
        """Log a build error and broadcast it to the overlay."""
        _, syntax_error = _transform_api()
        if isinstance(exc, (syntax_error, UnresolvedImportError)):
            diagnostic = exc.diagnostic  # type: ignore[attr-defined]
            frame = exc.render()  # type: ignore[attr-defined]
            info = protocol.ErrorInfo(
                message=str(diagnostic.message),
                id=id,
                frame=frame,
                loc=protocol.ErrorLocation(id, diagnostic.line, diagnostic.column),
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
        missing = exc.missing if isinstance(exc, UnresolvedImportError) else ()
        self.graph.record_failure(url, id if os.path.isabs(id) else None, missing)
        info = self._report(exc, url, id)
        body = fill_template(
            template("error-module.js"),
            {"ERROR": {"message": info.message, "frame": info.frame or "", "id": url}},
        )
        return respond(request, body, JS_MIME, status=500)
