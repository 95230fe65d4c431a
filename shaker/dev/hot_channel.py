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

Sending: a payload is validated and encoded once (``protocol.encode_frame``: JSON, UTF-8) by
``send``, which raises ``ProtocolError`` to its caller when it cannot be encoded (a lone
surrogate, a set, NaN); the same bytes then go to every client, so nothing in a send queue can
fail. Each client's queue is bounded in bytes (``MAX_QUEUE_BYTES``, counting what the socket
has not yet taken): a client over it is not reading, and is closed with 1008 and a reason; its
queue is dropped at once, and a socket that still does not take the close frame within
``CLOSE_TIMEOUT`` is aborted, which frees its buffers. ``close`` (server shutdown) does the same
for every client under one deadline. Client text in log lines is escaped and cut
(``shaker.web.logsafe``), and each client's warnings are rate-limited.
"""

from __future__ import annotations

import asyncio
import collections
import hmac
import itertools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, overload

from aiohttp import WSMsgType, web

from shaker import protocol
from shaker.pipeline.plugins import call
from shaker.web.cors import CorsPolicy
from shaker.web.hosts import AllowedHosts, origin_allowed
from shaker.web.logsafe import LOG_WINDOW, LogLimiter, printable, short_traceback

logger = logging.getLogger("shaker")

Handler = Callable[..., Any]
MAX_QUEUE_BYTES = 8 * 1024 * 1024
"""Bytes waiting for one client (its queue plus what its socket has not taken yet) before it
counts as not reading and is closed with 1008. A frame larger than this still goes to a client
whose queue is empty."""
CLOSE_TIMEOUT = 2.0
"""Seconds a socket gets to take a close frame (and answer it) before it is aborted."""
SHUTDOWN_TIMEOUT = 3.0
"""Seconds ``HotChannel.close`` waits for every socket before aborting the rest."""
HANDLER_TIMEOUT = 10.0
"""Seconds a ``server.ws.on`` handler may run; then it is cancelled and the client goes on."""
CLOSE_SLOW = 1008
_LOG_FRAME_CHARS = 2000
_BUFFERED_TYPES = ("error", "full-reload")


def _payload_frame(payload: protocol.HotPayload | Mapping[str, Any] | str, data: Any) -> bytes:
    if isinstance(payload, str):
        return protocol.encode_frame(protocol.Custom(event=payload, data=data))
    return protocol.encode_frame(payload)


@dataclass(frozen=True)
class _Buffered:
    """The one payload kept for the next client: its frame, and for an error the module it is
    about (``err.id``: a file path or a plugin's module id), so a fix can drop it."""

    frame: bytes
    error_id: str | None = None


class HotClient:
    """One connected browser; handlers get this as ``client``."""

    def __init__(
        self,
        channel: HotChannel,
        socket: web.WebSocketResponse,
        number: int,
        transport: Any = None,
    ) -> None:
        self.channel = channel
        self.socket = socket
        self.id = number
        self.transport = transport
        """The connection's ``asyncio.Transport``: aborted when a close cannot get through."""
        self._queue: collections.deque[bytes] = collections.deque()
        self._queued_bytes = 0
        self._wake = asyncio.Event()
        self._stopping = False
        self._closing: asyncio.Task[None] | None = None
        self.warnings = LogLimiter(logger.warning, f"ws client #{number}")
        self._flush: asyncio.TimerHandle | None = None
        self._writer = asyncio.create_task(self._write_loop(), name=f"shaker-ws-writer-{number}")

    def __repr__(self) -> str:
        return f"<HotClient #{self.id}>"

    @overload
    def send(self, payload: protocol.HotPayload | Mapping[str, Any]) -> None: ...
    @overload
    def send(self, payload: str, data: Any = None) -> None: ...

    def send(self, payload: Any, data: Any = None) -> None:
        """Send to this client: ``send(event, data)`` or ``send(payload)``; never blocks.

        Raises ``shaker.protocol.ProtocolError`` when the payload cannot be encoded."""
        self.send_frame(_payload_frame(payload, data))

    @property
    def pending_bytes(self) -> int:
        """Bytes queued for this client plus those its socket has not sent yet."""
        buffered = 0
        if self.transport is not None:
            try:
                buffered = self.transport.get_write_buffer_size()
            except Exception:  # a closed transport
                buffered = 0
        return self._queued_bytes + buffered

    def send_frame(self, frame: bytes) -> None:
        """Queue an encoded frame (``protocol.encode_frame``); a client that is over
        ``MAX_QUEUE_BYTES`` is closed instead (1008)."""
        if self.socket.closed or self._closing is not None or self._stopping:
            return
        if self._queue and self.pending_bytes + len(frame) > MAX_QUEUE_BYTES:
            self._overflow(len(frame))
            return
        self._queue.append(frame)
        self._queued_bytes += len(frame)
        self._wake.set()

    def warn(self, message: str, *args: Any) -> None:
        """A warning about this client, rate-limited (``shaker.web.logsafe.LogLimiter``)."""
        if self.warnings.allow():
            logger.warning(message, *args)
        elif self._flush is None:
            loop = asyncio.get_running_loop()
            self._flush = loop.call_later(LOG_WINDOW, self._flush_warnings)

    def _flush_warnings(self) -> None:
        self._flush = None
        self.warnings.flush()

    def _overflow(self, incoming: int) -> None:
        pending = self.pending_bytes
        reason = f"not reading: over {MAX_QUEUE_BYTES // (1024 * 1024)} MiB queued"
        self.warn("ws client #%d is %s (%d bytes waiting, %d more offered); closing it (%d)",
                  self.id, reason, pending, incoming, CLOSE_SLOW)
        self._begin_close(CLOSE_SLOW, reason, CLOSE_TIMEOUT)

    def _drop_queue(self) -> None:
        self._queue.clear()
        self._queued_bytes = 0
        self._wake.set()

    async def _write_loop(self) -> None:
        while True:
            while not self._queue:
                if self._stopping or self._closing is not None:
                    return
                self._wake.clear()
                await self._wake.wait()
            frame = self._queue.popleft()
            self._queued_bytes -= len(frame)
            if self.channel.debug:
                logger.debug("ws → #%d %s", self.id,
                             printable(frame[:_LOG_FRAME_CHARS].decode("utf-8", "replace"),
                                       _LOG_FRAME_CHARS))
            try:
                await self.socket.send_frame(frame, WSMsgType.TEXT)
            except Exception as exc:
                if self.socket.closed or self.transport is None or self.transport.is_closing():
                    logger.debug("ws client #%d: send failed: %s", self.id, exc)
                    self._drop_queue()
                    return
                self.warn("ws client #%d: could not send a frame: %s", self.id, printable(exc))

    async def close(self, code: int = 1000, message: str = "") -> None:
        """Close with ``code`` and ``message``; abort the connection if the close frame cannot
        get through within ``CLOSE_TIMEOUT`` seconds."""
        await asyncio.shield(self._begin_close(code, message, CLOSE_TIMEOUT))

    def _begin_close(self, code: int, message: str, timeout: float) -> asyncio.Task[None]:
        """Start closing (once: a second call returns the first close's task)."""
        self._drop_queue()
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._shut(code, message, timeout))
        return self._closing

    async def _shut(self, code: int, message: str, timeout: float = CLOSE_TIMEOUT) -> None:
        # The writer is not cancelled: it may be waiting for the socket to drain, on the same
        # future the close frame waits for (cancelling it would cancel that future too). With
        # the queue empty it stops after its current frame.
        self._drop_queue()
        closed = False
        try:
            await asyncio.wait_for(self.socket.close(code=code, message=message.encode()[:120]),
                                   timeout)
            closed = True
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and getattr(task, "cancelling", lambda: 1)():
                raise  # this task is being cancelled: abort (below) and stop
            # else aiohttp's close was cancelled from inside (a drain it waited for)
        except Exception as exc:  # asyncio.TimeoutError included
            logger.debug("ws client #%d: close did not complete (%s)", self.id,
                         type(exc).__name__)
        finally:
            if not closed:
                self.abort()
        if not closed:
            return
        if self.transport is not None and self.transport.get_write_buffer_size():
            # Closed, with bytes still buffered: a peer that reads gets them and the close
            # frame; one that does not is aborted when the time is up (a no-op otherwise).
            asyncio.get_running_loop().call_later(timeout, self.transport.abort)

    def abort(self) -> None:
        """Drop the connection now, with whatever it had not sent (frees its buffers)."""
        self._drop_queue()
        if self.transport is not None:
            self.transport.abort()

    async def _finish(self) -> None:
        """Let queued frames go out, then stop the writer (bounded by ``CLOSE_TIMEOUT``)."""
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._writer), CLOSE_TIMEOUT)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            self._writer.cancel()
        self._drop_queue()
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        self.warnings.flush()


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

        The payload is encoded once, here: ``shaker.protocol.ProtocolError`` is raised to the
        caller when it cannot be (a lone surrogate, a value JSON cannot carry), and no client
        is affected.
        """
        frame = _payload_frame(payload, data)
        if not self._clients:
            wire = protocol.to_wire(payload) if not isinstance(payload, str) else {}
            if wire.get("type") in _BUFFERED_TYPES:
                err = wire.get("err")
                error_id = err.get("id") if isinstance(err, Mapping) else None
                self._buffered = _Buffered(frame, error_id if isinstance(error_id, str) else None)
            return
        for client in list(self._clients.values()):
            client.send_frame(frame)

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
            "ws upgrade refused (%s) from %s: Host=%s Origin=%s",
            reason,
            request.remote,
            printable(request.headers.get("Host")),
            printable(request.headers.get("Origin")),
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
        await self._serve(socket, request.transport)
        return socket

    # -- one connection ---------------------------------------------------------------------

    async def _emit(self, event: str, client: HotClient, *args: Any) -> None:
        """Run ``event``'s handlers with ``args``, one at a time, each under
        ``HANDLER_TIMEOUT``; a handler that fails is logged (one line when it could not send
        what it built from client data, else a short traceback) and the others still run."""
        for handler in list(self._handlers.get(event, ())):
            what = f"ws handler for {printable(repr(event), 100)} (client #{client.id})"
            try:
                await asyncio.wait_for(call(handler, *args), HANDLER_TIMEOUT)
            except protocol.ProtocolError as exc:
                client.warn("%s could not send: %s", what, printable(exc))
            except asyncio.TimeoutError:
                client.warn("%s did not return within %g s; cancelled", what, HANDLER_TIMEOUT)
            except Exception as exc:
                if client.warnings.allow():
                    logger.error("error in %s\n%s", what, short_traceback(exc))

    async def _serve(self, socket: web.WebSocketResponse, transport: Any = None) -> None:
        client = HotClient(self, socket, next(self._numbers), transport)
        self._clients[client.id] = client
        logger.debug("ws client #%d connected", client.id)
        try:
            client.send(protocol.Connected())
            if self._buffered is not None:
                client.send_frame(self._buffered.frame)
                self._buffered = None
            await self._emit(protocol.EVENT_CLIENT_CONNECT, client, None, client)
            await self._emit("connection", client, client)
            async for message in socket:
                await self._receive(client, message)
        finally:
            del self._clients[client.id]
            if client._closing is not None:  # let the close handshake finish (or time out)
                await asyncio.wait({client._closing})
            await client._finish()
            logger.debug("ws client #%d disconnected", client.id)
            await self._emit("disconnect", client, client)
            await self._emit(protocol.EVENT_CLIENT_DISCONNECT, client, None, client)

    async def _receive(self, client: HotClient, message: Any) -> None:
        if message.type == WSMsgType.ERROR:
            client.warn("ws client #%d closed: %s", client.id, printable(message.data))
            return
        if message.type != WSMsgType.TEXT:
            client.warn("ws client #%d: dropped a %s frame", client.id, message.type.name)
            return
        text: str = message.data
        if self.debug:
            logger.debug("ws ← #%d %s", client.id, printable(text, _LOG_FRAME_CHARS))
        try:
            parsed = protocol.parse_client_message(text)
        except protocol.ProtocolError as exc:
            client.warn("ws client #%d: dropped a message (%d chars): %s", client.id, len(text),
                        printable(exc))
            return
        if isinstance(parsed, protocol.ClientCustom):
            if parsed.event in protocol.SERVER_EVENTS:  # a client must not fake lifecycle events
                client.warn("ws client #%d: dropped reserved event %s", client.id,
                            printable(repr(parsed.event)))
                return
            await self._emit(parsed.event, client, parsed.data, client)

    async def close(self, timeout: float = SHUTDOWN_TIMEOUT) -> None:
        """Close every socket (1001, going away) and refuse new ones; a socket that has not
        taken its close frame after ``timeout`` seconds is aborted."""
        self._closing = True
        clients = list(self._clients.values())
        await asyncio.gather(
            *(c._begin_close(1001, "server shutting down", timeout) for c in clients),
            return_exceptions=True,
        )
