"""Which other origins may read what the dev server answers (CORS), and the headers that say so.

A page that a backend renders (Django on ``http://127.0.0.1:8000``) loads its modules from the
dev server (``http://localhost:5173``): module scripts are always fetched in CORS mode, so
each answer needs ``Access-Control-Allow-Origin``, or the browser refuses to run the page.
The rule is Vite's ``server.cors`` (``shaker.config.DEFAULT_CORS_ORIGINS`` by default: pages
on localhost, 127.0.0.1 and [::1], any port): an allowed ``Origin`` is reflected with
``Vary: Origin``, a preflight (``OPTIONS``) is answered, and a page on any other origin gets
no CORS header at all, so its browser keeps the answer from it. The WebSocket accepts the
same origins (its token is still required).

>>> policy = CorsPolicy.from_config(DEFAULT_CORS_ORIGINS)
>>> [policy.allows(o) for o in ("http://127.0.0.1:8000", "https://app.localhost",
...                             "http://[::1]:3000", "http://evil.test", "null")]
[True, True, True, False, False]
>>> CorsPolicy.from_config(("http://app.test:8000",)).allows("http://APP.test:8000")
True
>>> CorsPolicy.from_config(False).allows("http://localhost:8000")
False
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from shaker.config import DEFAULT_CORS_ORIGINS, CorsOrigins

__all__ = ["DEFAULT_CORS_ORIGINS", "PREFLIGHT_METHODS", "CorsPolicy"]

PREFLIGHT_METHODS = "GET,HEAD,PUT,PATCH,POST,DELETE"
"""``Access-Control-Allow-Methods`` of a preflight answer (the ``cors`` package's default,
which Vite uses)."""


def _normal(origin: str) -> str | None:
    """``scheme://host[:port]`` in lower case, or None for what is no HTTP(S) origin."""
    try:
        parts = urlsplit(origin.strip())
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname \
            or parts.path or parts.query or parts.username:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


@dataclass(frozen=True)
class CorsPolicy:
    """``any`` allows every origin; otherwise an origin is allowed when it equals one of
    ``origins`` or a regex of ``patterns`` matches the whole of it (``re.fullmatch``, so
    ``re.compile(r"https://.*\\.example\\.com")`` cannot be fooled by a suffix)."""

    any: bool = False
    origins: frozenset[str] = frozenset()
    patterns: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def from_config(cls, value: CorsOrigins) -> CorsPolicy:
        """The policy for ``server.cors`` (already normalised by ``ServerConfig``)."""
        if value is True:
            return cls(any=True)
        if value is False:
            return cls()
        origins = frozenset(o for o in value if isinstance(o, str))
        patterns = tuple(p for p in value if isinstance(p, re.Pattern))
        return cls(origins=origins, patterns=patterns)

    @property
    def enabled(self) -> bool:
        return self.any or bool(self.origins or self.patterns)

    def allows(self, origin: str | None) -> bool:
        """Whether a page on ``origin`` (an ``Origin`` header) may read answers."""
        if origin is None:
            return False
        if self.any:
            return True
        normal = _normal(origin)
        if normal is None:
            return False
        return normal in self.origins or any(p.fullmatch(origin.strip())
                                             for p in self.patterns)

    def headers(self, origin: str | None) -> dict[str, str]:
        """The headers of an answer to a request from ``origin`` (``Vary`` whatever it is,
        since the answer depends on it)."""
        if not self.enabled:
            return {}
        if origin is None or not self.allows(origin):
            return {"Vary": "Origin"}
        return {"Access-Control-Allow-Origin": origin.strip(), "Vary": "Origin"}

    def preflight(self, origin: str | None, request_headers: Mapping[str, str]
                  ) -> dict[str, str]:
        """The headers of the answer (204) to a preflight ``OPTIONS`` request."""
        headers = self.headers(origin)
        if "Access-Control-Allow-Origin" not in headers:
            return headers
        headers["Access-Control-Allow-Methods"] = PREFLIGHT_METHODS
        asked = request_headers.get("Access-Control-Request-Headers")
        if asked:
            headers["Access-Control-Allow-Headers"] = asked
            headers["Vary"] = "Origin, Access-Control-Request-Headers"
        if request_headers.get("Access-Control-Request-Private-Network") == "true":
            headers["Access-Control-Allow-Private-Network"] = "true"
        return headers
