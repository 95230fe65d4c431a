"""Serving project files as the browser needs them in development.

- JavaScript (``.js``, ``.mjs``) goes through plugin ``load``/``transform`` hooks, then shaker's
  development transform (which installs ``import.meta.hot``); CSS and JSON import specifiers
  get ``?import`` so their requests come back here as modules.
- CSS requested as a module (``?import`` or ``Sec-Fetch-Dest: script``) becomes a
  self-accepting module that injects a ``<style>``; otherwise it is plain CSS.
- JSON requested as a module becomes ``export default <value>``.
- HTML pages go through ``transform_index_html`` hooks and get the client script injected.
- Anything else is a static file with a fixed MIME table.

Results are cached by (file, mtime, size) and carry an ETag, so an unchanged module costs a
``stat`` and a 304. A build error answers 500 with a module that throws, and is broadcast as an
``error`` payload so the overlay shows it. ``module_files`` maps every module URL served so far
to its file: the file watcher (hot updates) starts from it.
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
from shaker.server.client_assets import join_base
from shaker.server.fs_guard import query_flags
from shaker.server.plugins import PluginContainer, PluginError
from shaker.server.responses import (
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
    ) -> None:
        self.root = root
        self.allowed_roots = allowed_roots
        self.base = base
        self.define = dict(define)
        self.plugins = plugins
        self.broadcast = broadcast
        self.module_files: dict[str, Path] = {}
        self.transform_results: dict[str, Any] = {}
        self._cache: dict[tuple[str, str, str], _Cached] = {}

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
        key = str(file)
        for cache_key in [k for k in self._cache if k[0] == key]:
            del self._cache[cache_key]

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
        if name.endswith(JS_SUFFIXES):
            kind = "js"
        elif as_module and name.endswith(".css"):
            kind = "css"
        elif as_module and name.endswith(".json"):
            kind = "json"
        else:
            headers = dict(BASE_HEADERS)
            headers["Content-Type"] = mime_type(name)
            return web.FileResponse(file, headers=headers)
        stat = file.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        key = (str(file), kind, url)
        cached = self._cache.get(key)
        if cached is None or cached.stamp != stamp:
            try:
                source = await self.plugins.load(str(file)) if self.plugins.has("load") else None
                if source is None:
                    source = file.read_bytes().decode("utf-8")
                body = await self._build(kind, source, str(file), url)
            except Exception as exc:
                return self._error(request, exc, url, str(file))
            data = body.encode()
            cached = _Cached(stamp, data, etag_for(data), JS_MIME)
            self._cache[key] = cached
        self.module_files[url] = file
        return respond(request, cached.body, cached.content_type, etag=cached.etag)

    async def serve_virtual(self, request: web.BaseRequest, id: str) -> web.StreamResponse:
        """Answer for ``/@id/<id>``: only what a plugin's ``load`` returns, never the disk."""
        url = virtual_url(id)
        try:
            source = await self.plugins.load(id)
            if source is None:
                return respond(request, f"no plugin loads {id!r}\n", "text/plain", status=404)
            lower = id.lower().split("?")[0]
            kind = "css" if lower.endswith(".css") else "json" if lower.endswith(".json") else "js"
            body = await self._build(kind, source, id, url)
        except Exception as exc:
            return self._error(request, exc, url, id)
        return respond(request, body, JS_MIME)

    # -- builds -----------------------------------------------------------------------------

    async def _build(self, kind: str, source: str, id: str, url: str) -> str:
        code = await self.plugins.transform(source, id)
        if kind == "json":
            return fill_template(template("json-module.js"), {"JSON": json.loads(code)})
        if kind == "css":
            code = fill_template(template("css-module.js"), {"ID": url, "CSS": code})
        return await self._dev_transform(code, id, url)

    async def _dev_transform(self, code: str, id: str, url: str) -> str:
        transform, _ = _transform_api()
        filename = id if os.path.isabs(id) else url
        options = {
            "filename": filename,
            "mode": "development",
            "url": url,
            "define": self.define,
            "base": self.base,
        }
        result = transform(code, rewrite_import=add_import_query, **options)
        if self.plugins.has("resolve_id"):
            resolved: dict[str, str] = {}
            for record in result.imports:
                spec = record.specifier
                if is_bare(spec) and spec not in resolved:
                    answer = await self.plugins.resolve_id(spec, url)
                    if answer is not None:
                        resolved[spec] = self.url_for_id(answer)
            if resolved:

                def rewrite(spec: str) -> str | None:
                    return resolved.get(spec) or add_import_query(spec)

                result = transform(code, rewrite_import=rewrite, **options)
        for diagnostic in result.diagnostics:
            logger.warning(
                "%s:%s:%s: %s", filename, diagnostic.line, diagnostic.column, diagnostic.message
            )
        self.transform_results[url] = result
        return str(result.code)

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
        html = inject_client(html, join_base(self.base, protocol.CLIENT_PATH))
        return respond(request, html, "text/html; charset=utf-8")

    # -- errors -----------------------------------------------------------------------------

    def _report(self, exc: BaseException, url: str, id: str) -> protocol.ErrorInfo:
        """Log a build error and broadcast it to the overlay."""
        _, syntax_error = _transform_api()
        if isinstance(exc, syntax_error):
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
        self.broadcast(protocol.ErrorPayload(info))
        return info

    def _error(
        self, request: web.BaseRequest, exc: BaseException, url: str, id: str
    ) -> web.Response:
        info = self._report(exc, url, id)
        body = fill_template(
            template("error-module.js"),
            {"ERROR": {"message": info.message, "frame": info.frame or "", "id": url}},
        )
        return respond(request, body, JS_MIME, status=500)
