"""The hot channel: the WebSocket at ``/@shaker/ws`` and the ``server.ws`` plugin API.

Upgrade acceptance (reference/vite-hmr.md §3.4, made stricter): the subprotocol must be
``shaker-hmr`` (or ``shaker-ping`` for the restart poll, which is accepted and closed with 1000
at once, carrying no data); the ``Host`` must be allowed; the per-start ``token`` query
parameter is always required; an ``Origin``, when present, must be the server's own or one
that ``server.cors`` allows (a page a backend renders, as in Vite).

Per connection: ``connected`` is the first frame, then a buffered ``error``/``full-reload`` if
one was sent while no client was open, then the ``shaker:client:connect`` and ``connection``
handlers run. A buffered error is dropped once the module it names builds again
(``resolve_error``), so a page opened after the fix shows no stale overlay; a later
``full-reload`` replaces it. Frames are handled one at a time per client, so a client's
messages reach the handlers in order; each client has its own writer task, so a slow client
delays only itself. Invalid frames (binary, bad JSON, non-object, unknown type) are dropped and
logged; a frame over ``max_message_bytes`` closes that client with 1009. Nothing one client
sends affects another.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, overload

from aiohttp import WSMsgType, web

from shaker import protocol
from shaker.pipeline.plugins import call_logged
from shaker.web.cors import CorsPolicy
from shaker.web.hosts import AllowedHosts, origin_allowed

logger = logging.getLogger("shaker")

Handler = Callable[..., Any]
MAX_PENDING_FRAMES = 4096
"""Frames queued for one client before it is considered stuck and closed."""
CLOSE_TIMEOUT = 2.0
_LOG_FRAME_CHARS = 2000
_BUFFERED_TYPES = ("error", "full-reload")


def _payload_text(payload: protocol.HotPayload | Mapping[str, Any] | str, data: Any) -> str:
    if isinstance(payload, str):
        return protocol.encode(protocol.Custom(event=payload, data=data))
    return protocol.encode(payload)


@dataclass(frozen=True)
class _Buffered:
    """The one payload kept for the next client: its text, and for an error the module it is
    about (``err.id``: a file path or a plugin's module id), so a fix can drop it."""

    text: str
    error_id: str | None = None


class HotClient:
    """One connected browser; handlers get this as ``client``."""

    def __init__(self, channel: HotChannel, socket: web.WebSocketResponse, number: int) -> None:
        self.channel = channel
        self.socket = socket
        self.id = number
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._closer: asyncio.Future[None] | None = None
        self._writer = asyncio.create_task(self._write_loop(), name=f"shaker-ws-writer-{number}")

    def __repr__(self) -> str:
        return f"<HotClient #{self.id}>"

    @overload
    def send(self, payload: protocol.HotPayload | Mapping[str, Any]) -> None: ...
    @overload
    def send(self, payload: str, data: Any = None) -> None: ...

    def send(self, payload: Any, data: Any = None) -> None:
        """Send to this client: ``send(event, data)`` or ``send(payload)``; never blocks."""
        self.send_text(_payload_text(payload, data))

    def send_text(self, text: str) -> None:
        if self.socket.closed:
            return
        if self._queue.qsize() >= MAX_PENDING_FRAMES:
            logger.warning("ws client #%d is not reading; closing it", self.id)
            if self._closer is None:
                self._closer = asyncio.ensure_future(self.close(1008, "too many pending messages"))
            return
        self._queue.put_nowait(text)

    async def _write_loop(self) -> None:
        while (text := await self._queue.get()) is not None:
            if self.channel.debug:
                logger.debug("ws → #%d %s", self.id, text[:_LOG_FRAME_CHARS])
            try:
                await self.socket.send_str(text)
            except Exception as exc:  # the peer went away mid-send; the reader will notice
                logger.debug("ws client #%d: send failed: %s", self.id, exc)
                return

    async def close(self, code: int = 1000, message: str = "") -> None:
        await self.socket.close(code=code, message=message.encode())

    async def _finish(self) -> None:
        """Let queued frames go out, then stop the writer."""
        self._queue.put_nowait(None)
        try:
            await asyncio.wait_for(self._writer, CLOSE_TIMEOUT)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            self._writer.cancel()


class HotChannel:
    """``server.ws``: broadcast, listen to custom events, see who is connected."""

    def __init__(
        self,
        *,
        token: str,
        allowed_hosts: AllowedHosts,
        trusted_origin_hosts: frozenset[str] = frozenset(),
        max_message_bytes: int = 1024 * 1024,
        debug: bool = False,
        cors: CorsPolicy | None = None,
    ) -> None:
        self.token = token
        self.allowed_hosts = allowed_hosts
        self.trusted_origin_hosts = trusted_origin_hosts
        self.cors = cors or CorsPolicy()
        """Other origins whose pages may connect (``server.cors``): backend-rendered pages."""
        self.max_message_bytes = max_message_bytes
        self.debug = debug
        self._handlers: dict[str, list[Handler]] = {}
        self._clients: dict[int, HotClient] = {}
        self._buffered: _Buffered | None = None
        self._numbers = itertools.count(1)
        self._closing = False

    # -- plugin API -------------------------------------------------------------------------

    @property
    def clients(self) -> frozenset[HotClient]:
        return frozenset(self._clients.values())

    @overload
    def on(self, event: str) -> Callable[[Handler], Handler]: ...
    @overload
    def on(self, event: str, handler: Handler) -> Handler: ...

    def on(self, event: str, handler: Handler | None = None) -> Any:
        """Register ``handler`` for ``event``; without a handler, return a decorator.

        ``connection``/``disconnect`` handlers get ``(client)``; every other event's handlers
        get ``(data, client)``. Handlers may be sync or async.
        """
        if handler is None:
            return lambda fn: self.on(event, fn)
        self._handlers.setdefault(event, []).append(handler)
        return handler

    def off(self, event: str, handler: Handler) -> None:
        """Remove a handler registered with ``on``; unknown handlers are ignored."""
        handlers = self._handlers.get(event, [])
        if handler in handlers:
            handlers.remove(handler)

    @overload
    def send(self, payload: protocol.HotPayload | Mapping[str, Any]) -> None: ...
    @overload
    def send(self, payload: str, data: Any = None) -> None: ...

    def send(self, payload: Any, data: Any = None) -> None:
        """Broadcast ``send(event, data)`` as a ``custom`` payload, or a full payload.

        With no client connected, an ``error`` or ``full-reload`` is kept (one slot, last wins)
        and delivered right after the next client's ``connected``, as Vite does, unless
        ``resolve_error`` drops the error first.
        """
        text = _payload_text(payload, data)
        if not self._clients:
            wire = protocol.to_wire(payload) if not isinstance(payload, str) else {}
            if wire.get("type") in _BUFFERED_TYPES:
                err = wire.get("err")
                error_id = err.get("id") if isinstance(err, Mapping) else None
                self._buffered = _Buffered(text, error_id if isinstance(error_id, str) else None)
            return
        for client in list(self._clients.values()):
            client.send_text(text)

    def resolve_error(self, id: str) -> None:
        """The module ``id`` (a file path or module id, as in ``err.id``) built again: drop a
        buffered error about it, which would show a page opened after the fix a stale overlay.
        An error about another module stays: that module is still broken."""
        if self._buffered is not None and self._buffered.error_id == id:
            logger.debug("dropped the buffered error about %s: it builds again", id)
            self._buffered = None

    # -- upgrade ----------------------------------------------------------------------------

    def _refuse(self, request: web.Request, status: int, reason: str) -> web.Response:
        logger.warning(
            "ws upgrade refused (%s) from %s: Host=%r Origin=%r",
            reason,
            request.remote,
            request.headers.get("Host"),
            request.headers.get("Origin"),
        )
        return web.Response(status=status, text=f"WebSocket upgrade refused: {reason}\n")

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The aiohttp handler for the WebSocket path."""
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return web.Response(status=426, text="This is the shaker HMR WebSocket endpoint.\n")
        offered = {p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")}
        if not self.allowed_hosts.allows(request.headers.get("Host")):
            return self._refuse(request, 403, "host not allowed")
        if self._closing:
            return self._refuse(request, 503, "server is shutting down")
        if protocol.SUBPROTOCOL not in offered and protocol.PING_SUBPROTOCOL in offered:
            ping = web.WebSocketResponse(protocols=(protocol.PING_SUBPROTOCOL,))
            await ping.prepare(request)
            await ping.close(code=1000)
            return ping
        if protocol.SUBPROTOCOL not in offered:
            return self._refuse(request, 400, f"subprotocol {protocol.SUBPROTOCOL!r} required")
        token = request.query.get("token", "")
        if not hmac.compare_digest(token.encode(), self.token.encode()):
            return self._refuse(request, 403, "missing or wrong token")
        origin = request.headers.get("Origin")
        if origin is not None and not self.cors.allows(origin) and not origin_allowed(
            origin, request.headers.get("Host"), self.trusted_origin_hosts
        ):
            return self._refuse(request, 403, "origin not allowed")
        socket = web.WebSocketResponse(
            protocols=(protocol.SUBPROTOCOL,),
            max_msg_size=self.max_message_bytes,
            timeout=CLOSE_TIMEOUT,
            compress=False,
        )
        await socket.prepare(request)
        await self._serve(socket)
        return socket

    # -- one connection ---------------------------------------------------------------------

    async def _emit(self, event: str, *args: Any) -> None:
        for handler in list(self._handlers.get(event, ())):
            await call_logged(handler, *args, what=f"ws handler for {event!r}")

    async def _serve(self, socket: web.WebSocketResponse) -> None:
        client = HotClient(self, socket, next(self._numbers))
        self._clients[client.id] = client
        logger.debug("ws client #%d connected", client.id)
        try:
            client.send(protocol.Connected())
            if self._buffered is not None:
                client.send_text(self._buffered.text)
                self._buffered = None
            await self._emit(protocol.EVENT_CLIENT_CONNECT, None, client)
            await self._emit("connection", client)
            async for message in socket:
                await self._receive(client, message)
        finally:
            del self._clients[client.id]
            await client._finish()
            logger.debug("ws client #%d disconnected", client.id)
            await self._emit("disconnect", client)
            await self._emit(protocol.EVENT_CLIENT_DISCONNECT, None, client)

    async def _receive(self, client: HotClient, message: Any) -> None:
        if message.type == WSMsgType.ERROR:
            logger.warning("ws client #%d closed: %s", client.id, message.data)
            return
        if message.type != WSMsgType.TEXT:
            logger.warning("ws client #%d: dropped a %s frame", client.id, message.type.name)
            return
        text: str = message.data
        if self.debug:
            logger.debug("ws ← #%d %s", client.id, text[:_LOG_FRAME_CHARS])
        try:
            parsed = protocol.parse_client_message(text)
        except protocol.ProtocolError as exc:
            logger.warning("ws client #%d: dropped a message: %s", client.id, exc)
            return
        if isinstance(parsed, protocol.ClientCustom):
            if parsed.event in protocol.SERVER_EVENTS:  # a client must not fake lifecycle events
                logger.warning("ws client #%d: dropped reserved event %r", client.id, parsed.event)
                return
            await self._emit(parsed.event, parsed.data, client)

    async def close(self) -> None:
        """Close every socket (1001, going away) and refuse new ones."""
        self._closing = True
        await asyncio.gather(
            *(c.close(1001, "server shutting down") for c in list(self._clients.values())),
            return_exceptions=True,
        )
