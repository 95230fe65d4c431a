"""Probes: nothing a plugin hook does (block, sleep, never return) freezes the dev server.

Hooks are held with threading/asyncio events the test releases, never with sleeps.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from test_server_support import async_test, receive_json, send_custom, serve, write

from shaker.config import Config
from shaker.dev.watch import FileChange
from shaker.plugin import Plugin

HOT = "export const v = 1;\nif (import.meta.hot) import.meta.hot.accept();\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write(tmp_path / "root", {
        "index.html": '<script type="module" src="/main.js"></script>',
        "main.js": HOT,
        "slow.js": HOT,
        "other.js": HOT,
    })


class Gate:
    """A sync hook blocks on it in the worker thread; the loop learns when it got there."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.loop = asyncio.get_running_loop()
        self.entered = asyncio.Event()

    def block(self) -> None:
        self.loop.call_soon_threadsafe(self.entered.set)
        self.release.wait(30)


@async_test
async def test_a_slow_transform_does_not_stall_other_requests(root: Path) -> None:
    """The pipeline runs in a worker thread: while a plugin's synchronous ``transform``
    sleeps (here: blocks until released), the loop still answers the client module."""
    gate = Gate()

    def transform(code: str, id: str) -> str | None:
        if id.endswith("slow.js"):
            gate.block()
        return None

    config = Config(plugins=[Plugin(name="slow", transform=transform)])
    async with serve(root, config) as h:
        slow = asyncio.ensure_future(h.get("/slow.js"))
        await asyncio.wait_for(gate.entered.wait(), 10)
        client = await h.get("/@shaker/client")
        assert client.status == 200 and not slow.done()  # answered while the hook is busy
        gate.release.set()
        assert (await slow).status == 200


@async_test
async def test_a_transform_that_never_returns_fails_its_module_and_nothing_else(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the one worker thread stayed in the hook forever, so every later module and
    every hot update waited behind it (and the interpreter waited for it at exit)."""
    monkeypatch.setattr("shaker.dev.modules.BUILD_TIMEOUT", 0.5)
    gate = Gate()

    def transform(code: str, id: str) -> str | None:
        if id.endswith("slow.js"):
            gate.block()
        return None

    config = Config(plugins=[Plugin(name="stuck", transform=transform)])
    try:
        async with serve(root, config) as h:
            await h.get("/main.js")
            ws = await h.connected()
            stuck = await h.get("/slow.js")
            assert stuck.status == 500
            assert "did not finish within 0.5 s" in await stuck.text()
            assert (await h.get("/other.js")).status == 200  # on a new worker thread
            (root / "main.js").write_text(HOT + "// edited\n")
            await h.server.hmr.handle_changes([FileChange((root / "main.js").resolve(),
                                                          "modified")])
            payloads = [await receive_json(ws) for _ in range(2)]  # the overlay, then the update
            assert payloads[-1]["type"] == "update", payloads
            assert h.server.modules._worker.abandoned == 1
    finally:
        gate.release.set()


@async_test
async def test_an_async_handle_hot_update_that_never_returns_times_out(
    root: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: hot updates run one at a time under a lock, and a hook awaiting forever held
    it: no file ever hot-updated again."""
    monkeypatch.setattr("shaker.pipeline.plugins.SERVER_HOOK_TIMEOUT", 0.3)
    forever = asyncio.Event()

    async def handle_hot_update(ctx: Any) -> Any:
        if ctx.file.endswith("slow.js"):
            await forever.wait()
        return None

    config = Config(plugins=[Plugin(name="hangs", handle_hot_update=handle_hot_update)])
    async with serve(root, config) as h:
        for path in ("/main.js", "/slow.js", "/other.js"):
            assert (await h.get(path)).status == 200
        ws = await h.connected()
        await h.server.hmr.handle_changes([FileChange((root / "slow.js").resolve(),
                                                      "modified")])
        assert (await receive_json(ws))["type"] == "error"  # the overlay names the plugin
        await h.server.hmr.handle_changes([FileChange((root / "other.js").resolve(),
                                                      "modified")])
        assert (await receive_json(ws))["updates"][0]["path"] == "/other.js"
    assert "[plugin hangs] handle_hot_update: TimeoutError: did not return within 0.3 s" \
        in caplog.text


@async_test
async def test_an_async_transform_index_html_that_never_returns_times_out(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shaker.pipeline.plugins.SERVER_HOOK_TIMEOUT", 0.3)

    async def transform_index_html(html: str, url: str) -> str:
        await asyncio.Event().wait()
        return html

    config = Config(plugins=[Plugin(name="hangs", transform_index_html=transform_index_html)])
    async with serve(root, config) as h:
        page = await h.get("/index.html")
        assert page.status == 500 and "did not return within 0.3 s" in await page.text()
        assert (await h.get("/main.js")).status == 200


@async_test
async def test_a_ws_handler_that_never_returns_is_cancelled(
    root: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Frames from one client are handled in order, so a handler awaiting forever stopped
    that client's every later message."""
    monkeypatch.setattr("shaker.dev.hot_channel.HANDLER_TIMEOUT", 0.3)

    def configure(server: Any) -> None:
        async def hang(data: Any, client: Any) -> None:
            await asyncio.Event().wait()

        server.ws.on("hang", hang)
        server.ws.on("echo", lambda data, client: client.send("echo", data))

    caplog.set_level(logging.WARNING, logger="shaker")
    async with serve(root, Config(plugins=[Plugin(name="p", configure_server=configure)])) as h:
        ws = await h.connected()
        await send_custom(ws, "hang")
        await send_custom(ws, "echo", 1)
        assert await receive_json(ws) == {"type": "custom", "event": "echo", "data": 1}
    assert "did not return within 0.3 s; cancelled" in caplog.text


STUCK_CONFIG = """
import threading
from shaker import Config, Plugin

def transform(code, id):
    if id.endswith("slow.js"):
        threading.Event().wait()  # never returns
    return None

config = Config(plugins=[Plugin(name="stuck", transform=transform)])
"""


@async_test
async def test_the_cli_exits_on_ctrl_c_while_a_hook_is_stuck(root: Path) -> None:
    """Before: the worker was a ThreadPoolExecutor thread, which the interpreter joins at exit:
    with a hook stuck in it, Ctrl-C never ended the process."""
    import re
    import signal
    import time

    import aiohttp
    from test_server_dev_server import start_cli

    (root / "shaker.config.py").write_text(STUCK_CONFIG)
    process, text = await start_cli(str(root), "--port", "0", "--host", "127.0.0.1")
    try:
        url = re.search(r"Local:\s+(\S+)", text).group(1)  # type: ignore[union-attr]
        async with aiohttp.ClientSession() as session:
            slow = asyncio.ensure_future(session.get(url + "slow.js"))
            main = await session.get(url + "main.js")  # queued behind it, or answered first
            assert main.status in (200, 500)
            began = time.monotonic()
            process.send_signal(signal.SIGINT)
            code = await asyncio.wait_for(process.wait(), 20)
            slow.cancel()
        assert code == 0 and time.monotonic() - began < 8
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
