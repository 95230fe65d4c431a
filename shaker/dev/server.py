"""``DevServer``: one project root, one config, one port; what plugins get as ``server``.

>>> # inside a coroutine:
>>> # server = DevServer(Path("."), Config())
>>> # await server.start(); print(server.urls.local); await server.close()
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import ipaddress
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from shaker import protocol
from shaker.bundle.model import Link
from shaker.config import Config, resolve_base, staged_outdir
from shaker.dev.app import create_app
from shaker.dev.backend import ReloadGlobs, reload_payload
from shaker.dev.client_assets import ClientAssets, client_settings, join_base
from shaker.dev.graph import ModuleGraph
from shaker.dev.hmr import HotUpdates
from shaker.dev.hot_channel import HotChannel
from shaker.dev.imports import under_base
from shaker.dev.modules import ModuleServer
from shaker.dev.prebundle import Prebundler, Settings, default_link
from shaker.dev.proxy import BackendProxy
from shaker.dev.watch import IGNORED_DIRS, FileChange, FileWatcher
from shaker.pipeline.env import load_env
from shaker.pipeline.plugins import PluginContainer
from shaker.web.cors import CorsPolicy
from shaker.web.fs_guard import DenyList
from shaker.web.hosts import AllowedHosts, is_ip_literal
from shaker.web.limits import (
    ConnectionCap,
    abort_connections,
    connection_limit,
    runner_options,
)
from shaker.web.listen import LOOPBACK_NAMES, WILDCARD_HOSTS, network_addresses
from shaker.web.logsafe import printable

logger = logging.getLogger("shaker")

MAX_PORT_ATTEMPTS = 30
SHUTDOWN_TIMEOUT = 3.0
"""Seconds ``DevServer.close`` takes at most: then every socket still open is aborted."""


class PortInUseError(OSError):
    """The configured port is taken and ``strict_port`` forbids moving (or no port is free)."""


@dataclass(frozen=True)
class ServerUrls:
    local: tuple[str, ...]
    network: tuple[str, ...]


def _url(host: str, port: int, base: str) -> str:
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}{base}"


class BuildOutputs:
    """Output directories inside the watched roots, whose changes reload no page.

    A build or tree transform writes a staging directory ``.<name>.shaker-*`` beside its
    output ``<name>``, renames it into place, and deletes the old tree under a staging name
    too (``shaker.build.outdir.Staging``). The staging files would otherwise arrive as
    changes (an ``index.html`` among them means a full reload), and so would the output
    directory appearing by rename. The first staging path seen names the output, whatever
    ``--outdir`` the build was given, and everything under it is dropped from then on; the
    configured ``build.outdir`` is known from the start.
    """

    def __init__(self, known: Iterable[Path] = ()) -> None:
        self.dirs: set[Path] = set(known)

    def filter(self, changes: Sequence[FileChange]) -> list[FileChange]:
        """The changes that are not build output, after learning outputs from this batch."""
        kept = []
        for change in changes:
            if not self._learn(change.path):
                kept.append(change)
        return [c for c in kept if not self._inside(c.path)]

    def _learn(self, path: Path) -> bool:
        """Record the output a staging path belongs to; whether ``path`` is a staging path."""
        for parent in (path, *path.parents):
            outdir = staged_outdir(parent.name)
            if outdir is not None:
                self.dirs.add(parent.with_name(outdir))
                return True
        return False

    def _inside(self, path: Path) -> bool:
        return path in self.dirs or any(parent in self.dirs for parent in path.parents)


def _logged_broadcast(send: Callable[[protocol.HotPayload], None]
                      ) -> Callable[[protocol.HotPayload], None]:
    """``send`` for payloads the server builds (an error for the overlay): one that cannot be
    encoded (a file name that is not UTF-8) is logged instead of failing the request."""

    def broadcast(payload: protocol.HotPayload) -> None:
        try:
            send(payload)
        except protocol.ProtocolError as exc:
            logger.warning("not sent to the pages: %s", printable(exc))

    return broadcast


class DevServer:
    """The development server. Plugins use ``server.ws``, ``server.config``, ``server.root``."""

    def __init__(self, root: Path, config: Config, *, debug: bool = False,
                 force: bool = False, link: Link | None = None) -> None:
        self.root = Path(root).resolve()
        serve_base = resolve_base(config.base, build=False)  # './' and full URLs serve a path
        if serve_base != config.base:
            config = dataclasses.replace(config, base=serve_base)
        self.config = config
        self.debug = debug
        self.token = secrets.token_urlsafe(9)  # 72 bits, new on every start, like Vite's
        server = config.server
        names: list[str] = []
        if isinstance(server.allowed_hosts, tuple):  # True: any host; False: none extra
            names.extend(server.allowed_hosts)
        origin_host = urlsplit(server.origin).hostname if server.origin else None
        for extra in (server.host, server.hmr.host, origin_host):
            if extra and extra not in WILDCARD_HOSTS and not is_ip_literal(extra):
                names.append(extra)
        allowed: AllowedHosts = AllowedHosts(True if server.allowed_hosts is True else names)
        self.ws_path = join_base(config.base, server.hmr.path or protocol.WS_PATH)
        """Where the hot channel listens (``base`` + ``hmr.path``)."""
        self.ws = HotChannel(
            token=self.token,
            allowed_hosts=allowed,
            trusted_origin_hosts=frozenset(n.lower() for n in names if not n.startswith(".")),
            max_message_bytes=server.max_message_bytes,
            debug=debug,
            cors=CorsPolicy.from_config(server.cors),
        )
        self.allowed_roots = (
            self.root,
            *((self.root / entry).resolve() for entry in server.fs_allow),
        )
        self.reload_globs = ReloadGlobs(self.root, server.watch.reload)
        """``server.watch.reload``: watched, never served; a change reloads every page."""
        self.deny = DenyList((*server.fs_deny, *self.reload_globs.deny_patterns))
        self.plugins = PluginContainer(config.plugins)
        self.graph = ModuleGraph()
        """Every module served: imports, importers, accept facts (``shaker.dev.graph``)."""
        self.modules = ModuleServer(
            root=self.root,
            allowed_roots=self.allowed_roots,
            base=config.base,
            define=config.define,
            plugins=self.plugins,
            broadcast=_logged_broadcast(self.ws.send),
            graph=self.graph,
            on_prune=lambda urls: self.hmr.pruned(urls),
            env=load_env(self.root, "development"),
            origin=server.origin or "",
        )
        self.hmr = HotUpdates(self)
        deps = config.optimize_deps
        self.prebundle = Prebundler(
            self.root, self.modules.options, self.plugins, self.modules.run_job,
            link if link is not None else default_link(),
            Settings(include=deps.include, exclude=deps.exclude, entries=config.build.entries,
                     outdir=config.build.outdir, force=force, disabled=deps.disabled),
            on_rebundle=self._deps_changed)
        """Pre-bundled dependencies (``shaker.dev.prebundle``), made when the server starts."""
        if self.prebundle.enabled:
            self.modules.optimized = self.prebundle.url_for
            self.modules.wait_for_deps = self.prebundle.wait
        """Hot updates: ``handle_changes`` (the watcher's callback), ``reload_module``."""
        self.watcher: FileWatcher | None = None
        self.build_outputs = BuildOutputs()
        """Output directories whose changes are ignored (``start_watching`` fills it)."""
        ws_path = server.hmr.path or protocol.WS_PATH
        self.client = ClientAssets(client_settings(config, self.token, ws_path))
        self.proxy = (BackendProxy(server.proxy, client_src=under_base(protocol.CLIENT_PATH,
                                                                      config.base))
                      if server.proxy else None)
        """``server.proxy``: the backend that gets what this server does not serve."""
        self.app: web.Application | None = None
        self.port: int | None = None
        self.urls = ServerUrls((), ())
        self._runner: web.AppRunner | None = None
        self.connections: ConnectionCap | None = None
        """Refuses connections over the descriptor budget (``shaker.web.limits``)."""

    @property
    def module_files(self) -> dict[str, Path]:
        """Module URL → file, for every module served so far (the watcher's starting point)."""
        return self.modules.module_files

    def reload_module(self, path: str | Path) -> asyncio.Task[None]:
        """Hot-update a module as if its file changed (a module URL, file path or plugin id),
        e.g. a virtual module whose content a plugin changed; returns an awaitable task."""
        return self.hmr.reload_module(path)

    async def setup(self) -> web.Application:
        """Run ``configure_server`` hooks and build the app, without binding a port; start
        pre-bundling the dependencies (module requests wait for it)."""
        if self.app is None:
            await self.plugins.configure_server(self)
            self.app = create_app(self)
            self.prebundle.start()
        return self.app

    def _deps_changed(self, added: list[str]) -> None:
        """New dependencies were pre-bundled: modules are built again with their URLs, and
        every page reloads to load them."""
        self.modules.clear_cache()
        reason = "new dependencies pre-bundled: " + ", ".join(added)
        logger.info("page reload (%s)", reason)
        self.ws.send(protocol.FullReload(path="*", reason=reason))

    async def start(self) -> None:
        """Bind ``server.host``:``server.port``, moving up to a free port unless ``strict_port``."""
        app = await self.setup()
        runner = web.AppRunner(app, **runner_options())
        await runner.setup()
        assert runner.server is not None
        self.connections = ConnectionCap(connection_limit())
        self.connections.install(runner.server)
        settings = self.config.server
        host = settings.host or "localhost"
        bind_host: str | None = None if host in WILDCARD_HOSTS else host
        port = settings.port
        try:
            for _attempt in range(MAX_PORT_ATTEMPTS):
                site = web.TCPSite(runner, bind_host, port)
                try:
                    await site.start()
                    break
                except OSError as exc:
                    await site.stop()
                    if exc.errno != errno.EADDRINUSE:
                        raise
                    if settings.strict_port or port == 0:
                        raise PortInUseError(errno.EADDRINUSE, f"Port {port} is in use") from exc
                    logger.info("Port %d is in use, trying another one...", port)
                    port += 1
            else:
                raise PortInUseError(errno.EADDRINUSE, f"No free port up to {port}")
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        self.urls = self._compute_urls(host, self.port)
        await self.start_watching()

    async def start_watching(self) -> None:
        """Start the file watcher behind hot updates (``start`` does it; tests may too)."""
        if self.watcher is not None:
            return
        watch = self.config.server.watch
        outdir = Path(self.config.build.outdir).name
        self.build_outputs = BuildOutputs([(self.root / self.config.build.outdir).resolve()])
        self.watcher = FileWatcher(
            self.root,
            self._on_file_changes,
            ignored=watch.ignored,
            ignored_dirs=(*IGNORED_DIRS, outdir) if outdir else IGNORED_DIRS,
            use_polling=watch.use_polling,
            poll_interval_ms=watch.interval,
            debounce_ms=watch.debounce,
            extra_roots=(*self.allowed_roots[1:], *self.reload_globs.watch_roots),
        )
        try:
            await self.watcher.start()
        except OSError as exc:
            logger.warning("file watcher not started (%s): no hot updates", exc)
            self.watcher = None

    async def _on_file_changes(self, changes: list[FileChange]) -> None:
        """The watcher's callback: hot updates for every change that is not build output."""
        changes = self.build_outputs.filter(changes)
        reloads = [c.path for c in changes if self.reload_globs.matches(c.path)]
        if reloads:
            payload = reload_payload(reloads, self.root, self.config.server.watch.reload_delay)
            logger.info("page reload %s", payload.reason)
            self.ws.send(payload)
            changes = [c for c in changes if c.path not in reloads]
        if changes:
            await self.hmr.handle_changes(changes)

    def _compute_urls(self, host: str, port: int) -> ServerUrls:
        base = self.config.base
        if host in WILDCARD_HOSTS:
            network = tuple(_url(a, port, base) for a in network_addresses())
            return ServerUrls((_url("localhost", port, base),), network)
        try:
            loopback = host in LOOPBACK_NAMES or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host.endswith(".localhost")
        if loopback:
            return ServerUrls((_url(host, port, base),), ())
        return ServerUrls((), (_url(host, port, base),))

    @property
    def exposed(self) -> bool:
        """Whether the server listens beyond this machine (the banner then warns)."""
        return bool(self.urls.network) or self.config.server.host in WILDCARD_HOSTS

    async def close(self, timeout: float = SHUTDOWN_TIMEOUT) -> None:
        """Stop watching; close every WebSocket (1001), then the listening sockets; all of it
        within ``timeout`` seconds, after which every connection still open is aborted."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        runner, self._runner = self._runner, None
        if self.watcher is not None:
            watcher, self.watcher = self.watcher, None
            try:
                await asyncio.wait_for(watcher.stop(), max(0.1, deadline - loop.time()))
            except asyncio.TimeoutError:
                logger.warning("the file watcher did not stop in time")
        await self.ws.close(max(0.1, deadline - loop.time() - 0.5))
        await self.prebundle.close()
        self.modules.close()
        if self.proxy is not None:
            await self.proxy.close()
        if runner is not None:
            server = runner.server
            try:
                await asyncio.wait_for(runner.cleanup(), max(0.1, deadline - loop.time()))
            except asyncio.TimeoutError:
                aborted = abort_connections(server)
                logger.warning("shutdown deadline (%g s) passed: aborted %d connection(s)",
                               timeout, aborted)
