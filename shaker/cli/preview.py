"""``shaker preview``: serve the built ``dist/`` the way a production host would.

The config comes through the one loader, ``--base`` and ``--host`` through the same rules as
``shaker dev`` (a relative or full-URL base serves its path, as in Vite), and a server that
cannot listen is one line and exit 1, shared with ``shaker dev``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from shaker.cli.config import load_project_config, parse_base, parse_host
from shaker.cli.serving import echo_error, listen_error
from shaker.config import resolve_base

if TYPE_CHECKING:
    from shaker.preview import PreviewServer


@click.command("preview")
@click.argument("root", default=".", type=click.Path(exists=True, file_okay=False,
                                                     path_type=Path))
@click.option("--outdir", default=None, help="Directory to serve, relative to ROOT "
              "[default: dist].")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="Port [default: 4173].")
@click.option("--host", is_flag=False, flag_value="0.0.0.0", default=None, callback=parse_host,
              help="Address to listen on; --host alone exposes it on every interface.")
@click.option("--strict-port", is_flag=True, help="Exit if the port is in use.")
@click.option("--base", default=None, callback=parse_base,
              help="Public base path [default: /].")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False,
                                                           path_type=Path),
              help="Config file [default: ROOT/shaker.config.py].")
def preview_command(root: Path, outdir: str | None, port: int | None, host: str | None,
                    strict_port: bool, base: str | None, config_file: Path | None) -> None:
    """Serve the built ROOT/dist (no HMR, no client) to check a production build."""
    from shaker.preview import DEFAULT_PORT, PreviewServer

    started = time.perf_counter()
    config = load_project_config(root, config_file).config
    directory = root / (outdir or config.build.outdir)
    if not (directory / "index.html").is_file() and not directory.is_dir():
        echo_error(f"{directory} does not exist; run `shaker build` first")
        sys.exit(1)
    settings = config.server
    server = PreviewServer(
        directory, host=host or settings.host or "localhost",
        port=DEFAULT_PORT if port is None else port, strict_port=strict_port,
        base=resolve_base(config.base if base is None else base, build=False),
        allowed_hosts=settings.allowed_hosts, deny=settings.fs_deny)
    try:
        code = asyncio.run(_serve(server, started))
    except KeyboardInterrupt:
        code = 0
    sys.exit(code)


async def _serve(server: PreviewServer, started: float) -> int:
    from shaker import __version__
    from shaker.web.banner import render_banner
    from shaker.web.lifecycle import until_interrupted

    port = server.port
    try:
        await server.start()
    except OSError as exc:
        echo_error(listen_error(exc, server.host, port, strict=server.strict_port))
        return 1
    ready = round((time.perf_counter() - started) * 1000)
    click.echo(render_banner(__version__, ready, server.local, server.network,
                             exposed=server.exposed).replace("SHAKER", "SHAKER preview", 1))
    try:
        await until_interrupted()
    finally:
        await server.close()
    return 0


__all__ = ["preview_command"]
