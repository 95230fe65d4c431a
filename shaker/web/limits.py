"""Connection limits shared by ``shaker dev`` and ``shaker preview``: slow clients and floods.

- **Request headers**: a connection must deliver a complete request head within
  ``HEADER_TIMEOUT`` seconds of connecting (or of the end of its previous response) or it is
  closed. aiohttp has no separate header timeout, but its keep-alive timer does this: it starts
  when the connection is made and when a response ends, is not reset by incoming bytes, and
  closes a connection whose handler is still waiting for a request. So ``keepalive_timeout``
  is the header timeout (Node's ``keepAliveTimeout`` is 5 s; its ``headersTimeout`` 60 s). It
  never touches a request being handled or an open WebSocket.
- **Request head size**: aiohttp's limits (8,190 bytes per line and per header field, 128
  header fields) answer 400 beyond them.
- **Connections**: at most ``connection_limit()`` at once (the process's file-descriptor limit
  less ``FD_RESERVE`` for files, the watcher and the worker threads). A connection over it is
  answered ``503`` and closed at once, so a flood of half-open requests cannot take the
  descriptors the server needs to read files and accept the page's own requests.
- **Shutdown**: ``abort_connections`` drops whatever is still open once the shutdown deadline
  has passed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiohttp import web

logger = logging.getLogger("shaker")

HEADER_TIMEOUT = 10.0
"""Seconds a connection has to send a complete request head (also the keep-alive idle time)."""
FD_RESERVE = 128
"""File descriptors kept free of connections: files being served, the watcher, threads."""
MIN_CONNECTIONS = 64
REFUSE_LINGER = 1.0
"""Seconds a refused connection stays open after its 503, reading and dropping input."""
REFUSED_RESPONSE = (b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n"
                    b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 29\r\n\r\n"
                    b"too many connections, retry\r\n")


def raise_fd_limit() -> int:
    """Raise the soft ``RLIMIT_NOFILE`` to the hard limit (as Go programs do at start) and
    return the soft limit now in force; servers hold one descriptor per connection."""
    try:
        import resource
    except ImportError:  # Windows
        return 8192
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft if soft != resource.RLIM_INFINITY else 65536


def connection_limit() -> int:
    """How many connections one server accepts at once, from the descriptor limit."""
    return max(MIN_CONNECTIONS, raise_fd_limit() - FD_RESERVE)


def runner_options() -> dict[str, Any]:
    """Keyword arguments for ``web.AppRunner``: the header timeout, no access log, no signal
    handling (the CLI handles Ctrl-C), a short graceful-shutdown window for handlers."""
    return {
        "handle_signals": False,
        "access_log": None,
        "shutdown_timeout": 1.0,
        "keepalive_timeout": HEADER_TIMEOUT,
    }


class ConnectionCap:
    """Refuse connections beyond ``limit`` on an aiohttp ``web.Server`` (503, then close).

    ``install`` wraps the server's ``connection_made`` (the hook every ``RequestHandler``
    calls when its transport opens). A connection over the limit is registered as usual (its
    handler task must find the server it was made by), told to ignore what it receives, sent
    the 503 and closed ``REFUSE_LINGER`` seconds later: closing a socket with unread input
    would reset it before the client reads the answer. Refusals are logged at most once a
    second, with a count.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.refused = 0
        self._logged_at = 0.0
        self._unlogged = 0

    def install(self, server: web.Server) -> None:
        accept = server.connection_made

        def connection_made(handler: Any, transport: Any) -> None:
            open_now = len(server.connections)
            accept(handler, transport)
            if open_now >= self.limit:
                self._refuse(handler, transport, open_now)

        server.connection_made = connection_made  # type: ignore[method-assign]

    def _refuse(self, handler: Any, transport: Any, open_now: int) -> None:
        self.refused += 1
        self._unlogged += 1
        handler.close()  # parse nothing it sends
        transport.write(REFUSED_RESPONSE)
        asyncio.get_running_loop().call_later(REFUSE_LINGER, handler.force_close)
        now = time.monotonic()
        if now - self._logged_at >= 1.0:
            logger.warning("refused %d connection(s): %d open, the limit is %d",
                           self._unlogged, open_now, self.limit)
            self._logged_at = now
            self._unlogged = 0


def abort_connections(server: web.Server | None) -> int:
    """Abort every connection ``server`` still holds (the shutdown deadline passed);
    returns how many."""
    if server is None:
        return 0
    transports = list(getattr(server, "_connections", {}).values())
    for transport in transports:
        transport.abort()
    return len(transports)


__all__ = ["HEADER_TIMEOUT", "ConnectionCap", "abort_connections", "connection_limit",
           "raise_fd_limit", "runner_options"]
