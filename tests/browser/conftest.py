"""Browser test infrastructure: Debian's Chromium driven by Playwright for Python.

Fixtures:

- ``browser_context`` (session): one headless Chromium with a fresh user-data dir. The whole
  browser suite is skipped, with the reason, when ``/usr/bin/chromium`` or Playwright is missing.
  Never run ``playwright install``: the browser comes from ``apt-get install chromium``.
- ``page``: a new tab per test whose console messages are recorded in order (``console``).
- ``serve_dir``: starts the *client-test harness* on a directory (see ``ClientHarness``).
- ``dev_server``: starts the real ``shaker.dev.server.DevServer`` on a directory.

The client-test harness is a deliberately small aiohttp server that serves the browser client
the way the dev server does (``/@shaker/client`` with its config substituted, its siblings
``/@shaker/hot.js`` and ``/@shaker/overlay.js`` as they are), the files of a directory
(prepending the hot-context preamble to modules that use ``import.meta.hot``), and a WebSocket
that speaks the HMR protocol. Tests drive it directly: they send payloads and read what the
client sent. It tests the client in isolation; the real dev server has its own tests.

Everything waits with Playwright's waiting primitives or ``threading.Condition``; nothing sleeps.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import WSMsgType, web

from shaker import protocol

try:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Page, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    sync_playwright = None  # type: ignore[assignment]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CLIENT_DIR = Path(__file__).resolve().parents[2] / "shaker" / "client"
WAIT_MS = 10_000
"""Upper bound for every wait: a failing test fails after this, a passing one never waits it."""

T = TypeVar("T")


# ---------------------------------------------------------------------------------------------
# Browser
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_context() -> Iterator[BrowserContext]:
    if sync_playwright is None:
        pytest.skip("browser tests need Playwright for Python: pip install playwright")
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM}: apt-get install chromium")
    user_data_dir = tempfile.mkdtemp(prefix="shaker-chromium-")
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                user_data_dir,
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_ARGS,
            )
            context.set_default_timeout(WAIT_MS)
            yield context
            context.close()
    finally:
        shutil.rmtree(user_data_dir, ignore_errors=True)


class ConsoleLog:
    """The console messages of one tab, in order, across reloads."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.messages: list[ConsoleMessage] = []
        self.page_errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)

    def _on_console(self, message: ConsoleMessage) -> None:
        self.messages.append(message)

    def _on_page_error(self, error: Exception) -> None:
        self.page_errors.append(str(error))

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.messages]

    def count(self, text: str) -> int:
        return self.texts.count(text)

    def wait_for(self, text: str, *, count: int = 1) -> None:
        """Wait until ``text`` has been logged ``count`` times (as a whole message)."""
        self.wait_until(lambda texts: texts.count(text) >= count, f"{count}x {text!r}")

    def wait_until(self, predicate: Callable[[list[str]], bool], what: str = "") -> None:
        """Wait until ``predicate(texts)`` holds, pumping console events meanwhile."""
        while not predicate(self.texts):
            try:
                self.page.wait_for_event("console", timeout=WAIT_MS)
            except Exception as exc:
                raise AssertionError(
                    f"console never showed {what or predicate}; it has:\n" + "\n".join(self.texts)
                ) from exc

    def after(self, text: str) -> list[str]:
        """Messages logged after the first occurrence of ``text``."""
        texts = self.texts
        return texts[texts.index(text) + 1 :]


@pytest.fixture
def page(browser_context: BrowserContext) -> Iterator[Page]:
    """A new tab, closed after the test."""
    tab = browser_context.new_page()
    yield tab
    tab.close()


@pytest.fixture
def console(page: Page) -> ConsoleLog:
    """The console of ``page``, recorded in order from before its first navigation."""
    return ConsoleLog(page)


# ---------------------------------------------------------------------------------------------
# Servers run on one event loop in a background thread (Playwright's sync API owns this one)
# ---------------------------------------------------------------------------------------------


class LoopThread:
    """An asyncio loop in a daemon thread; ``run`` executes a coroutine there and waits."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout=WAIT_MS / 1000)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


@pytest.fixture(scope="session")
def server_loop() -> Iterator[LoopThread]:
    loop = LoopThread()
    yield loop
    loop.close()


def free_port() -> int:
    """A port nothing listens on right now (the servers under test take a fixed port)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# The client-test harness
# ---------------------------------------------------------------------------------------------


@dataclass
class ClientHarness:
    """A throwaway server speaking the HMR protocol, to test ``client.js`` in isolation.

    ``received`` holds every message clients sent (parsed JSON), in order; ``replies`` maps a
    custom event name to a function whose result, an ``(event, data)`` pair or None, is sent
    back to the client that sent it.
    """

    root: Path
    loop: LoopThread
    port: int = field(default_factory=free_port)
    config: dict[str, Any] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    replies: dict[str, Callable[[Any], tuple[str, Any] | None]] = field(default_factory=dict)
    token: str = ""
    _sockets: set[web.WebSocketResponse] = field(default_factory=set)
    _runner: web.AppRunner | None = None
    _site: web.TCPSite | None = None
    _changed: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- lifecycle (called from the test thread) --

    def start(self) -> None:
        self.token = secrets.token_urlsafe(9)  # a new token per start, as the dev server does
        self.loop.run(self._start())

    def stop(self) -> None:
        self.loop.run(self._stop())

    def restart(self) -> None:
        self.stop()
        self.start()

    # -- talking to clients --

    def send(self, payload: dict[str, Any]) -> None:
        """Broadcast one payload to every connected client."""
        self.loop.run(self._broadcast(json.dumps(payload)))

    def send_custom(self, event: str, data: Any = None) -> None:
        self.send({"type": "custom", "event": event, "data": data})

    def wait_for_clients(self, count: int = 1) -> None:
        self._wait(lambda: len(self._sockets) >= count, f"{count} connected client(s)")

    def wait_for_message(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The first received message matching ``predicate``, waiting for it if needed."""
        found: list[dict[str, Any]] = []

        def check() -> bool:
            found[:] = [m for m in self.received if predicate(m)]
            return bool(found)

        self._wait(check, "a matching client message")
        return found[0]

    def custom_messages(self, event: str) -> list[Any]:
        """``data`` of every custom message named ``event``, in order."""
        return [
            m.get("data")
            for m in self.received
            if m.get("type") == "custom" and m.get("event") == event
        ]

    def _wait(self, ready: Callable[[], bool], what: str) -> None:
        with self._changed:
            if not self._changed.wait_for(ready, timeout=WAIT_MS / 1000):
                raise AssertionError(f"timed out waiting for {what}; received {self.received}")

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    # -- the server (runs on the loop thread) --

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get(protocol.CLIENT_PATH, self._client)
        app.router.add_get("/@shaker/{name:(?:hot|overlay)\\.js}", self._sibling)
        app.router.add_get(protocol.WS_PATH, self._websocket)
        app.router.add_get("/{path:.*}", self._file)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await self._site.start()

    async def _stop(self) -> None:
        # Stop listening first, so that a client polling for the restart cannot reach the
        # server that is going away; then drop the sockets, as a killed server would.
        if self._site is not None:
            await self._site.stop()
            self._site = None
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _broadcast(self, text: str) -> None:
        for ws in list(self._sockets):
            await ws.send_str(text)

    async def _client(self, request: web.Request) -> web.Response:
        client_config = {
            "wsPath": protocol.WS_PATH,
            "wsToken": self.token,
            "hmrHost": None,
            "hmrPort": None,
            "hmrProtocol": None,
            "base": "/",
            "timeout": 30_000,
            "overlay": True,
            **self.config,
        }
        code = (CLIENT_DIR / "client.js").read_text(encoding="utf-8")
        code = code.replace("__SHAKER_CONFIG__", json.dumps(client_config), 1)
        return _javascript(code)

    async def _sibling(self, request: web.Request) -> web.Response:
        """A module ``client.js`` imports relatively, served as it is."""
        name = request.match_info["name"]
        return _javascript((CLIENT_DIR / name).read_text(encoding="utf-8"))

    async def _file(self, request: web.Request) -> web.StreamResponse:
        relative = request.match_info["path"] or "index.html"
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root.resolve()) or not path.is_file():
            raise web.HTTPNotFound()
        headers = {"Cache-Control": "no-cache"}
        if path.suffix == ".js":
            code = path.read_text(encoding="utf-8")
            if "import.meta.hot" in code:  # the dev server's injection, as DESIGN.md gives it
                url = "/" + path.relative_to(self.root.resolve()).as_posix()
                code = (
                    f'import {{ createHotContext as __shaker_hot }} from "{protocol.CLIENT_PATH}";'
                    f"import.meta.hot = __shaker_hot({json.dumps(url)});" + code
                )
            return _javascript(code)
        return web.FileResponse(path, headers=headers)

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        offered = request.headers.get("Sec-WebSocket-Protocol", "")
        ws = web.WebSocketResponse(protocols=(protocol.SUBPROTOCOL, protocol.PING_SUBPROTOCOL))
        if offered == protocol.PING_SUBPROTOCOL:
            await ws.prepare(request)
            await ws.close()
            return ws
        if offered != protocol.SUBPROTOCOL or request.query.get("token") != self.token:
            raise web.HTTPBadRequest()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"type": "connected"}))
        self._sockets.add(ws)
        self._notify()
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                message = json.loads(msg.data)
                self.received.append(message)
                self._notify()
                reply = self.replies.get(message.get("event", ""))
                answer = reply(message.get("data")) if reply else None
                if answer is not None:
                    event, data = answer
                    await ws.send_str(json.dumps({"type": "custom", "event": event, "data": data}))
        finally:
            self._sockets.discard(ws)
            self._notify()
        return ws


def _javascript(code: str) -> web.Response:
    return web.Response(
        text=code, content_type="text/javascript", headers={"Cache-Control": "no-cache"}
    )


@pytest.fixture
def serve_dir(server_loop: LoopThread) -> Iterator[Callable[..., ClientHarness]]:
    """``serve_dir(root, **config)`` starts the client-test harness on ``root``."""
    started: list[ClientHarness] = []

    def start(root: Path, **config: Any) -> ClientHarness:
        harness = ClientHarness(root=Path(root), loop=server_loop, config=config)
        harness.start()
        started.append(harness)
        return harness

    yield start
    for harness in started:
        harness.stop()


# ---------------------------------------------------------------------------------------------
# The real dev server
# ---------------------------------------------------------------------------------------------


@dataclass
class RunningDevServer:
    """A ``DevServer`` on the loop thread, with thread-safe helpers for the test."""

    root: Path
    loop: LoopThread
    plugins: tuple[Any, ...] = ()
    port: int = field(default_factory=free_port)
    server: Any = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}/"

    def start(self) -> None:
        from shaker.config import Config, ServerConfig
        from shaker.dev.server import DevServer

        config = Config(plugins=self.plugins, server=ServerConfig(port=self.port, strict_port=True))
        self.server = DevServer(self.root, config)
        self.loop.run(self.server.start())

    def stop(self) -> None:
        if self.server is not None:
            self.loop.run(self.server.close())
            self.server = None

    def restart(self) -> None:
        """Stop, then start a new server (with a new token) on the same port."""
        self.stop()
        self.start()

    def send(self, *args: Any) -> None:
        """``server.ws.send(*args)``: a payload, or an event name and its data."""

        async def send() -> None:
            self.server.ws.send(*args)

        self.loop.run(send())


@pytest.fixture
def dev_server(server_loop: LoopThread) -> Iterator[Callable[..., RunningDevServer]]:
    """``dev_server(root, plugins=(...))`` starts shaker's dev server on ``root``."""
    pytest.importorskip("shaker.dev.server", reason="the dev server is not built yet")
    started: list[RunningDevServer] = []

    def start(root: Path, plugins: tuple[Any, ...] = ()) -> RunningDevServer:
        running = RunningDevServer(root=Path(root), loop=server_loop, plugins=tuple(plugins))
        running.start()
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
