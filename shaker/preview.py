"""``shaker preview``: serve a built ``dist/`` the way a production static host would.

No client, no WebSocket, no transform: files as they are, with correct MIME types, gzip for
text files up to ``GZIP_MAX_BYTES`` (compressed once, in a thread, and cached), every other
file streamed from disk with ``Range`` support, ``Cache-Control: immutable`` for
content-hashed assets (their name changes whenever their content does), ``no-cache`` plus an
ETag for everything else, and an SPA fallback to ``index.html`` for page requests that match
no file.  The dev server's security defaults
apply unchanged, through the same code: request-targets are canonicalised and refused by
``fs_guard`` (``..``, double encoding, NUL, backslashes), every file goes through
``guard_path`` with the ``server.fs_deny`` list, unknown ``Host`` names are refused (DNS
rebinding), it binds ``localhost`` unless told otherwise, and no response allows
cross-origin reads.

>>> is_hashed("assets/main-1a2b3c4d.js"), is_hashed("index.html"), is_hashed("logo.png")
(True, False, False)
"""

from __future__ import annotations

import asyncio
import errno
import gzip
import ipaddress
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from shaker.config import DEFAULT_FS_DENY
from shaker.pipeline.kinds import mime_type
from shaker.web.fs_guard import DenyList, guard_path, parse_target
from shaker.web.hosts import AllowedHosts, is_ip_literal
from shaker.web.limits import (
    ConnectionCap,
    abort_connections,
    connection_limit,
    runner_options,
)
from shaker.web.listen import LOOPBACK_NAMES, WILDCARD_HOSTS, network_addresses
from shaker.web.responses import BASE_HEADERS, etag_for, not_modified, plain

DEFAULT_PORT = 4173
IMMUTABLE = "public, max-age=31536000, immutable"
_HASHED = re.compile(r"(?:^|/)[^/]+-[0-9a-fA-F]{8,}\.[A-Za-z0-9]+$")
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml",
                 "application/manifest+json", "application/xml", "application/wasm")
_MIN_GZIP = 256
GZIP_MAX_BYTES = 1024 * 1024
"""Text files up to this size are served gzipped from memory; larger ones are streamed."""
_DEV_ONLY = frozenset({"@shaker", "@fs", "@id", "@vite"})  # dev-server URLs: never a page
MAX_PORT_ATTEMPTS = 30
SHUTDOWN_TIMEOUT = 3.0


def is_hashed(path: str) -> bool:
    """A file whose name carries a content hash, so it can be cached forever."""
    return bool(_HASHED.search(path))


@dataclass
class _Cached:
    stamp: tuple[int, int]
    body: bytes
    gzipped: bytes | None
    etag: str


class PreviewApp:
    """Answers requests for one output directory."""

    def __init__(self, outdir: Path, *, base: str = "/",
                 allowed_hosts: Sequence[str] | bool = (),
                 deny: Sequence[str] = DEFAULT_FS_DENY) -> None:
        self.outdir = outdir.resolve()
        self.base = base
        self.hosts = AllowedHosts(True if allowed_hosts is True else list(allowed_hosts or ()))
        self.deny = DenyList(deny)
        self._cache: dict[Path, _Cached] = {}

    async def handle(self, request: web.Request) -> web.StreamResponse:
        target = parse_target(request.raw_path)
        if not target.ok:
            return plain(400, f"Bad request: {target.reason}")
        if not self.hosts.allows(request.headers.get("Host")):
            name = (request.headers.get("Host") or "").split(":")[0]
            return plain(403, f'Blocked request. This host ("{name}") is not allowed. '
                         "Add it to server.allowed_hosts in shaker.config.py.")
        if request.method not in ("GET", "HEAD"):
            return plain(405, "Method not allowed")
        path = target.path
        if self.base != "/":
            if not (path + "/").startswith(self.base):
                return plain(404, f"Not found (the site is served under {self.base})")
            path = "/" + path[len(self.base):]
        segments = tuple(s for s in path.split("/") if s)
        if segments and segments[0] in _DEV_ONLY:
            return plain(404, "Not found: shaker preview serves the build (no dev client, "
                         "no hot channel)")
        access = guard_path(self.outdir.joinpath(*segments), (self.outdir,), self.deny)
        if access.status == 403:
            return plain(403, "Forbidden")
        if access.path is not None and access.path.is_dir():
            if segments and not target.trailing_slash:
                raise web.HTTPMovedPermanently(self.base + "/".join(segments) + "/")
            access = guard_path(access.path / "index.html", (self.outdir,), self.deny)
        if access.status == 200 and access.path is not None and access.path.is_file():
            return await self._file(request, access.path)
        fallback = self._fallback(request, segments)
        if fallback is not None:
            return await self._file(request, fallback)
        return plain(404, "Not found")

    def _fallback(self, request: web.Request, segments: tuple[str, ...]) -> Path | None:
        """The page for a client-side route: ``/about`` → ``about.html``, else ``index.html``."""
        accept = request.headers.get("Accept", "")
        last = segments[-1] if segments else ""
        if "text/html" not in accept and "*/*" not in accept:
            return None
        if "." in last and not last.endswith(".html"):
            return None  # a missing asset is a 404, not a page
        candidates = [self.outdir / "index.html"]
        if segments and not last.endswith(".html"):
            candidates.insert(0, self.outdir.joinpath(*segments[:-1], last + ".html"))
        for candidate in candidates:
            access = guard_path(candidate, (self.outdir,), self.deny)
            if access.status == 200 and access.path is not None and access.path.is_file():
                return access.path
        return None

    async def _file(self, request: web.Request, path: Path) -> web.StreamResponse:
        stat = os.stat(path)
        stamp = (stat.st_mtime_ns, stat.st_size)
        content_type = mime_type(path.name)
        rel = path.relative_to(self.outdir).as_posix()
        headers = dict(BASE_HEADERS)
        headers["Cache-Control"] = IMMUTABLE if is_hashed(rel) else "no-cache"
        compressible = (content_type.startswith(_COMPRESSIBLE)
                        and _MIN_GZIP <= stat.st_size <= GZIP_MAX_BYTES)
        if not compressible or "Range" in request.headers:
            # Streamed from disk (sendfile), with Range, If-None-Match and a stat-based ETag.
            headers["Content-Type"] = content_type
            return web.FileResponse(path, headers=headers)
        cached = self._cache.get(path)
        if cached is None or cached.stamp != stamp:
            cached = await asyncio.to_thread(_load, path, stamp)
            self._cache[path] = cached
        headers["ETag"] = cached.etag
        if cached.gzipped is not None:
            headers["Vary"] = "Accept-Encoding"
        if not_modified(request, cached.etag):
            return web.Response(status=304, headers=headers)
        headers["Content-Type"] = content_type
        body = cached.body
        if cached.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
            headers["Content-Encoding"] = "gzip"
            body = cached.gzipped
        return web.Response(body=body, headers=headers)


def _load(path: Path, stamp: tuple[int, int]) -> _Cached:
    """Read and compress one small text file (in a worker thread)."""
    body = path.read_bytes()
    gzipped: bytes | None = gzip.compress(body, 6, mtime=0)
    if gzipped is not None and len(gzipped) >= len(body):
        gzipped = None
    return _Cached(stamp, body, gzipped, etag_for(body))


def create_preview_app(outdir: Path, *, base: str = "/",
                       allowed_hosts: Sequence[str] | bool = (),
                       deny: Sequence[str] = DEFAULT_FS_DENY) -> web.Application:
    """The aiohttp application serving ``outdir`` (tests run it in-process).

    ``allowed_hosts``: extra ``Host`` names (``localhost`` and IP literals always pass), or
    True to disable the check (opt-in only, as in ``shaker dev``).
    """
    handler = PreviewApp(outdir, base=base, allowed_hosts=allowed_hosts, deny=deny)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler.handle)
    return app


class PreviewServer:
    """Binds the preview app: ``host``:``port``, moving up to a free port unless strict."""

    def __init__(self, outdir: Path, *, host: str = "localhost", port: int = DEFAULT_PORT,
                 strict_port: bool = False, base: str = "/",
                 allowed_hosts: Sequence[str] | bool = (),
                 deny: Sequence[str] = DEFAULT_FS_DENY) -> None:
        names: Sequence[str] | bool = True
        if allowed_hosts is not True:
            names = list(allowed_hosts or ())
            if host and host not in WILDCARD_HOSTS and not is_ip_literal(host):
                names.append(host)
        self.app = create_preview_app(outdir, base=base, allowed_hosts=names, deny=deny)
        self.host, self.port, self.strict_port, self.base = host, port, strict_port, base
        self._runner: web.AppRunner | None = None
        self.local: list[str] = []
        self.network: list[str] = []

    async def start(self) -> None:
        runner = web.AppRunner(self.app, **runner_options())
        await runner.setup()
        assert runner.server is not None
        ConnectionCap(connection_limit()).install(runner.server)
        bind = None if self.host in WILDCARD_HOSTS else self.host
        port = self.port
        try:
            for _attempt in range(MAX_PORT_ATTEMPTS):
                site = web.TCPSite(runner, bind, port)
                try:
                    await site.start()
                    break
                except OSError as exc:
                    await site.stop()
                    if exc.errno != errno.EADDRINUSE or self.strict_port or port == 0:
                        raise
                    port += 1
            else:
                raise OSError(errno.EADDRINUSE, f"no free port up to {port}")
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        self._urls()

    def _urls(self) -> None:
        def url(host: str) -> str:
            return f"http://{f'[{host}]' if ':' in host else host}:{self.port}{self.base}"

        if self.host in WILDCARD_HOSTS:
            self.local = [url("localhost")]
            self.network = [url(a) for a in network_addresses()]
            return
        try:
            loopback = self.host in LOOPBACK_NAMES or ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            loopback = self.host.endswith(".localhost")
        (self.local if loopback else self.network).append(url(self.host))

    @property
    def exposed(self) -> bool:
        return bool(self.network) or self.host in WILDCARD_HOSTS

    async def close(self, timeout: float = SHUTDOWN_TIMEOUT) -> None:
        """Stop listening and close every connection; after ``timeout`` seconds the ones
        still open (a client not reading a large file) are aborted."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            server = runner.server
            try:
                await asyncio.wait_for(runner.cleanup(), timeout)
            except asyncio.TimeoutError:
                abort_connections(server)


__all__ = ["DEFAULT_PORT", "PreviewServer", "create_preview_app", "is_hashed"]
