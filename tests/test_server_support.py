"""Helpers for the in-process server tests (no tests here).

Each server test is an ``async def`` wrapped by ``async_test``, which runs it in a fresh event
loop under a hard timeout, so a hung socket fails the test instead of hanging the run.
``serve`` runs a real ``DevServer`` app on aiohttp's ``TestServer`` (an ephemeral loopback
port) and yields a ``TestClient`` that speaks real HTTP and real WebSocket frames.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from shaker.config import Config
from shaker.dev.server import DevServer

REAL_TOKEN = "<the server's token>"
TEST_TIMEOUT = 60.0
RECEIVE_TIMEOUT = 10.0


def async_test(fn: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async test function in its own loop, failing after ``TEST_TIMEOUT`` seconds."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        async def bounded() -> None:
            await asyncio.wait_for(fn(*args, **kwargs), TEST_TIMEOUT)

        asyncio.run(bounded())

    return wrapper


@dataclass
class Harness:
    server: DevServer
    http: TestClient

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.http.port}"

    @property
    def origin(self) -> str:
        return f"http://{self.host}"

    async def get(self, path: str, **headers: str) -> aiohttp.ClientResponse:
        return await self.http.get(path, headers=headers, allow_redirects=False)

    async def raw(self, target: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """Send ``target`` byte for byte (no client-side normalisation); (status, body)."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.http.port)
        fields = {"Host": self.host, "Connection": "close", **(headers or {})}
        lines = [f"GET {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in fields.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), RECEIVE_TIMEOUT)
        writer.close()
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split(b" ")[1]), body

    async def connect(
        self,
        *,
        token: str | None = REAL_TOKEN,
        protocols: tuple[str, ...] = ("shaker-hmr",),
        headers: dict[str, str] | None = None,
        max_msg_size: int = 0,
    ) -> aiohttp.ClientWebSocketResponse:
        """Open a hot-channel socket: the real token, another one, or none (``None``)."""
        path = self.server.ws_path
        if token is not None:
            path += f"?token={self.server.token if token == REAL_TOKEN else token}"
        return await self.http.ws_connect(
            path, protocols=protocols, headers=headers or {}, max_msg_size=max_msg_size
        )

    async def connected(self, **kwargs: Any) -> aiohttp.ClientWebSocketResponse:
        """A socket whose first frame (``connected``) has been read."""
        ws = await self.connect(**kwargs)
        assert await receive_json(ws) == {"type": "connected"}
        return ws


async def receive_json(ws: aiohttp.ClientWebSocketResponse) -> Any:
    message = await ws.receive(timeout=RECEIVE_TIMEOUT)
    assert message.type == aiohttp.WSMsgType.TEXT, message
    return json.loads(message.data)


async def send_custom(ws: aiohttp.ClientWebSocketResponse, event: str, data: Any = None) -> None:
    await ws.send_str(json.dumps({"type": "custom", "event": event, "data": data}))


@asynccontextmanager
async def serve(
    root: Path, config: Config | None = None, *, debug: bool = False
) -> AsyncIterator[Harness]:
    server = DevServer(root, config or Config(), debug=debug)
    app = await server.setup()
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield Harness(server, client)
    finally:
        await server.close()
        await client.close()


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create ``files`` (relative path → content) under ``root``."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


async def raw_socket(port: int, path: str, *, rcvbuf: int = 4096,
                     headers: dict[str, str] | None = None) -> tuple[asyncio.StreamReader,
                                                                     asyncio.StreamWriter]:
    """A WebSocket opened by hand on 127.0.0.1:``port`` (``path`` with its query), then left
    alone: it reads only its handshake response, so a server writing to it fills a small
    receive buffer (``rcvbuf``) and then its own send buffer, as a tab that stopped reading."""
    import base64
    import os
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    reader, writer = await asyncio.open_connection(sock=sock, limit=rcvbuf)
    fields = {
        "Host": f"127.0.0.1:{port}",
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Protocol": "shaker-hmr",
        **(headers or {}),
    }
    lines = [f"GET {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in fields.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), RECEIVE_TIMEOUT)
    assert head.startswith(b"HTTP/1.1 101"), head
    return reader, writer


async def stalled_ws(server: DevServer, port: int, **kwargs: Any
                     ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A hot-channel client that stops reading right after the handshake (``raw_socket``)."""
    return await raw_socket(port, f"{server.ws_path}?token={server.token}", **kwargs)
