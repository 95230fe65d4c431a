"""One-port mode for ASGI backends: shaker's dev server mounted in Starlette, FastAPI, Litestar.

::

    from shaker.integrations.asgi import dev_app

    app = FastAPI()
    if DEBUG:
        app.mount("/static", dev_app(root=BASE_DIR))   # instead of StaticFiles(directory="dist")

Everything the dev server answers is then answered under the mount path, on the backend's own
port: modules, ``/static/@vite/client`` and the client, ``/static/@react-refresh``, and the
hot channel's WebSocket (``/static/@shaker/ws``). The page and its modules share an origin, so
there is nothing to set for CORS or ``server.origin``; the Jinja helpers take
``dev_server=""``.

How: on the first request (or on ASGI lifespan startup, when this is the top-level app) a
``DevServer`` starts on the same event loop, listening on a loopback port of its own, and each
request and WebSocket is relayed to it as it came (``Host`` and ``Origin`` kept, so its Host
and Origin checks judge the page's real address). The base is the mount path unless
``config.base`` (or ``base=``) says otherwise; they must agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import WSMsgType
from yarl import URL

from shaker.config import Config, find_config, load_config, resolve_base
from shaker.dev.proxy import forwarded_headers
from shaker.dev.server import DevServer
from shaker.web.relay import until_first_done

__all__ = ["DevApp", "dev_app"]

logger = logging.getLogger("shaker")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_SKIP_AUTO = ("User-Agent", "Accept-Encoding", "Accept", "Content-Type")
_WS_HANDSHAKE = ("sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
                 "sec-websocket-protocol")


def dev_app(config: Config | None = None, root: str | Path = ".", *,
            base: str | None = None) -> DevApp:
    """The ASGI app serving ``shaker dev`` for ``root`` (``config``: its ``shaker.config.py``
    when None) under the path it is mounted at."""
    return DevApp(config, root, base=base)


class DevApp:
    """An ASGI application relaying to a ``DevServer`` it starts on first use."""

    def __init__(self, config: Config | None = None, root: str | Path = ".", *,
                 base: str | None = None) -> None:
        self.root = Path(root).resolve()
        if config is None:
            path = find_config(self.root)
            config = load_config(path) if path is not None else Config()
        self.config = config
        self.base = resolve_base(base, build=False) if base is not None else None
        self.server: DevServer | None = None
        self._starting: asyncio.Lock | None = None
        self._session: aiohttp.ClientSession | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def _base_for(self, mount: str) -> str:
        configured = self.base or (self.config.base if self.config.base != "/" else None)
        mounted = resolve_base(mount, build=False) if mount else "/"
        if configured is not None and configured != mounted and mounted != "/":
            raise RuntimeError(f"shaker's dev app is mounted at {mount!r} but its base is "
                               f"{configured!r}: mount it at {configured.rstrip('/')!r} or "
                               "set the same base")
        return configured or mounted

    async def start(self, mount: str = "") -> DevServer:
        """Start the dev server (once) for the app mounted at ``mount``."""
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self.server is not None:
                return self.server
            shaker_log = logging.getLogger("shaker")
            if not shaker_log.handlers:
                handler = logging.StreamHandler()
                handler.setFormatter(logging.Formatter("[shaker] %(levelname)s %(message)s"))
                shaker_log.addHandler(handler)
                shaker_log.setLevel(logging.INFO)
            base = self._base_for(mount)
            settings = dataclasses.replace(self.config.server, host="127.0.0.1", port=0,
                                           strict_port=True, open=False, proxy=None)
            server = DevServer(self.root, dataclasses.replace(self.config, base=base,
                                                              server=settings))
            await server.start()
            self._session = aiohttp.ClientSession(
                auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar(),
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=10))
            self.server = server
            logger.info("dev server mounted at %s (serving %s)", base, self.root)
            return server

    async def close(self) -> None:
        """Stop the dev server (ASGI lifespan shutdown does it)."""
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self.server is not None:
            server, self.server = self.server, None
            await server.close()

    async def __aenter__(self) -> DevApp:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- ASGI -----------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind not in ("http", "websocket"):
            return
        try:
            server = await self.start(scope.get("root_path", ""))
        except RuntimeError as exc:
            logger.error("%s", exc)
            if kind == "http":
                await _plain(send, 500, str(exc))
            else:
                await send({"type": "websocket.close", "code": 1011})
            return
        url = URL(f"http://127.0.0.1:{server.port}{_target(scope)}", encoded=True)
        headers = forwarded_headers(
            (k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
        if kind == "http":
            await self._http(scope, receive, send, url, headers)
        else:
            await self._websocket(scope, receive, send, url.with_scheme("ws"), headers)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.start()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send, url: URL,
                    headers: Any) -> None:
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        assert self._session is not None
        method = scope["method"]
        started = False
        for attempt in (1, 2):
            try:
                async with self._session.request(
                        method, url, headers=headers, data=body or None,
                        allow_redirects=False, skip_auto_headers=_SKIP_AUTO) as answer:
                    started = True
                    await send({"type": "http.response.start", "status": answer.status,
                                "headers": [(k.lower().encode("latin-1"), v.encode("latin-1"))
                                            for k, v in forwarded_headers(
                                                answer.headers.items()).items()]})
                    if method != "HEAD":
                        async for chunk in answer.content.iter_chunked(1 << 16):
                            await send({"type": "http.response.body", "body": chunk,
                                        "more_body": True})
                    await send({"type": "http.response.body", "body": b"",
                                "more_body": False})
                return
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
                # a kept-alive connection the dev server had just closed: once more, anew
                if attempt == 1 and not started and method in ("GET", "HEAD"):
                    logger.debug("relay: %s %s: %s; retrying", method, url.path, exc)
                    continue
                failure: Exception = exc
            except (aiohttp.ClientError, OSError) as exc:
                failure = exc
            if not started:
                await _plain(send, 502, f"shaker's dev server did not answer: {failure}")
            return

    async def _websocket(self, scope: Scope, receive: Receive, send: Send, url: URL,
                         headers: Any) -> None:
        if (await receive())["type"] != "websocket.connect":
            return
        for name in _WS_HANDSHAKE:
            headers.popall(name, None)
        assert self._session is not None
        try:
            upstream = await self._session.ws_connect(
                url, protocols=scope.get("subprotocols") or (), headers=headers,
                autoping=False, max_msg_size=0)
        except (aiohttp.ClientError, OSError) as exc:
            status = exc.status if isinstance(exc, aiohttp.WSServerHandshakeError) else 502
            logger.debug("ws relay refused (%s): %s", status, exc)
            await send({"type": "websocket.close", "code": 1008})
            return
        await send({"type": "websocket.accept", "subprotocol": upstream.protocol})

        async def from_browser() -> None:
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    await upstream.close(code=message.get("code", 1000))
                    return
                if message.get("text") is not None:
                    await upstream.send_str(message["text"])
                elif message.get("bytes") is not None:
                    await upstream.send_bytes(message["bytes"])

        async def to_browser() -> None:
            async for message in upstream:
                if message.type == WSMsgType.TEXT:
                    await send({"type": "websocket.send", "text": message.data})
                elif message.type == WSMsgType.BINARY:
                    await send({"type": "websocket.send", "bytes": message.data})
            with contextlib.suppress(Exception):
                await send({"type": "websocket.close", "code": upstream.close_code or 1000})

        try:
            await until_first_done(from_browser(), to_browser())
        finally:
            await upstream.close()


def _target(scope: Scope) -> str:
    """The request-target as the browser sent it: the mount path included, still encoded."""
    raw = scope.get("raw_path")
    if raw:
        path = raw.decode("latin-1")
    else:
        root, path = scope.get("root_path", ""), scope["path"]
        path = quote(path if path.startswith(root) else root + path, safe="/%@:+,=~!$&'()*;")
    query: str = scope.get("query_string", b"").decode("latin-1")
    return str(path) + ("?" + query if query else "")


async def _plain(send: Send, status: int, text: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": (text + "\n").encode()})
