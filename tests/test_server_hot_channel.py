"""The hot channel and the ``server.ws`` plugin API, over real WebSocket frames."""

from __future__ import annotations

import asyncio
import json
import logging
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
    write,
)

from shaker.config import Config, ServerConfig
from shaker.plugin import Plugin
from shaker.protocol import ErrorInfo, ErrorPayload, FullReload

pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write(tmp_path, {"index.html": "<html><head></head></html>"})


def plugin_config(configure: Any, **server: Any) -> Config:
    return Config(
        plugins=[Plugin(name="test-plugin", configure_server=configure)],
        server=ServerConfig(**server),
    )


async def assert_silent(ws: aiohttp.ClientWebSocketResponse) -> None:
    """No frame arrives: prove it with a round trip through an echo handler."""
    await send_custom(ws, "echo", "marker")
    assert await receive_json(ws) == {"type": "custom", "event": "echo", "data": "marker"}


def echo(server: Any) -> None:
    server.ws.on("echo", lambda data, client: client.send("echo", data))


# -- handlers --------------------------------------------------------------------------------


@async_test
async def test_seed_style_plugin(root: Path) -> None:
    """The seed's plugin, registered both ways (decorator and call), sync and async."""
    seen: list[Any] = []

    def configure(server: Any) -> None:
        @server.ws.on("connection")
        def hello(client: Any) -> None:
            seen.append(("connection", client))
            server.ws.send("server-ready", {"message": "Server is ready for communication"})

        async def pong(data: Any, client: Any) -> None:
            await asyncio.sleep(0)  # a real await inside the handler
            client.send("server-pong", {"echo": data["message"], "response": "Pong from server!"})

        server.ws.on("client-ping", pong)

    async with serve(root, plugin_config(configure)) as h:
        ws = await h.connected()
        assert await receive_json(ws) == {
            "type": "custom",
            "event": "server-ready",
            "data": {"message": "Server is ready for communication"},
        }
        await send_custom(ws, "client-ping", {"message": "Hello from client!"})
        assert await receive_json(ws) == {
            "type": "custom",
            "event": "server-pong",
            "data": {"echo": "Hello from client!", "response": "Pong from server!"},
        }
        assert [kind for kind, _ in seen] == ["connection"]
        assert seen[0][1] in h.server.ws.clients


@async_test
async def test_decorator_returns_the_function(root: Path) -> None:
    async with serve(root) as h:

        @h.server.ws.on("x")
        def handler(data: Any, client: Any) -> None:
            pass

        assert callable(handler)
        assert h.server.ws.on("y", handler) is handler


@async_test
async def test_client_send_answers_one_client_and_ws_send_broadcasts(root: Path) -> None:
    def configure(server: Any) -> None:
        echo(server)
        server.ws.on("shout", lambda data, client: server.ws.send("heard", data))

    async with serve(root, plugin_config(configure)) as h:
        a, b = await h.connected(), await h.connected()
        await send_custom(a, "echo", 1)
        assert await receive_json(a) == {"type": "custom", "event": "echo", "data": 1}
        await assert_silent(b)  # b got nothing from a's echo
        await send_custom(b, "shout", "hi")
        for ws in (a, b):
            assert await receive_json(ws) == {"type": "custom", "event": "heard", "data": "hi"}


@async_test
async def test_send_full_payloads(root: Path) -> None:
    async with serve(root) as h:
        ws = await h.connected()
        h.server.ws.send({"type": "full-reload", "path": "*", "reason": "test"})
        assert await receive_json(ws) == {"type": "full-reload", "path": "*", "reason": "test"}
        h.server.ws.send(FullReload(path="/index.html", reason="index.html changed"))
        assert await receive_json(ws) == {
            "type": "full-reload",
            "path": "/index.html",
            "reason": "index.html changed",
        }
        client = next(iter(h.server.ws.clients))
        client.send({"type": "custom", "event": "direct", "data": [1, 2]})
        assert await receive_json(ws) == {"type": "custom", "event": "direct", "data": [1, 2]}


@async_test
async def test_off_removes_a_handler(root: Path) -> None:
    calls: list[Any] = []

    def handler(data: Any, client: Any) -> None:
        calls.append(data)

    def configure(server: Any) -> None:
        echo(server)
        server.ws.on("count", handler)

    async with serve(root, plugin_config(configure)) as h:
        ws = await h.connected()
        await send_custom(ws, "count", 1)
        await assert_silent(ws)
        h.server.ws.off("count", handler)
        h.server.ws.off("count", handler)  # twice is harmless
        h.server.ws.off("never-registered", handler)
        await send_custom(ws, "count", 2)
        await assert_silent(ws)
        assert calls == [1]


@async_test
async def test_lifecycle_events(root: Path) -> None:
    events: list[tuple[str, Any, Any]] = []
    done = asyncio.Event()

    def configure(server: Any) -> None:
        server.ws.on("connection", lambda client: events.append(("connection", None, client)))
        server.ws.on(
            "shaker:client:connect", lambda data, client: events.append(("connect", data, client))
        )

        @server.ws.on("disconnect")
        async def gone(client: Any) -> None:
            events.append(("disconnect", None, client))

        @server.ws.on("shaker:client:disconnect")
        def gone_too(data: Any, client: Any) -> None:
            events.append(("client:disconnect", data, client))
            done.set()

    async with serve(root, plugin_config(configure)) as h:
        ws = await h.connected()
        await ws.close()
        await asyncio.wait_for(done.wait(), 10)
        assert [e[0] for e in events] == [
            "connect",
            "connection",
            "disconnect",
            "client:disconnect",
        ]
        assert len({id(e[2]) for e in events}) == 1  # the same client object every time
        assert all(e[1] is None for e in events)
        assert h.server.ws.clients == frozenset()


@async_test
async def test_clients_cannot_fake_lifecycle_events(root: Path) -> None:
    calls: list[Any] = []

    def configure(server: Any) -> None:
        echo(server)
        server.ws.on("connection", lambda client: calls.append(client))

    async with serve(root, plugin_config(configure)) as h:
        ws = await h.connected()
        for event in ("connection", "disconnect", "shaker:client:connect"):
            await send_custom(ws, event, {})
        await assert_silent(ws)
        assert len(calls) == 1


@pytest.mark.parametrize("kind", ["sync", "async"])
@async_test
async def test_raising_handler_is_logged_and_the_server_goes_on(
    root: Path, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    def configure(server: Any) -> None:
        echo(server)

        if kind == "sync":

            def boom(data: Any, client: Any) -> None:
                raise RuntimeError("handler exploded")
        else:

            async def boom(data: Any, client: Any) -> None:
                await asyncio.sleep(0)
                raise RuntimeError("handler exploded")

        server.ws.on("boom", boom)
        server.ws.on("boom", lambda data, client: client.send("after", data))  # still runs

    caplog.set_level(logging.ERROR, logger="shaker")
    async with serve(root, plugin_config(configure)) as h:
        ws, other = await h.connected(), await h.connected()
        await send_custom(ws, "boom", 1)
        assert await receive_json(ws) == {"type": "custom", "event": "after", "data": 1}
        await assert_silent(ws)
        await assert_silent(other)
    records = [r for r in caplog.records if r.name == "shaker" and "Traceback" in r.getMessage()]
    assert len(records) == 1
    assert "'boom'" in records[0].getMessage()
    assert "handler exploded" in caplog.text and "Traceback" in caplog.text


@async_test
async def test_raising_connection_handler_does_not_drop_the_client(
    root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def configure(server: Any) -> None:
        echo(server)
        server.ws.on("connection", lambda client: 1 / 0)

    async with serve(root, plugin_config(configure)) as h:
        ws = await h.connected()
        await assert_silent(ws)
    assert "ZeroDivisionError" in caplog.text


# -- buffering -------------------------------------------------------------------------------


@async_test
async def test_error_and_full_reload_are_buffered_until_a_client_connects(root: Path) -> None:
    async with serve(root) as h:
        h.server.ws.send("lost", {"custom": "events are not buffered"})
        h.server.ws.send(FullReload(path="*", reason="first"))
        h.server.ws.send(ErrorPayload(ErrorInfo(message="broken")))  # last one wins
        ws = await h.connected()
        assert await receive_json(ws) == {
            "type": "error",
            "err": {"message": "broken", "stack": ""},
        }
        second = await h.connected()  # delivered once only
        h.server.ws.send("live", 1)
        assert await receive_json(second) == {"type": "custom", "event": "live", "data": 1}
        assert await receive_json(ws) == {"type": "custom", "event": "live", "data": 1}


@pytest.mark.parametrize(
    "error",
    [
        ErrorPayload(ErrorInfo(message="broken", id="/root/a.js")),
        {"type": "error", "err": {"message": "from a plugin", "stack": "", "id": "/root/a.js"}},
    ],
    ids=["payload", "raw-dict"],
)
@async_test
async def test_a_buffered_error_is_dropped_once_its_module_builds_again(
    root: Path, error: Any
) -> None:
    async with serve(root, plugin_config(echo)) as h:
        h.server.ws.send(error)
        h.server.ws.resolve_error("/root/a.js")
        ws = await h.connected()
        await assert_silent(ws)  # the next page opens on a fixed module: no stale overlay


@async_test
async def test_a_buffered_error_about_another_module_or_a_reload_stays(root: Path) -> None:
    async with serve(root, plugin_config(echo)) as h:
        h.server.ws.send(ErrorPayload(ErrorInfo(message="broken", id="/root/a.js")))
        h.server.ws.resolve_error("/root/other.js")  # other.js builds: a.js is still broken
        ws = await h.connected()
        assert await receive_json(ws) == {
            "type": "error",
            "err": {"message": "broken", "stack": "", "id": "/root/a.js"},
        }
        await assert_silent(ws)


@async_test
async def test_resolve_error_keeps_a_buffered_full_reload(root: Path) -> None:
    async with serve(root) as h:
        h.server.ws.send(FullReload(path="*", triggered_by="/root/a.js", reason="changed"))
        h.server.ws.resolve_error("/root/a.js")
        ws = await h.connected()
        assert (await receive_json(ws))["type"] == "full-reload"


# -- malformed frames ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        "{",
        "[1, 2, 3]",
        '"a string"',
        "42",
        "null",
        '{"type": "update", "updates": []}',
        '{"type": "nonsense"}',
        '{"no": "type"}',
        '{"type": "custom"}',
        '{"type": "custom", "event": 7}',
        '{"type": "ping"}',
        b"\x00\x01binary",
    ],
)
@async_test
async def test_malformed_frames_are_dropped_and_logged(
    root: Path, frame: str | bytes, caplog: pytest.LogCaptureFixture
) -> None:
    async with serve(root, plugin_config(echo)) as h:
        ws, other = await h.connected(), await h.connected()
        if isinstance(frame, bytes):
            await ws.send_bytes(frame)
        else:
            await ws.send_str(frame)
        await assert_silent(ws)  # still open, still served
        await assert_silent(other)
        assert len(h.server.ws.clients) == 2
    if frame != '{"type": "ping"}':  # the keepalive is valid and silent
        assert "dropped" in caplog.text


@async_test
async def test_oversize_frame_closes_only_its_sender(
    root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with serve(root, plugin_config(echo, max_message_bytes=1024)) as h:
        big, other = await h.connected(), await h.connected()
        await send_custom(big, "echo", "x" * 900)  # under the limit: fine
        assert (await receive_json(big))["data"] == "x" * 900
        await send_custom(big, "echo", "x" * 2000)
        message = await big.receive(timeout=10)
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert big.close_code == 1009
        await assert_silent(other)
        assert len(h.server.ws.clients) == 1
    assert "ws client" in caplog.text


@async_test
async def test_default_limit_is_one_mebibyte(root: Path) -> None:
    async with serve(root, plugin_config(echo)) as h:
        ws = await h.connected()
        await send_custom(ws, "echo", "y" * (1024 * 1024 - 100))
        assert len((await receive_json(ws))["data"]) == 1024 * 1024 - 100
        await ws.send_str(json.dumps({"type": "custom", "event": "echo", "data": "z" * 1048577}))
        await ws.receive(timeout=10)
        assert ws.close_code == 1009


# -- debug logging, shutdown, concurrency ---------------------------------------------------


@async_test
async def test_debug_logs_every_frame(root: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="shaker")
    async with serve(root, plugin_config(echo), debug=True) as h:
        ws = await h.connected()
        await send_custom(ws, "echo", "traced")
        await receive_json(ws)
    text = caplog.text
    assert 'ws ← #1 {"type": "custom", "event": "echo", "data": "traced"}' in text
    assert 'ws → #1 {"type":"connected"}' in text
    assert 'ws → #1 {"type":"custom","event":"echo","data":"traced"}' in text


@async_test
async def test_frames_are_not_logged_without_debug(
    root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="shaker")
    async with serve(root, plugin_config(echo)) as h:
        ws = await h.connected()
        await assert_silent(ws)
    assert "ws ←" not in caplog.text and "ws →" not in caplog.text


@async_test
async def test_close_closes_every_socket(root: Path) -> None:
    async with serve(root) as h:
        sockets = [await h.connected() for _ in range(3)]
        await h.server.close()
        for ws in sockets:
            message = await ws.receive(timeout=10)
            # the server's close frame arrives; the client's reply may find the socket gone
            assert (message.type, message.data) == (aiohttp.WSMsgType.CLOSE, 1001)
        assert h.server.ws.clients == frozenset()


CLIENTS = 200
MESSAGES = 100


@async_test
async def test_200_clients_each_sending_100_messages_are_all_served(root: Path) -> None:
    received: list[int] = []

    def configure(server: Any) -> None:
        @server.ws.on("work")
        async def work(data: Any, client: Any) -> None:
            received.append(data["n"])
            client.send("done", data)

    async with serve(root, plugin_config(configure)) as h:
        connector_limit = aiohttp.TCPConnector(limit=0)
        session = aiohttp.ClientSession(connector=connector_limit)

        async def one_client(index: int, h: Harness = h) -> list[int]:
            url = f"http://{h.host}{h.server.ws_path}?token={h.server.token}"
            async with session.ws_connect(url, protocols=("shaker-hmr",)) as ws:
                assert await receive_json(ws) == {"type": "connected"}
                for n in range(MESSAGES):
                    await send_custom(ws, "work", {"client": index, "n": n})
                replies = [(await receive_json(ws))["data"] for _ in range(MESSAGES)]
            assert all(r["client"] == index for r in replies)
            return [r["n"] for r in replies]

        try:
            results = await asyncio.wait_for(
                asyncio.gather(*(one_client(i) for i in range(CLIENTS))), 50
            )
        finally:
            await session.close()
    assert len(results) == CLIENTS
    assert all(r == list(range(MESSAGES)) for r in results)  # every reply, in order
    assert len(received) == CLIENTS * MESSAGES
