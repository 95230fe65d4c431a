"""``shaker dev``: the click command (registered into the ``shaker`` group by ``shaker.cli``).

This is the shell around ``DevServer``: it loads the config (refusing to start on a broken
one), applies flags over it (flags win), prints the banner and waits for Ctrl-C, then closes
every socket before exiting.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys
import time
import traceback
import webbrowser
from importlib import metadata
from pathlib import Path

import click

from shaker.config import Config, ConfigError, find_config, load_config
from shaker.dev.server import DevServer, PortInUseError
from shaker.pipeline.plugins import PluginError
from shaker.web.banner import render_banner
from shaker.web.lifecycle import until_interrupted


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
) -> Config:
    """Command-line flags over the config file's values (only the flags actually given)."""
    server: dict[str, object] = {}
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
        changes["base"] = base if base.endswith("/") else base + "/"
    return dataclasses.replace(config, **changes) if changes else config


async def _serve(root: Path, config: Config, debug: bool, started: float) -> int:
    server = DevServer(root, config, debug=debug)
    try:
        await server.start()
    except PortInUseError as exc:
        click.echo(f"error: {exc.strerror} (remove --strict-port to move to a free one)", err=True)
        return 1
    except PluginError as exc:
        details = "".join(traceback.format_exception(exc.error))
        click.echo(f"error: {exc}\n{details}", err=True)
        return 1
    ready_ms = round((time.perf_counter() - started) * 1000)
    click.echo(
        render_banner(
            _version(), ready_ms, server.urls.local, server.urls.network, exposed=server.exposed
        )
    )
    if config.server.open and (server.urls.local or server.urls.network):
        webbrowser.open((server.urls.local or server.urls.network)[0])
    try:
        await until_interrupted()
    finally:
        click.echo("  shutting down…", err=True)
        await server.close()
    return 0


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
    help="Address to listen on; --host alone exposes the server on every interface.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a browser.")
@click.option("--strict-port", is_flag=True, help="Exit if the port is in use.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Config file [default: ROOT/shaker.config.py].",
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
@click.option("--base", default=None, help="Public base path [default: /].")
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
) -> None:
    """Serve ROOT with hot module replacement."""
    started = time.perf_counter()
    _configure_logging(debug)
    path = config_file or find_config(root)
    try:
        config = load_config(path) if path else Config()
        config = apply_flags(
            config,
            port=port,
            host=host,
            open_browser=open_browser,
            strict_port=strict_port,
            base=base,
            poll=poll,
        )
    except ConfigError as exc:
        click.echo(f"error: {exc.message}\n{exc.details}".rstrip(), err=True)
        sys.exit(1)
    except (TypeError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    try:
        code = asyncio.run(_serve(root, config, debug, started))
    except KeyboardInterrupt:
        code = 0
    sys.exit(code)
