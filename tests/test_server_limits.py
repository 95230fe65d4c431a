"""Robustness probes for the hot channel: bad text, slow clients, shutdown, hostile logs.

Each test reproduces one way a single client (or plugin) could hurt every page or the
server, over real sockets on loopback; loops are bounded and wait on events, not sleeps.
"""

from __future__ import annotations

import asyncio
import json
import logging
import struct
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from test_server_support import (
    Harness,
    async_test,
    receive_json,
    send_custom,
    serve,
    stalled_ws,
    write,
)

from shaker import protocol
from shaker.config import Config, ServerConfig
from shaker.dev import hot_channel
from shaker.dev.server import DevServer
from shaker.plugin import Plugin
from shaker.web.logsafe import LOG_BURST


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write(tmp_path, {"index.html": "<html><head></head></html>"})


def plugin(configure: Any, **server: Any) -> Config:
    return Config(plugins=[Plugin(name="probe", configure_server=configure)],
                  server=ServerConfig(**server))


def relay(server: Any) -> None:
    """A plugin that broadcasts what a client sends (the pattern that spread bad text)."""
    server.ws.on("relay", lambda data, client: server.ws.send("relayed", data))
    server.ws.on("echo", lambda data, client: client.send("echo", data))


async def assert_alive(ws: aiohttp.ClientWebSocketResponse, marker: str = "alive") -> None:
    await send_custom(ws, "echo", marker)
    assert await receive_json(ws) == {"type": "custom", "event": "echo", "data": marker}


# -- one bad message must not silence every page ---------------------------------------------


@async_test
async def test_a_lone_surrogate_from_a_client_is_refused_with_a_reason(
    root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: the relayed "\\ud800" failed to encode in every client's sender, which stopped
    for good: no page got anything any more, and nothing was logged."""
    async with serve(root, plugin(relay)) as h:
        sender, other = await h.connected(), await h.connected()
        await sender.send_str('{"type":"custom","event":"relay","data":"\\ud800"}')
        await sender.send_str('{"type":"custom","event":"shaker:invalidate",'
                              '"data":{"path":"/x.js","message":"\\udfff"}}')
        await assert_alive(sender)
        h.server.ws.send("after", 1)
        for ws in (sender, other):
            assert await receive_json(ws) == {"type": "custom", "event": "after", "data": 1}
        await assert_alive(other)
    assert caplog.text.count("lone surrogate U+D800") == 1
    assert "lone surrogate U+DFFF" in caplog.text


@async_test
async def test_a_plugin_that_sends_bad_data_gets_the_error_and_pages_go_on(
    root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    raised: list[str] = []

    def configure(server: Any) -> None:
        relay(server)

        @server.ws.on("bad")
        def bad(data: Any, client: Any) -> None:
            for value in ("\ud800", {1, 2}, float("nan")):
                try:
                    server.ws.send("x", value)
                except protocol.ProtocolError as exc:
                    raised.append(str(exc))
            client.send("x", "\udc00")  # not caught: the handler fails with a one-line reason

    async with serve(root, plugin(configure)) as h:
        ws, other = await h.connected(), await h.connected()
        await send_custom(ws, "bad")
        await assert_alive(ws)
        await assert_alive(other)
    assert len(raised) == 3 and "lone surrogate" in raised[0]
    assert "could not send: invalid text: lone surrogate U+DC00" in caplog.text
    assert "Traceback" not in caplog.text


@async_test
async def test_a_sender_survives_a_frame_that_fails_to_send(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serve(root, plugin(relay)) as h:
        ws = await h.connected()
        (client,) = h.server.ws.clients
        real = client.socket.send_frame
        calls = 0

        async def flaky(frame: bytes, opcode: Any, compress: Any = None) -> None:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise ValueError("one bad frame")
            await real(frame, opcode)

        monkeypatch.setattr(client.socket, "send_frame", flaky)
        client.send("lost", 1)
        client.send("kept", 2)
        assert await receive_json(ws) == {"type": "custom", "event": "kept", "data": 2}
        await assert_alive(ws)


# -- memory: send queues bounded in bytes ----------------------------------------------------

BIG = "x" * 400_000


async def flood_until_closing(h: Harness, client: Any, limit: int = 200) -> int:
    """Broadcast 400 kB frames until ``client`` starts closing; the bytes it holds never
    exceed the limit by more than one frame. Returns how many were sent."""
    for sent in range(1, limit + 1):
        h.server.ws.send("big", BIG)
        assert client.pending_bytes <= hot_channel.MAX_QUEUE_BYTES + len(BIG) + 70_000
        if client._closing is not None:
            return sent
        await asyncio.sleep(0)  # let the writer move what the socket takes
    raise AssertionError("the client that does not read was never closed")


async def gone(h: Harness, client: Any) -> None:
    """Wait until the server has let ``client`` go (its connection handler finished)."""
    left = asyncio.Event()
    h.server.ws.on("disconnect", lambda c: left.set() if c is client else None)
    if client in h.server.ws.clients:
        await left.wait()


@async_test
async def test_a_client_that_does_not_read_is_closed_at_the_byte_limit(
    root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: 4,096 frames per client whatever their size (1.7 GB for one stuck tab), and a
    client marked closing was never closed while it did not read."""
    async with serve(root, plugin(relay)) as h:
        _reader, writer = await stalled_ws(h.server, h.http.port)
        reading = await h.connected()
        stuck = next(c for c in h.server.ws.clients if c.id == 1)
        sent = await flood_until_closing(h, stuck)
        assert sent * len(BIG) > hot_channel.MAX_QUEUE_BYTES  # closed for bytes, not count
        assert stuck._queued_bytes == 0 and not stuck._queue  # memory released at once
        await gone(h, stuck)
        assert stuck.transport.is_closing()
        assert [c.id for c in h.server.ws.clients] == [2]
        for _ in range(sent):  # the client that reads got everything
            assert (await receive_json(reading))["event"] == "big"
        await assert_alive(reading)
        writer.close()
    assert "ws client #1 is not reading: over 8 MiB queued" in caplog.text


def parse_frames(data: bytes) -> list[tuple[int, bytes]]:
    """Unmasked server frames: (opcode, payload)."""
    frames, i = [], 0
    while i + 2 <= len(data):
        opcode, size = data[i] & 0x0F, data[i + 1] & 0x7F
        i += 2
        if size == 126:
            (size,) = struct.unpack(">H", data[i:i + 2])
            i += 2
        elif size == 127:
            (size,) = struct.unpack(">Q", data[i:i + 8])
            i += 8
        frames.append((opcode, data[i:i + size]))
        i += size
    return frames


@async_test
async def test_a_slow_client_that_reads_again_gets_a_1008_close_with_the_reason(
    root: Path,
) -> None:
    async with serve(root) as h:
        reader, writer = await stalled_ws(h.server, h.http.port)
        (stuck,) = h.server.ws.clients
        await flood_until_closing(h, stuck)
        received = b""
        while True:  # read again: what was in flight, then the close frame
            chunk = await asyncio.wait_for(reader.read(1 << 16), 10)
            if not chunk:
                break
            received += chunk
            frames = parse_frames(received)
            if frames and frames[-1][0] == 0x8:
                break
        opcode, payload = parse_frames(received)[-1]
        assert opcode == 0x8
        assert struct.unpack(">H", payload[:2])[0] == 1008
        assert b"not reading" in payload[2:]
        writer.close()


# -- shutdown with a deadline ----------------------------------------------------------------


async def started(root: Path, config: Config | None = None) -> DevServer:
    """A DevServer bound the way ``shaker dev`` binds it (a free loopback port)."""
    config = config or Config()
    config = Config(plugins=config.plugins, server=ServerConfig(port=0, host="127.0.0.1"))
    server = DevServer(root, config)
    await server.start()
    return server


@async_test
async def test_close_finishes_within_the_deadline_while_a_client_does_not_read(
    root: Path,
) -> None:
    """Before: ``close`` waited forever for a close frame the client's socket would not take."""
    server = await started(root)
    try:
        assert server.port is not None
        _reader, writer = await stalled_ws(server, server.port)
        (client,) = server.ws.clients
        for _ in range(10):  # 4 MB: under the limit, but far more than the socket takes
            server.ws.send("big", BIG)
            await asyncio.sleep(0)
        assert client.pending_bytes > 1_000_000
    finally:
        began = time.monotonic()
        await server.close(timeout=1.0)
        elapsed = time.monotonic() - began
    assert elapsed < 2.5
    assert client.transport.is_closing()
    writer.close()


# -- logs ------------------------------------------------------------------------------------


@async_test
async def test_client_text_cannot_forge_log_lines(
    root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="shaker")
    forged = "x\n12:00:00 [shaker] ERROR forged\x1b[2J\r"
    async with serve(root, plugin(relay), debug=True) as h:
        ws = await h.connected()
        await ws.send_str(json.dumps({"type": forged}))
        await ws.send_str(json.dumps({"type": "custom", "event": "connection", "data": 1}))
        await send_custom(ws, "shaker:invalidate", {"path": forged, "message": forged})
        await send_custom(ws, "echo", forged)
        await receive_json(ws)
    for record in caplog.records:
        message = record.getMessage()
        assert "\x1b" not in message and "\r" not in message, message
        assert "\n12:00:00" not in message, message
    assert "x\\n12:00:00 [shaker] ERROR forged\\x1b[2J\\r" in caplog.text


@async_test
async def test_a_deeply_nested_message_logs_one_short_line(
    root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: 1,840 bytes of ``[[[…]]]`` echoed by a plugin wrote a 131 kB traceback."""
    async with serve(root, plugin(relay)) as h:
        ws = await h.connected()
        for depth in (900, 5000):
            await ws.send_str('{"type":"custom","event":"echo","data":'
                              + "[" * depth + "]" * depth + "}")
        assert len(json.dumps((await receive_json(ws))["data"])) == 1800  # 900 is fine
        await assert_alive(ws)
    assert len(caplog.text) < 2000, len(caplog.text)
    assert "nested too deeply" in caplog.text or "recursion" in caplog.text


@async_test
async def test_a_flood_of_bad_messages_is_rate_limited_per_client(
    root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: every bad message wrote its line: 10k messages a second, 1.5 MB/s of log."""
    async with serve(root, plugin(relay)) as h:
        ws, other = await h.connected(), await h.connected()
        for n in range(2000):
            await ws.send_str(f"not json {n}")
        await assert_alive(ws)  # processed in order: every bad message was handled
        await ws.close()
        await send_custom(other, "relay", None)  # the other client's own budget is intact
        await other.send_str("not json either")
        await receive_json(other)
    from_first = [r for r in caplog.records if "ws client #1" in r.getMessage()]
    assert len(from_first) <= LOG_BURST + 3
    assert any("more log line(s) suppressed" in r.getMessage() for r in from_first)
    assert any("ws client #2: dropped" in r.getMessage() for r in caplog.records)


FLOOD_CONFIG = """
from shaker import Config, Plugin

def configure_server(server):
    def flood(data, client):
        for _ in range(10):  # 4 MB to every page: under the queue limit
            server.ws.send("big", "x" * 400_000)
    server.ws.on("flood", flood)

config = Config(plugins=[Plugin(name="flood", configure_server=configure_server)])
"""


@pytest.mark.parametrize("signum", ["SIGINT", "SIGTERM"])
@async_test
async def test_the_cli_exits_promptly_on_a_signal_while_a_page_does_not_read(
    root: Path, signum: str
) -> None:
    """Before: Ctrl-C printed "shutting down…" and never exited while one tab did not read."""
    import re
    import signal

    from test_server_dev_server import start_cli

    (root / "shaker.config.py").write_text(FLOOD_CONFIG)
    process, text = await start_cli(str(root), "--port", "0", "--host", "127.0.0.1")
    try:
        port = int(re.search(r"Local:\s+http://127\.0\.0\.1:(\d+)/", text).group(1))  # type: ignore[union-attr]
        async with aiohttp.ClientSession() as session:
            client_js = await (await session.get(f"http://127.0.0.1:{port}/@shaker/client")).text()
            token = re.search(r'"wsToken": "([^"]+)"', client_js).group(1)  # type: ignore[union-attr]
            path = f"/@shaker/ws?token={token}"
            from test_server_support import raw_socket

            _reader, writer = await raw_socket(port, path)
            ws = await session.ws_connect(f"http://127.0.0.1:{port}{path}",
                                          protocols=("shaker-hmr",))
            assert await receive_json(ws) == {"type": "connected"}
            await send_custom(ws, "flood")
            assert (await receive_json(ws))["event"] == "big"
            began = time.monotonic()
            process.send_signal(getattr(signal, signum))
            code = await asyncio.wait_for(process.wait(), 15)
            elapsed = time.monotonic() - began
            writer.close()
        assert code == 0
        assert elapsed < 6, elapsed  # the 3 s deadline, plus the interpreter's exit
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


# -- slow requests: header timeout, connection cap ---------------------------------------------


async def half_open(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection that sends the start of a request and never finishes its head."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Slow: ".encode())
    await writer.drain()
    return reader, writer


async def closed_by_server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                           within: float) -> bytes:
    """Trickle a header byte now and then (as slowloris does) until the server closes."""
    async def trickle() -> None:
        while True:
            writer.write(b"a")
            await writer.drain()
            await asyncio.sleep(0.1)

    dripping = asyncio.ensure_future(trickle())
    try:
        return await asyncio.wait_for(reader.read(), within)
    except ConnectionResetError:  # a byte sent after the server closed: closed all the same
        return b""
    finally:
        dripping.cancel()
        writer.close()


@async_test
async def test_a_request_head_must_arrive_within_the_header_timeout(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: no header timeout, so every half-open request held its descriptor forever
    (aiohttp's keep-alive timer, which closes them, was 3,630 s)."""
    monkeypatch.setattr("shaker.web.limits.HEADER_TIMEOUT", 0.5)
    server = await started(root)
    try:
        assert server.port is not None
        reader, writer = await half_open(server.port)
        began = time.monotonic()
        assert await closed_by_server(reader, writer, within=5) == b""
        assert time.monotonic() - began < 3
        ws_url = f"http://127.0.0.1:{server.port}{server.ws_path}?token={server.token}"
        async with aiohttp.ClientSession() as session:  # an open WebSocket is not a request
            ws = await session.ws_connect(ws_url, protocols=("shaker-hmr",))
            assert await receive_json(ws) == {"type": "connected"}
            server.ws.on("echo", lambda data, client: client.send("echo", data))
            left = asyncio.Event()
            asyncio.get_running_loop().call_later(1.0, left.set)
            await left.wait()  # twice the header timeout
            await assert_alive(ws)
            page = await session.get(f"http://127.0.0.1:{server.port}/")
            assert page.status == 200
    finally:
        await server.close()


@async_test
async def test_connections_over_the_limit_get_503_and_the_server_recovers(
    root: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("shaker.dev.server.connection_limit", lambda: 20)
    monkeypatch.setattr("shaker.web.limits.HEADER_TIMEOUT", 1.0)
    server = await started(root)
    try:
        assert server.port is not None
        slow = [await half_open(server.port) for _ in range(20)]
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
        answer = await asyncio.wait_for(reader.read(), 5)
        assert answer.startswith(b"HTTP/1.1 503"), answer
        writer.close()
        for r, w in slow:  # the header timeout frees every slot
            assert await closed_by_server(r, w, within=5) == b""
        async with aiohttp.ClientSession() as session:
            page = await session.get(f"http://127.0.0.1:{server.port}/")
            assert page.status == 200
        assert server.connections is not None and server.connections.refused == 1
    finally:
        await server.close()
    assert "refused 1 connection(s)" in caplog.text
