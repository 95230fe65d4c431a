"""``shaker dev``: the click command around ``DevServer``, restarted when its config changes.

The command loads the config through the one loader (refusing to start on a broken one),
applies flags over it (flags win), prints the banner and waits for Ctrl-C, then closes every
socket before exiting. Meanwhile it watches the config file it loaded, as Vite does: an edit
that loads starts a new ``DevServer`` on the same port in place of the old one (pages see
their socket close, poll until the server answers and reload); an edit that does not load is
reported with its file and line, and the old server keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import sys
import threading
import time
import traceback
import webbrowser
from collections.abc import Awaitable, Callable
from importlib import metadata
from pathlib import Path

import click

from shaker.cli.config import (
    load_project_config,
    parse_base,
    parse_host,
    read_config,
    render_config_error,
)
from shaker.cli.serving import echo_error, listen_error
from shaker.config import Config, ConfigError
from shaker.dev.server import DevServer
from shaker.pipeline.plugins import PluginError
from shaker.web.banner import render_banner
from shaker.web.lifecycle import until_interrupted

logger = logging.getLogger("shaker")


def _version() -> str:
    try:
        return metadata.version("shaker")
    except metadata.PackageNotFoundError:
        import shaker

        return str(getattr(shaker, "__version__", "0.0.0"))


class _EchoHandler(logging.Handler):
    """Log records to the terminal through click (looks up stderr at each write)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=True)
        except Exception:
            self.handleError(record)


def _configure_logging(debug: bool) -> None:
    logger = logging.getLogger("shaker")
    if not any(isinstance(h, _EchoHandler) for h in logger.handlers):
        handler = _EchoHandler()
        handler.setFormatter(
            logging.Formatter("%(asctime)s [shaker] %(levelname)s %(message)s", "%H:%M:%S")
        )
        logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if debug else logging.INFO)


def apply_flags(
    config: Config,
    *,
    port: int | None,
    host: str | None,
    open_browser: bool,
    strict_port: bool,
    base: str | None,
    poll: bool = False,
    proxy: str | None = None,
) -> Config:
    """Command-line flags over the config file's values (only the flags actually given)."""
    server: dict[str, object] = {}
    if proxy is not None:
        server["proxy"] = proxy
    if poll:
        server["watch"] = dataclasses.replace(config.server.watch, use_polling=True)
    if port is not None:
        server["port"] = port
    if host is not None:
        server["host"] = host
    if open_browser:
        server["open"] = True
    if strict_port:
        server["strict_port"] = True
    changes: dict[str, object] = {}
    if server:
        changes["server"] = dataclasses.replace(config.server, **server)
    if base is not None:
        changes["base"] = base  # Config applies the one base rule (shaker.config.resolve_base)
    return dataclasses.replace(config, **changes) if changes else config


@dataclasses.dataclass(frozen=True)
class DevFlags:
    """The flags ``shaker dev`` was given, kept to apply again over a reloaded config."""

    port: int | None = None
    host: str | None = None
    open_browser: bool = False
    strict_port: bool = False
    base: str | None = None
    poll: bool = False
    proxy: str | None = None

    def apply(self, config: Config) -> Config:
        return apply_flags(config, **dataclasses.asdict(self))


# -- watching the config file ---------------------------------------------------------------

DEBOUNCE_MS = 1_600
"""Longest wait before a burst of changes to the config is handled (watchfiles' debounce)."""
STEP_MS = 50
"""Quiet time that ends a burst: an editor's truncate-then-write restarts once."""


class ConfigWatcher:
    """Await ``on_change()`` after each burst of changes to one file.

    watchfiles watches the file's directory, not recursively (an editor that saves by
    renaming a new file over the old one replaces the inode a file watch would follow).
    It is the backend ``shaker.dev.watch`` uses, driven the same way: creating the notifier
    registers the watch, so once :meth:`start` returns every later change is seen.
    """

    def __init__(
        self,
        path: Path,
        on_change: Callable[[], Awaitable[None]],
        *,
        use_polling: bool = False,
        poll_interval_ms: int = 300,
    ) -> None:
        self.path = Path(path).resolve()
        self.on_change = on_change
        self.use_polling = use_polling
        self.poll_interval_ms = poll_interval_ms
        self._stop = threading.Event()
        self._task: asyncio.Task[None] | None = None
        self._notify: object | None = None

    async def start(self) -> None:
        from watchfiles._rust_notify import RustNotify

        self._stop.clear()
        notify = RustNotify([str(self.path.parent)], False, self.use_polling,
                            self.poll_interval_ms, False, True)
        self._notify = notify
        self._task = asyncio.create_task(self._run(notify), name="shaker-config-watcher")

    async def _run(self, notify: object) -> None:
        watch = notify.watch  # type: ignore[attr-defined]
        target = str(self.path)
        try:
            while True:
                raw = await asyncio.to_thread(watch, DEBOUNCE_MS, STEP_MS, 0, self._stop)
                if raw == "stop" or self._stop.is_set():
                    return
                if isinstance(raw, set) and any(path == target for _, path in raw):
                    try:
                        await self.on_change()
                    except Exception:
                        logger.exception("error while reloading %s", self.path)
        finally:  # cancelled too (Ctrl-C on Windows): the thread must not block the exit
            self._stop.set()

    async def stop(self) -> None:
        """Stop watching; idempotent."""
        self._stop.set()
        task, self._task = self._task, None
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        notify, self._notify = self._notify, None
        if notify is not None:
            notify.close()  # type: ignore[attr-defined]


# -- one `shaker dev` run -------------------------------------------------------------------


class DevSession:
    """The dev server of one ``shaker dev`` run, replaced by a new one when the config changes.

    ``config_path`` is the file the config came from (None: defaults, nothing to watch);
    ``flags`` are applied again over every reloaded config. ``on_reload(restarted)`` is told
    the outcome of each reload (tests wait on it).
    """

    def __init__(
        self,
        root: Path,
        config: Config,
        config_path: Path | None,
        flags: DevFlags = DevFlags(),
        *,
        debug: bool = False,
        on_reload: Callable[[bool], None] | None = None,
        force: bool = False,
    ) -> None:
        self.root = Path(root)
        self.config = config
        """The config as loaded, flags applied (the server may have moved off its port)."""
        self.config_path = config_path
        self.flags = flags
        self.debug = debug
        self.on_reload = on_reload
        self.server = DevServer(self.root, config, debug=debug, force=force)
        """``force``: pre-bundle the dependencies again, ignoring the cache (this server only:
        a restart after a config edit reuses what it made)."""
        self.exit_code = 0
        self.ended = asyncio.Event()
        """Set when the session cannot go on (a restarted server could not listen)."""
        self._watcher: ConfigWatcher | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Start the server, then watch the config; raises what ``DevServer.start`` raises."""
        await self.server.start()
        if self.config_path is not None:
            watch = self.config.server.watch
            watcher = ConfigWatcher(self.config_path, self.reload,
                                    use_polling=watch.use_polling,
                                    poll_interval_ms=watch.interval)
            try:
                await watcher.start()
            except Exception as exc:  # too many inotify watches, ...: serve all the same
                logger.warning("%s is not watched (%s): restart shaker dev after editing it",
                               self.config_path, exc)
            else:
                self._watcher = watcher

    async def reload(self) -> bool:
        """Load the config again and restart the server with it; False keeps the old one."""
        async with self._lock:
            restarted = await self._reload()
        if self.on_reload is not None:
            self.on_reload(restarted)
        return restarted

    async def _reload(self) -> bool:
        if self.config_path is None or self.ended.is_set():
            return False
        started = time.perf_counter()
        name = self.config_path.name
        try:
            config = self.flags.apply(read_config(self.root, self.config_path))
        except ConfigError as exc:
            echo_error(f"{render_config_error(exc)}\n  {name} changed but does not load; the "
                       "server keeps running with the previous config")
            return False
        except (TypeError, ValueError) as exc:  # the file's values with the flags over them
            echo_error(f"{name}: {exc}; the server keeps running with the previous config")
            return False
        old = self.server
        settings = config.server
        if old.port is not None and settings.port == self.config.server.port:
            # the same address, or open pages could not find the server again
            settings = dataclasses.replace(settings, port=old.port, strict_port=True)
        new = DevServer(self.root, dataclasses.replace(config, server=settings),
                        debug=self.debug)
        try:
            await new.setup()  # plugins' configure_server, while the old server still serves
        except PluginError as exc:
            await new.close()
            details = "".join(traceback.format_exception(exc.error))
            echo_error(f"{exc}\n{details}  the server keeps running with the previous config")
            return False
        await old.close()
        try:
            await new.start()
        except OSError as exc:
            await new.close()
            echo_error(listen_error(exc, settings.host, settings.port,
                                    strict=settings.strict_port)
                       + f"; {name} changed but the server could not restart")
            self.exit_code = 1
            self.ended.set()
            return False
        self.server, self.config = new, config
        click.echo(f"  {name} changed, server restarted")
        if (new.urls, new.exposed) != (old.urls, old.exposed):
            ready_ms = round((time.perf_counter() - started) * 1000)
            click.echo(render_banner(_version(), ready_ms, new.urls.local, new.urls.network,
                                     exposed=new.exposed))
        return True

    async def run_until_interrupted(self) -> int:
        """Serve until Ctrl-C (or until the session ends); the exit status."""
        interrupted = asyncio.create_task(until_interrupted())
        ended = asyncio.create_task(self.ended.wait())
        try:
            await asyncio.wait({interrupted, ended}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (interrupted, ended):
                task.cancel()
        return self.exit_code

    async def close(self) -> None:
        """Stop watching the config, then close the server (every socket)."""
        if self._watcher is not None:
            watcher, self._watcher = self._watcher, None
            await watcher.stop()
        async with self._lock:
            await self.server.close()


async def _serve(session: DevSession, started: float) -> int:
    settings = session.config.server
    try:
        await session.start()
    except OSError as exc:  # PortInUseError, a host that does not resolve, ...
        await session.close()
        echo_error(listen_error(exc, settings.host, settings.port, strict=settings.strict_port))
        return 1
    except PluginError as exc:
        await session.close()
        details = "".join(traceback.format_exception(exc.error))
        echo_error(f"{exc}\n{details}".rstrip())
        return 1
    server = session.server
    ready_ms = round((time.perf_counter() - started) * 1000)
    click.echo(
        render_banner(
            _version(), ready_ms, server.urls.local, server.urls.network, exposed=server.exposed
        )
    )
    if settings.proxy:
        click.echo(f"  ➜  Backend: {settings.proxy} (what shaker does not serve goes there)\n")
    if settings.open and (server.urls.local or server.urls.network):
        webbrowser.open((server.urls.local or server.urls.network)[0])
    try:
        return await session.run_until_interrupted()
    finally:
        click.echo("  shutting down…", err=True)
        await session.close()


@click.command("dev")
@click.argument(
    "root",
    default=".",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option("--port", type=click.IntRange(0, 65535), help="Port to listen on [default: 5173].")
@click.option(
    "--host",
    is_flag=False,
    flag_value="0.0.0.0",
    default=None,
    callback=parse_host,
    help="Address to listen on; --host alone exposes the server on every interface.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a browser.")
@click.option("--strict-port", is_flag=True, help="Exit if the port is in use.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Config file [default: ROOT/shaker.config.py]; edits to it restart the server.",
)
@click.option(
    "--debug",
    is_flag=True,
    help="Log every WebSocket frame, and how each hot update was decided.",
)
@click.option(
    "--poll",
    is_flag=True,
    help="Watch files by polling (containers, network drives, WSL's /mnt).",
)
@click.option("--base", default=None, callback=parse_base,
              help="Public base path [default: /].")
@click.option("--force", is_flag=True,
              help="Pre-bundle the dependencies again, ignoring node_modules/.shaker/deps.")
@click.option("--proxy", metavar="URL", default=None,
              help="Forward what the dev server does not serve to this backend "
                   "(http://127.0.0.1:8000), injecting the client into its pages.")
def dev(
    root: Path,
    port: int | None,
    host: str | None,
    open_browser: bool,
    strict_port: bool,
    config_file: Path | None,
    debug: bool,
    poll: bool,
    base: str | None,
    force: bool,
    proxy: str | None,
) -> None:
    """Serve ROOT with hot module replacement."""
    started = time.perf_counter()
    _configure_logging(debug)
    project = load_project_config(root, config_file)
    flags = DevFlags(port=port, host=host, open_browser=open_browser, strict_port=strict_port,
                     base=base, poll=poll, proxy=proxy)
    try:
        config = flags.apply(project.config)
    except (TypeError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None

    async def run() -> int:
        session = DevSession(root, config, project.path, flags, debug=debug, force=force)
        return await _serve(session, started)

    try:
        code = asyncio.run(run())
    except KeyboardInterrupt:
        code = 0
    sys.exit(code)


__all__ = ["ConfigWatcher", "DevFlags", "DevSession", "apply_flags", "dev"]
