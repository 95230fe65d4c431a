"""What ``shaker dev`` and ``shaker preview`` share once the config is loaded: the reason a
server could not listen, as one line instead of a traceback.

>>> import errno, socket
>>> listen_error(OSError(errno.EADDRINUSE, "Address in use"), "localhost", 5173, strict=True)
'port 5173 is in use (remove --strict-port to move to a free one)'
>>> listen_error(socket.gaierror(-2, "Name or service not known"), "nope.example", 80)
"cannot listen on host 'nope.example': Name or service not known"
"""

from __future__ import annotations

import errno
import socket

import click


def listen_error(exc: OSError, host: str, port: int, *, strict: bool = False) -> str:
    """Why binding ``host``:``port`` failed, in words a user can act on."""
    reason = exc.strerror or str(exc)
    if isinstance(exc, socket.gaierror):
        return f"cannot listen on host {host!r}: {reason}"
    if exc.errno == errno.EADDRINUSE:
        if strict:
            return f"port {port} is in use (remove --strict-port to move to a free one)"
        return f"no free port from {port} on: {reason}"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {host}: no network interface of this machine has that address"
    if exc.errno == errno.EACCES:
        return f"cannot listen on {host}:{port}: {reason} (ports below 1024 need privileges)"
    return f"cannot listen on {host}:{port}: {reason}"


def echo_error(message: str) -> None:
    """``error: …`` on stderr, the commands' one format for failures found at run time."""
    click.echo(f"error: {message}", err=True)
