"""DevServer start-up and shutdown, port fallback, the banner, ``shaker dev`` end to end, and
the seed's Complete Example served with its plugin ported to Python."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest
from test_server_support import async_test, receive_json, send_custom, serve, write

from shaker.config import Config, ServerConfig, load_config
from shaker.dev.server import DevServer, PortInUseError
from shaker.web import banner

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "examples" / "seed"
SEED_GUIDE = REPO.parent / "shared" / "seed" / "vite-websocket-guide.md"


def test_banner_warns_when_exposed() -> None:
    text = banner.render_banner(
        "1.2.3", 7, ("http://localhost:5173/",), ("http://192.168.1.5:5173/",), exposed=True
    )
    assert "SHAKER v1.2.3  ready in 7 ms" in text
    assert "➜  Network: http://192.168.1.5:5173/" in text
    assert "use --host" not in text
    assert "exposed on the network" in text


def occupied_port() -> socket.socket:
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    return blocker


@async_test
async def test_start_and_close(tmp_path: Path) -> None:
    write(tmp_path, {"index.html": "<html><head></head></html>"})
    server = DevServer(tmp_path, Config(server=ServerConfig(port=0)))
    await server.start()
    try:
        assert server.port and server.port > 0
        assert server.urls.local == (f"http://localhost:{server.port}/",)
        assert server.urls.network == ()
        assert not server.exposed
        async with aiohttp.ClientSession() as session, session.get(server.urls.local[0]) as got:
            assert got.status == 200
    finally:
        await server.close()
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as session:
            await session.get(f"http://127.0.0.1:{server.port}/")


@async_test
async def test_busy_port_moves_to_the_next_one(tmp_path: Path) -> None:
    with occupied_port() as blocker:
        busy = blocker.getsockname()[1]
        server = DevServer(tmp_path, Config(server=ServerConfig(port=busy, host="127.0.0.1")))
        await server.start()
        try:
            assert server.port is not None and server.port > busy
            assert server.urls.local == (f"http://127.0.0.1:{server.port}/",)
        finally:
            await server.close()


@async_test
async def test_strict_port_refuses_a_busy_port(tmp_path: Path) -> None:
    with occupied_port() as blocker:
        busy = blocker.getsockname()[1]
        config = Config(server=ServerConfig(port=busy, host="127.0.0.1", strict_port=True))
        server = DevServer(tmp_path, config)
        with pytest.raises(PortInUseError):
            await server.start()
        assert server.port is None
        await server.close()  # harmless after a failed start


def test_urls_for_each_host_kind(tmp_path: Path) -> None:
    server = DevServer(tmp_path, Config())
    wildcard = server._compute_urls("0.0.0.0", 5173)
    assert wildcard.local == ("http://localhost:5173/",)
    assert all(u.startswith("http://") and u.endswith(":5173/") for u in wildcard.network)
    assert server._compute_urls("::1", 80).local == ("http://[::1]:80/",)
    assert server._compute_urls("192.168.7.7", 80).network == ("http://192.168.7.7:80/",)
    assert server._compute_urls("app.localhost", 80).local == ("http://app.localhost:80/",)


# -- the command, in a real process ----------------------------------------------------------


async def start_cli(*args: str, until: str = "Network:") -> tuple[asyncio.subprocess.Process, str]:
    """Run ``shaker dev`` and read its output up to the line that contains ``until``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from shaker.cli.dev import dev; dev()",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None
    text = ""
    while until not in text:
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        if not line:
            stderr = await process.stderr.read() if process.stderr else b""
            raise AssertionError(f"dev exited early: {text}\n{stderr.decode()}")
        text += line.decode()
    return process, text


@async_test
async def test_cli_banner_and_clean_ctrl_c(tmp_path: Path) -> None:
    write(tmp_path, {"index.html": "<html><head></head></html>"})
    process, text = await start_cli(str(tmp_path), "--port", "0", "--host", "127.0.0.1")
    try:
        assert re.search(r"SHAKER v\S+  ready in \d+ ms", text), text
        url = re.search(r"Local:\s+(\S+)", text).group(1)  # type: ignore[union-attr]
        assert "exposed on the network" not in text
        async with aiohttp.ClientSession() as session:
            client_js = await (await session.get(url + "@shaker/client")).text()
            token = re.search(r'"wsToken": "([^"]+)"', client_js).group(1)  # type: ignore[union-attr]
            ws = await session.ws_connect(
                f"{url}@shaker/ws?token={token}", protocols=("shaker-hmr",)
            )
            assert await receive_json(ws) == {"type": "connected"}
            process.send_signal(signal.SIGINT)
            message = await ws.receive(timeout=10)
            assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert ws.close_code == 1001
        assert await asyncio.wait_for(process.wait(), 15) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@async_test
async def test_cli_host_flag_warns(tmp_path: Path) -> None:
    process, text = await start_cli(
        str(tmp_path), "--port", "0", "--host", "0.0.0.0", until="networks you trust"
    )
    try:
        assert "exposed on the network" in text
        assert "Local:   http://localhost:" in text
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 15) == 0


@async_test
async def test_cli_strict_port_exits_non_zero(tmp_path: Path) -> None:
    with occupied_port() as blocker:
        busy = str(blocker.getsockname()[1])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from shaker.cli.dev import dev; dev()",
            str(tmp_path),
            "--port",
            busy,
            "--host",
            "127.0.0.1",
            "--strict-port",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        out, err = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 1
        assert b"in use" in err
        assert b"ready in" not in out


# -- the seed's Complete Example -------------------------------------------------------------


def test_seed_main_js_is_verbatim() -> None:
    if not SEED_GUIDE.exists():
        pytest.skip("the seed guide is not beside the repository")
    guide = SEED_GUIDE.read_text(encoding="utf-8")
    section = guide[guide.index("### Client Implementation") :]
    block = re.search(r"```javascript\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]
    assert (SEED / "main.js").read_text(encoding="utf-8") == block


@async_test
async def test_seed_example_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    config = load_config(SEED / "shaker.config.py")
    async with serve(SEED, config) as h:
        html = await (await h.get("/")).text()
        assert '<script type="module" src="/@shaker/client"></script>' in html
        assert '<script type="module" src="/main.js"></script>' in html
        main = await (await h.get("/main.js")).text()
        assert '__shaker_hot("/main.js")' in main.splitlines()[0]
        ws = await h.connected(headers={"Origin": h.origin})
        ready = await receive_json(ws)
        assert ready["event"] == "server-ready"
        assert ready["data"]["message"] == "Server is ready for communication"
        assert isinstance(ready["data"]["timestamp"], int)
        await send_custom(ws, "client-ping", {"message": "Hello from client!", "clientTime": 1})
        pong = await receive_json(ws)
        assert pong["event"] == "server-pong"
        assert pong["data"]["echo"] == "Hello from client!"
        assert pong["data"]["response"] == "Pong from server!"
        custom = {"value": "custom payload", "type": "test-data"}
        await send_custom(ws, "custom-data", custom)
        processed = await receive_json(ws)
        assert processed == {
            "type": "custom",
            "event": "data-processed",
            "data": {"original": custom, "processed": True, "result": "Processed: custom payload"},
        }
    assert "Client connected via WebSocket" in capsys.readouterr().out
    json.dumps(processed)  # plain JSON all the way through
