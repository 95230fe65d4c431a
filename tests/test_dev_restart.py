"""Editing ``shaker.config.py`` restarts ``shaker dev`` on the same port, as Vite does; a config
that does not load is reported and the old server keeps serving.

The session runs in-process with the real config watcher; each reload's outcome is awaited
through ``on_reload``, never a timer.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest
from test_server_support import async_test, write

from shaker.cli.config import load_project_config
from shaker.cli.dev import DevFlags, DevSession

REPO = Path(__file__).resolve().parent.parent
PAGE = '<html><head></head><body><script type="module" src="/main.js"></script></body></html>'
MAIN = "console.log(import.meta.env.GREETING);\n"


def config_text(greeting: str, extra: str = "") -> str:
    return ("from shaker.config import Config\n"
            f"{extra}"
            f"config = Config(define={{'import.meta.env.GREETING': '\"{greeting}\"'}})\n")


def greeting(code: str) -> str:
    """The value the served module sees (dev injects ``import.meta.env`` as an object)."""
    return re.search(r'"GREETING": "(\w+)"', code).group(1)  # type: ignore[union-attr]


def project(root: Path, greeting: str = "one") -> Path:
    return write(root, {"index.html": PAGE, "main.js": MAIN,
                        "shaker.config.py": config_text(greeting)})


class Session:
    """A ``DevSession`` on 127.0.0.1 with a free port, and a queue of reload outcomes."""

    def __init__(self, root: Path, flags: DevFlags | None = None) -> None:
        self.outcomes: asyncio.Queue[bool] = asyncio.Queue()
        flags = flags or DevFlags(port=0, host="127.0.0.1")
        loaded = load_project_config(root)
        self.session = DevSession(root, flags.apply(loaded.config), loaded.path, flags,
                                  on_reload=self.outcomes.put_nowait)
        self.http = aiohttp.ClientSession()

    async def __aenter__(self) -> Session:
        await self.session.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.session.close()
        await self.http.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.session.server.port}"

    async def module(self) -> str:
        async with self.http.get(self.url + "/main.js") as response:
            assert response.status == 200
            return await response.text()

    async def edit(self, path: Path, text: str) -> bool:
        """Write the config and wait for the reload it causes; whether it restarted."""
        path.write_text(text, encoding="utf-8")
        return await asyncio.wait_for(self.outcomes.get(), 30)


@async_test
async def test_a_config_edit_restarts_the_server_on_the_same_port(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    config = root / "shaker.config.py"
    async with Session(root) as s:
        first = s.session.server
        port = first.port
        assert greeting(await s.module()) == "one"
        ws = await s.http.ws_connect(f"{s.url}/@shaker/ws?token={first.token}",
                                     protocols=("shaker-hmr",))
        assert (await ws.receive_json()) == {"type": "connected"}

        assert await s.edit(config, config_text("two")) is True
        assert s.session.server is not first and s.session.server.port == port
        assert greeting(await s.module()) == "two"
        # the page's socket was closed as a server going away closes it: the client polls,
        # then reloads (tests/browser/test_client.py shows it in Chromium)
        closed = await ws.receive(timeout=10)
        assert (closed.type, closed.data) == (aiohttp.WSMsgType.CLOSE, 1001)  # going away
        await ws.close()
        assert "shaker.config.py changed, server restarted" in capsys.readouterr().out

        # a broken config: reported with its file and line; the running server stays
        running = s.session.server
        assert await s.edit(config, config_text("three", extra="oops = undefined_name\n")) \
            is False
        assert s.session.server is running and running.port == port
        assert greeting(await s.module()) == "two"
        err = capsys.readouterr().err
        assert f"{config}:2: NameError: name 'undefined_name' is not defined" in err
        assert f'File "{config}", line 2' in err
        assert "keeps running with the previous config" in err

        # fixed again: a new server with the new value, still on the same port
        assert await s.edit(config, config_text("four")) is True
        assert s.session.server.port == port
        assert greeting(await s.module()) == "four"


@async_test
async def test_flags_still_win_after_a_restart(tmp_path: Path) -> None:
    root = project(tmp_path)
    config = root / "shaker.config.py"
    async with Session(root, DevFlags(port=0, host="127.0.0.1", base="/app/")) as s:
        assert await s.edit(config, config_text("two").replace(
            "config = Config(", "config = Config(base='/other/', ")) is True
        assert s.session.server.config.base == "/app/"
        async with s.http.get(s.url + "/app/main.js") as response:
            assert greeting(await response.text()) == "two"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@async_test
async def test_a_new_port_in_the_config_moves_the_server(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The bound port is kept only while the configured one is unchanged."""
    first, second = free_port(), free_port()
    root = project(tmp_path)
    config = root / "shaker.config.py"
    config.write_text(config_text("one").replace("Config(", f"Config(server={{'port': {first}}}, "))
    async with Session(root, DevFlags(host="127.0.0.1")) as s:
        assert s.session.server.port == first
        moved = config_text("two").replace("Config(", f"Config(server={{'port': {second}}}, ")
        assert await s.edit(config, moved) is True
        assert s.session.server.port == second
        assert greeting(await s.module()) == "two"
        assert f"Local:   http://127.0.0.1:{second}/" in capsys.readouterr().out


@async_test
async def test_a_plugin_that_fails_to_configure_keeps_the_old_server(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    config = root / "shaker.config.py"
    async with Session(root) as s:
        running = s.session.server
        broken = ("from shaker.config import Config\nfrom shaker.plugin import Plugin\n"
                  "def configure(server):\n    raise RuntimeError('cannot configure')\n"
                  "config = Config(plugins=[Plugin(name='bad', configure_server=configure)])\n")
        assert await s.edit(config, broken) is False
        assert s.session.server is running
        assert greeting(await s.module()) == "one"
        err = capsys.readouterr().err
        assert "[plugin bad] configure_server" in err and "cannot configure" in err


@async_test
async def test_a_deleted_config_keeps_the_server(tmp_path: Path) -> None:
    root = project(tmp_path)
    config = root / "shaker.config.py"
    async with Session(root) as s:
        running = s.session.server
        config.unlink()
        assert await asyncio.wait_for(s.outcomes.get(), 30) is False
        assert s.session.server is running
        assert await s.edit(config, config_text("back")) is True
        assert greeting(await s.module()) == "back"


@async_test
async def test_shaker_dev_restarts_when_its_config_changes(tmp_path: Path) -> None:
    """The command end to end, in its own process: banner, edit, restart line, new value."""
    root = project(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "shaker", "dev", str(root), "--port", "0", "--host", "127.0.0.1",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)
    assert process.stdout is not None

    async def read_until(needle: str) -> str:
        assert process.stdout is not None
        text = ""
        while needle not in text:
            line = await asyncio.wait_for(process.stdout.readline(), 30)
            if not line:
                raise AssertionError(f"shaker dev exited: {text}")
            text += line.decode()
        return text

    try:
        banner = await read_until("Local:")
        url = re.search(r"Local:\s+(\S+)", banner).group(1)  # type: ignore[union-attr]
        (root / "shaker.config.py").write_text(config_text("two"))
        await read_until("shaker.config.py changed, server restarted")
        async with aiohttp.ClientSession() as http, http.get(url + "main.js") as response:
            assert greeting(await response.text()) == "two"
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 15) == 0
