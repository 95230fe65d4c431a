"""``Host`` and ``Origin`` checks: the defence against DNS rebinding and cross-site sockets.

A page on ``attacker.example`` whose DNS later points at 127.0.0.1 reaches the dev server
with ``Host: attacker.example``; refusing unknown host names (on HTTP and on the WebSocket
upgrade) stops it reading the project's source. Rules follow Vite's ``isHostAllowed``:
``localhost``, ``*.localhost`` and IP literals are always allowed, plus configured names; an
entry starting with ``.`` allows that domain and its subdomains.

>>> hosts = AllowedHosts(("example.test", ".dev.test"))
>>> [hosts.allows(h) for h in ("localhost:5173", "[::1]:80", "a.dev.test", "evil.example")]
[True, True, True, False]
>>> origin_allowed("http://localhost:5173", "localhost:5173", frozenset())
True
>>> origin_allowed("http://evil.example", "localhost:5173", frozenset())
False
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def split_host(value: str) -> tuple[str, int | None] | None:
    """``host[:port]`` → (lower-case hostname without brackets, port); None if malformed."""
    value = value.strip().lower()
    if not value:
        return None
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[1:end], value[end + 1 :]
        try:
            ipaddress.IPv6Address(name)
        except ValueError:
            return None
    else:
        name, sep, port_text = value.partition(":")
        if ":" in port_text:  # bare IPv6 without brackets is not a valid Host header
            return None
        rest = sep + port_text
    port: int | None = None
    if rest:
        if not rest.startswith(":") or not rest[1:].isdigit():
            return None
        port = int(rest[1:])
        if port > 65535:
            return None
    if not name or any(c in name for c in "/@?#\\ "):
        return None
    return name, port


def is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class AllowedHosts:
    """The set of host names the server answers to (``True`` allows any: opt-in only)."""

    def __init__(self, names: Iterable[str] | bool = ()) -> None:
        self.any = names is True
        entries = () if isinstance(names, bool) else names
        self.exact = frozenset(n.lower().strip() for n in entries if not n.startswith("."))
        self.suffixes = tuple(n.lower().strip() for n in entries if n.startswith("."))

    def allows_name(self, name: str) -> bool:
        name = name.lower().rstrip(".")
        if self.any or name == "localhost" or name.endswith(".localhost"):
            return True
        if is_ip_literal(name) or name in self.exact:
            return True
        return any(name == s[1:] or name.endswith(s) for s in self.suffixes)

    def allows(self, host_header: str | None) -> bool:
        """Whether a request with this ``Host`` header may be answered."""
        if host_header is None:  # HTTP/1.0 clients; browsers always send Host
            return True
        parts = split_host(host_header)
        return parts is not None and self.allows_name(parts[0])


def _netloc(scheme: str, name: str, port: int | None) -> tuple[str, int | None]:
    return name, port if port is not None else _DEFAULT_PORTS.get(scheme)


def origin_allowed(origin: str, host_header: str | None, trusted: frozenset[str]) -> bool:
    """Whether a WebSocket ``Origin`` is the server's own.

    Same origin means the same host and port as the request's ``Host``. Behind a proxy the page
    lives elsewhere, so a host name the user configured (``allowed_hosts``, ``hmr.host``) is
    trusted too. ``null`` and non-HTTP origins are refused.
    """
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    name = (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not name or parts.path not in ("", "/"):
        return False
    if name in trusted:
        return True
    if host_header is None:
        return False
    host = split_host(host_header)
    if host is None:
        return False
    return _netloc(scheme, name, port) == _netloc(scheme, host[0], host[1])
