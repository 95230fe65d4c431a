"""One-port mode: ``shaker dev --proxy http://127.0.0.1:8000`` in front of a backend.

The dev server answers what it serves (modules, the client, its WebSocket, files under the
base); every other request goes to the backend (``server.proxy``) as it came: method, path,
query, body, headers (``Host`` kept, as Vite's proxy does by default, so the backend builds
its URLs for the address the browser used, and its CSRF check sees ``Origin`` match),
WebSocket upgrades included. Answers come back as the backend wrote them (redirects to the
backend's own origin made relative), except that an HTML page gets the client injected, so a
page rendered by Django or Flask hot-updates without any tag. The page and its modules share
an origin: no CORS, no ``server.origin``.

The backend must be on this machine unless ``server.proxy_remote`` says otherwise
(``ServerConfig`` checks).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable
from importlib import resources
from typing import Any

import aiohttp
from aiohttp import WSMsgType, web
from multidict import CIMultiDict
from yarl import URL

from shaker.dev.backend import PROXIED
from shaker.dev.modules import inject_client
from shaker.pipeline.generated import fill
from shaker.web.relay import until_first_done
from shaker.web.responses import plain

logger = logging.getLogger("shaker")

HOP_BY_HOP = frozenset((
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "proxy-connection",
))
"""Headers that belong to one connection (RFC 9110 §7.6.1): never forwarded."""
_WS_HANDSHAKE = frozenset(("sec-websocket-key", "sec-websocket-version",
                           "sec-websocket-extensions", "sec-websocket-protocol"))
_BACKEND_DOWN = resources.files("shaker.dev").joinpath("templates").joinpath(
    "backend-down.html").read_text("utf-8")
_CLIENT_TAG = re.compile(r"""src=["'][^"']*@(?:shaker|vite)/client["']""")


def forwarded_headers(headers: Iterable[tuple[str, str]], *, drop: Iterable[str] = ()
                      ) -> CIMultiDict[str]:
    """``headers`` without hop-by-hop ones (nor those named in ``Connection``) and ``drop``.

    >>> dict(forwarded_headers([("Connection", "x-a"), ("X-A", "1"), ("Accept", "*/*")]))
    {'Accept': '*/*'}
    """
    pairs = list(headers)
    named = {v.strip().lower() for k, v in pairs if k.lower() == "connection"
             for v in v.split(",")}
    skip = HOP_BY_HOP | named | {d.lower() for d in drop}
    return CIMultiDict((k, v) for k, v in pairs if k.lower() not in skip)


def with_client(html: str, client_src: str) -> str:
    """A backend's page with the client added, unless it names one already (django-vite's
    ``{% vite_hmr_client %}``: one client per page).

    >>> with_client("<head></head>", "/@shaker/client")
    '<head><script type="module" src="/@shaker/client"></script></head>'
    >>> with_client('<head><script type="module" src="/static/@vite/client"></script>', "/x")
    '<head><script type="module" src="/static/@vite/client"></script>'
    """
    return html if _CLIENT_TAG.search(html) else inject_client(html, client_src)


class BackendProxy:
    """Forwards requests to the backend at ``target`` (``http://127.0.0.1:8000``)."""

    def __init__(self, target: str, *, client_src: str) -> None:
        self.target = target.rstrip("/")
        self.client_src = client_src
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(),  # cookies belong to the browser
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def forward(self, request: web.Request) -> web.StreamResponse:
        """The backend's answer to ``request`` (502 when it does not answer)."""
        request[PROXIED] = True
        url = URL(self.target + request.raw_path, encoded=True)
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._websocket(request, url)
        headers = forwarded_headers(request.headers.items())
        headers.setdefault("X-Forwarded-Host", request.host)
        headers.setdefault("X-Forwarded-Proto", request.scheme)
        if request.remote:
            headers["X-Forwarded-For"] = ", ".join(
                p for p in (headers.get("X-Forwarded-For"), request.remote) if p)
        page = request.method == "GET" and "text/html" in request.headers.get("Accept", "")
        if page:
            headers["Accept-Encoding"] = "identity"  # to inject the client
        body = request.content if request.body_exists else None
        retry = request.method in ("GET", "HEAD") and body is None
        while True:
            try:
                upstream = await self.session.request(
                    request.method, url, headers=headers, data=body, allow_redirects=False,
                    skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept",
                                       "Content-Type"))
                break
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
                if retry:  # a kept-alive connection the backend had closed (it restarted)
                    retry = False
                    logger.debug("proxy: %s %s: %s; retrying", request.method,
                                 request.raw_path, exc)
                    continue
                return self._unanswered(request, exc)
            except (aiohttp.ClientError, OSError) as exc:
                return self._unanswered(request, exc)
        try:
            return await self._answer(request, upstream)
        finally:
            upstream.release()

    def _unanswered(self, request: web.Request, exc: BaseException) -> web.Response:
        """502; for a page, one that tries again every second (the backend restarting)."""
        reason = str(exc) or type(exc).__name__
        logger.warning("proxy: %s %s: the backend at %s did not answer (%s)",
                       request.method, request.raw_path, self.target, reason)
        if request.method == "GET" and "text/html" in request.headers.get("Accept", ""):
            page = fill(_BACKEND_DOWN, {}, {"TARGET": html.escape(self.target),
                                            "REASON": html.escape(reason)})
            return web.Response(status=502, text=page, content_type="text/html",
                                headers={"Cache-Control": "no-store"})
        return plain(502, f"Bad gateway: the backend at {self.target} did not answer "
                          f"({reason}). Is it running?")

    async def _answer(self, request: web.Request, upstream: aiohttp.ClientResponse
                      ) -> web.StreamResponse:
        headers = forwarded_headers(upstream.headers.items())
        location = headers.get("Location")
        if location and location.startswith(self.target + "/"):
            headers["Location"] = location[len(self.target):]
        html = (upstream.headers.get("Content-Type", "").startswith("text/html")
                and "Content-Encoding" not in upstream.headers and request.method == "GET")
        if html:
            body = await upstream.read()
            charset = upstream.charset or "utf-8"
            try:
                text = body.decode(charset)
            except (UnicodeDecodeError, LookupError):
                text = None
            if text is not None:
                body = with_client(text, self.client_src).encode(charset)
            headers.popall("Content-Length", None)
            return web.Response(status=upstream.status, reason=upstream.reason, body=body,
                                headers=headers)
        response = web.StreamResponse(status=upstream.status, reason=upstream.reason,
                                      headers=headers)
        await response.prepare(request)
        if request.method != "HEAD":
            async for chunk in upstream.content.iter_chunked(1 << 16):
                await response.write(chunk)
        await response.write_eof()
        return response

    async def _websocket(self, request: web.Request, url: URL) -> web.StreamResponse:
        offered = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "")
                   .split(",") if p.strip()]
        headers = forwarded_headers(request.headers.items(), drop=_WS_HANDSHAKE)
        try:
            upstream = await self.session.ws_connect(
                url.with_scheme("wss" if url.scheme == "https" else "ws"), protocols=offered,
                headers=headers, autoping=False, max_msg_size=0)
        except aiohttp.WSServerHandshakeError as exc:
            return plain(exc.status, f"WebSocket upgrade refused by the backend: {exc.message}")
        except (aiohttp.ClientError, OSError) as exc:
            return plain(502, f"Bad gateway: the backend at {self.target} did not answer "
                              f"({exc or type(exc).__name__})")
        socket = web.WebSocketResponse(protocols=(upstream.protocol,) if upstream.protocol
                                       else (), autoping=False, max_msg_size=0)
        await socket.prepare(request)
        await _pipe(socket, upstream)
        return socket


async def _pipe(browser: web.WebSocketResponse, backend: aiohttp.ClientWebSocketResponse[Any]
                ) -> None:
    """Frames both ways until either side closes; the other then closes with its code."""

    async def copy(source: web.WebSocketResponse | aiohttp.ClientWebSocketResponse[Any],
                   sink: web.WebSocketResponse | aiohttp.ClientWebSocketResponse[Any]) -> None:
        async for message in source:
            if message.type == WSMsgType.TEXT:
                await sink.send_str(message.data)
            elif message.type == WSMsgType.BINARY:
                await sink.send_bytes(message.data)
            elif message.type == WSMsgType.PING:
                await sink.ping(message.data)
            elif message.type == WSMsgType.PONG:
                await sink.pong(message.data)
        await sink.close(code=source.close_code or 1000)

    try:
        await until_first_done(copy(browser, backend), copy(backend, browser))
    finally:
        await backend.close()


__all__ = ["BackendProxy", "forwarded_headers", "with_client"]
