"""The aiohttp application: middlewares in a fixed order, then one dispatcher.

Order matters (reference/vite-hmr.md §3.5): (1) refuse request-targets no browser sends (400),
before anything looks at the path; (2) refuse unknown ``Host`` names (403, DNS rebinding);
(3) CORS (``shaker.dev.backend``): the origins of ``server.cors`` (pages on localhost by
default, as in Vite) may read answers, any other site's page cannot; (4) dispatch: the
WebSocket, ``/@shaker/*`` client files (and ``<base>@vite/client``), ``/@id/`` virtual modules,
``/@fs/`` allowed files outside the root, then project files. Every file path goes through
``fs_guard.guard_path`` after canonicalisation and after plugin resolution. With
``server.proxy``, what the dispatcher does not serve (404, or a method other than GET/HEAD)
goes to the backend (``shaker.dev.proxy``).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from shaker import protocol
from shaker.dev.backend import VITE_CLIENT_PATH, cors_middleware, vite_client_module
from shaker.dev.imports import FS_PREFIX, VIRTUAL_PREFIX, virtual_id
from shaker.dev.modules import REACT_REFRESH_PATH
from shaker.dev.prebundle import DEPS_URL, IMMUTABLE
from shaker.pipeline.kinds import JS_MIME
from shaker.web.cors import CorsPolicy
from shaker.web.fs_guard import Target, guard_path, parse_target
from shaker.web.responses import plain, respond

if TYPE_CHECKING:
    from shaker.config import Config
    from shaker.dev.client_assets import ClientAssets
    from shaker.dev.hot_channel import HotChannel
    from shaker.dev.modules import ModuleServer
    from shaker.dev.prebundle import Prebundler
    from shaker.dev.proxy import BackendProxy
    from shaker.pipeline.plugins import PluginContainer
    from shaker.web.fs_guard import DenyList


class ServerParts(Protocol):
    """What the app serves from (structural: this module never imports ``DevServer``)."""

    root: Path
    config: Config
    allowed_roots: tuple[Path, ...]
    deny: DenyList
    client: ClientAssets
    modules: ModuleServer
    plugins: PluginContainer
    ws: HotChannel
    ws_path: str
    proxy: BackendProxy | None
    prebundle: Prebundler

TARGET_KEY = web.RequestKey("shaker.target", Target)
_CLIENT_PREFIX = protocol.CLIENT_PATH.rsplit("/", 1)[0] + "/"  # "/@shaker/"


@web.middleware
async def reject_invalid_request(request: web.Request, handler: Handler) -> web.StreamResponse:
    """400 for ``#``, NUL, backslashes, ``..``, double encoding (CVE-2025-32395 and kin)."""
    target = parse_target(request.raw_path)
    if not target.ok:
        return plain(400, f"Bad request: {target.reason}")
    request[TARGET_KEY] = target
    return await handler(request)


def host_check(server: ServerParts) -> Middleware:
    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        """403 for a ``Host`` not in ``allowed_hosts`` (DNS rebinding)."""
        host = request.headers.get("Host")
        if not server.ws.allowed_hosts.allows(host):
            name = (host or "").split(":")[0]
            return plain(
                403,
                f'Blocked request. This host ("{name}") is not allowed.\n'
                f'To allow this host, add "{name}" to server.allowed_hosts in shaker.config.py.',
            )
        return await handler(request)

    return check


class Dispatcher:
    """Maps a canonical URL path to the component that answers it."""

    def __init__(self, server: ServerParts) -> None:
        self.server = server
        self.base = server.config.base
        self.ws_path = server.ws_path

    def _strip_base(self, path: str) -> str | None:
        if self.base == "/" or path.startswith(_CLIENT_PREFIX):
            return path
        if path == self.base.rstrip("/"):
            return "/"
        if path.startswith(self.base):
            return path[len(self.base) - 1 :]
        return None

    def reserved(self, request: web.Request) -> bool:
        """Whether the request is for this server's own URLs (``/@shaker/``, ``<base>@...``,
        the WebSocket), which never go to a ``server.proxy`` backend."""
        path = request[TARGET_KEY].path
        stripped = self._strip_base(path)
        return path == self.ws_path or (stripped or "").startswith("/@")

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Dispatch; with ``server.proxy``, what is not served here goes to the backend."""
        response = await self.dispatch(request)
        proxy = self.server.proxy
        if proxy is not None and response.status in (404, 405) and not self.reserved(request):
            return await proxy.forward(request)
        return response

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        target = request[TARGET_KEY]
        if target.path == self.ws_path:
            return await self.server.ws.handle(request)
        if request.method not in ("GET", "HEAD"):
            return plain(405, "Method not allowed")
        path = self._strip_base(target.path)
        if path is None:
            return plain(404, f"Not found (the server is configured with base {self.base!r})")
        if path.startswith(_CLIENT_PREFIX):
            return self.server.client.serve(request, path[len(_CLIENT_PREFIX) :])
        if path == VITE_CLIENT_PATH:
            return respond(request, vite_client_module(self.base), JS_MIME)
        if path.startswith(DEPS_URL):
            found = await self._serve_dep(request, path[len(DEPS_URL):])
            if found is not None:
                return found
        modules = self.server.modules
        if path.startswith(VIRTUAL_PREFIX):
            id = virtual_id(path[len(VIRTUAL_PREFIX) :])
            if os.path.isabs(id):  # a file path: the same rules as any file, before any plugin
                access = guard_path(Path(os.path.normpath(id)), self.server.allowed_roots,
                                    self.server.deny)
                if access.status != 200:
                    return plain(access.status, "Not found" if access.status == 404 else
                                 f"403 Restricted: {path} is outside the serving allow list")
            return await modules.serve_virtual(request, id)
        if path == REACT_REFRESH_PATH:
            return modules.serve_react_refresh(request)
        if path.startswith(FS_PREFIX + "/"):
            return await self._serve_path(request, Path(path[len(FS_PREFIX) :]), path, target)
        plugins = self.server.plugins
        if plugins.has("resolve_id"):
            resolved = await plugins.resolve_request(path)
            if resolved is not None:
                if not os.path.isabs(resolved):
                    return await modules.serve_virtual(request, resolved)
                return await self._serve_path(request, Path(resolved), path, target)
        public = self.server.root / "public"  # served as it is, at the root, as in Vite
        if path != "/" and (public / path[1:]).is_file():
            access = guard_path(public / path[1:], self.server.allowed_roots, self.server.deny)
            if access.status == 200 and access.path is not None:
                return modules.serve_static(access.path)
        return await self._serve_path(request, self.server.root.joinpath(path[1:]), path, target)

    async def _serve_dep(self, request: web.Request, name: str) -> web.StreamResponse | None:
        """A pre-bundled dependency (``shaker.dev.prebundle``): immutable under the current
        ``?v=``; None when it is not one (then the path is served as any other)."""
        prebundle = getattr(self.server, "prebundle", None)
        if prebundle is None or not prebundle.enabled:
            return None
        await prebundle.wait()
        file = prebundle.file(name)
        meta = prebundle.meta
        if file is None or meta is None:
            return None
        try:
            body = await asyncio.to_thread(file.read_bytes)
        except OSError:
            return plain(404, "Not found")
        response = respond(request, body, JS_MIME)
        if request.query.get("v") == meta.browser_hash:
            response.headers["Cache-Control"] = IMMUTABLE
        return response

    async def _serve_path(
        self, request: web.Request, candidate: Path, url: str, target: Target
    ) -> web.StreamResponse:
        server = self.server
        access = guard_path(candidate, server.allowed_roots, server.deny)
        if access.status == 403:
            return plain(403, f"403 Restricted: {url} is outside the serving allow list")
        if access.status != 200 or access.path is None:
            return plain(404, "Not found")
        real = access.path
        if real.is_dir():
            if not (target.trailing_slash or not target.segments):
                location = self.base.rstrip("/") + url.rstrip("/") + "/"
                if request.query_string:
                    location += "?" + request.query_string
                raise web.HTTPMovedPermanently(location)
            index = guard_path(real / "index.html", server.allowed_roots, server.deny)
            if index.status != 200 or index.path is None:
                return plain(index.status if index.status == 403 else 404, "Not found")
            return await server.modules.serve_file(
                request, url.rstrip("/") + "/index.html", index.path
            )
        if target.trailing_slash:
            return plain(404, "Not found")
        return await server.modules.serve_file(request, url, real)


def create_app(server: ServerParts) -> web.Application:
    """The application for ``server``; the caller runs it (``DevServer.start`` or a test)."""
    dispatcher = Dispatcher(server)
    policy = CorsPolicy.from_config(server.config.server.cors)
    proxy = server.proxy
    forwarded = (lambda request: False) if proxy is None else (
        lambda request: not dispatcher.reserved(request))
    app = web.Application(middlewares=[reject_invalid_request, host_check(server),
                                       cors_middleware(policy, forwarded)])
    app.router.add_route("*", "/{tail:.*}", dispatcher.handle)
    return app
