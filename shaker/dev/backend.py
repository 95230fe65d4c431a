"""Backend mode: pages a backend renders (Django, Flask, FastAPI) that load modules from here.

What such a page needs of the dev server, following Vite's backend integration
(``reference/round2-ecosystem.md`` §1.2), so that django-vite works unchanged:

- ``<base>@vite/client``, the URL backend helpers write: a re-export of shaker's client
  (:func:`vite_client_module`), so one client runs however many of its URLs a page names;
- CORS (:func:`cors_middleware`, the rule in ``shaker.web.cors``): the page on
  ``http://127.0.0.1:8000`` reads modules from ``http://localhost:5173``; an allowed origin
  is reflected, a preflight answered, answers forwarded to a ``server.proxy`` backend left
  as the backend wrote them;
- reload globs (:class:`ReloadGlobs`, ``server.watch.reload``): templates and Python files
  the backend uses are watched, never served, and a change reloads every page once the
  page's own origin answers again (:func:`reload_payload`).

>>> globs = ReloadGlobs(Path("/p"), ("templates/**/*.html", "**/*.py"))
>>> [globs.matches(Path(p)) for p in ("/p/templates/a/b.html", "/p/app/views.py", "/p/src/x.js")]
[True, True, False]
>>> globs.deny_patterns
('/templates/**/*.html', '/**/*.py')
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from shaker import protocol
from shaker.dev.imports import under_base
from shaker.pipeline.generated import fill, template
from shaker.web.cors import CorsPolicy
from shaker.web.fs_guard import DenyList
from shaker.web.responses import BASE_HEADERS

VITE_CLIENT_PATH = "/@vite/client"
"""Where backend integrations expect the client, under the base (``/static/@vite/client``)."""

PROXIED = web.RequestKey("shaker.proxied", bool)
"""Set on a request whose answer came from the ``server.proxy`` backend: left as it is."""

_GLOB_CHARS = frozenset("*?[]{}")


def vite_client_module(base: str) -> str:
    """``<base>@vite/client``: ``export * from "<base>@shaker/client"``.

    >>> print(vite_client_module("/static/").strip().splitlines()[-1])
    export * from "/static/@shaker/client";
    """
    return fill(template("vite-client.js", "shaker.dev"),
                {"CLIENT": under_base(protocol.CLIENT_PATH, base)})


def cors_middleware(policy: CorsPolicy,
                    forwarded: Callable[[web.Request], bool] = lambda request: False
                    ) -> Middleware:
    """CORS headers on every answer of this server, and preflights from allowed origins
    answered (204; another origin's gets the 405 of any other method).

    ``forwarded(request)`` says that a request goes to the ``server.proxy`` backend, whose
    own CORS rules then apply, preflights included.
    """

    @web.middleware
    async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if (request.method == "OPTIONS" and policy.allows(origin)
                and "Access-Control-Request-Method" in request.headers
                and not forwarded(request)):
            headers = dict(BASE_HEADERS)
            headers.update(policy.preflight(origin, request.headers))
            return web.Response(status=204, headers=headers)
        response = await handler(request)
        if not request.get(PROXIED) and not response.prepared:
            for name, value in policy.headers(origin).items():
                if name == "Vary" and "Vary" in response.headers:
                    value = f"{response.headers['Vary']}, {value}"
                response.headers[name] = value
        return response

    return cors


class ReloadGlobs:
    """``server.watch.reload``: globs relative to the root, case-insensitive, ``**`` for any
    depth (the ``fs_deny`` syntax, anchored at the root). Files in a virtual environment
    (a directory holding ``pyvenv.cfg``) never match: ``pip install`` reloads no page."""

    def __init__(self, root: Path, globs: Sequence[str]) -> None:
        self.root = Path(root)
        self.globs = tuple(globs)
        self.deny_patterns = tuple("/" + glob.lstrip("/") for glob in self.globs)
        """The globs as ``fs_deny`` patterns: never served."""
        self._match = DenyList(self.deny_patterns)
        self._venv: dict[Path, bool] = {}

    def __bool__(self) -> bool:
        return bool(self.globs)

    def matches(self, path: Path) -> bool:
        """Whether a change to ``path`` (absolute) reloads the pages."""
        if not self.globs:
            return False
        rel = Path(os.path.relpath(path, self.root))
        if self._in_virtualenv(path, rel):
            return False
        return self._match.matches(rel.parts)

    def _in_virtualenv(self, path: Path, rel: Path) -> bool:
        if "site-packages" in rel.parts:
            return True
        parent = path.parent
        for _ in range(len(rel.parts) - 1):
            if parent not in self._venv:
                self._venv[parent] = (parent / "pyvenv.cfg").is_file()
            if self._venv[parent]:
                return True
            parent = parent.parent
        return False

    @property
    def watch_roots(self) -> tuple[Path, ...]:
        """Directories outside the root that globs starting with ``../`` name: watched too.

        >>> ReloadGlobs(Path("/p/frontend"), ("../templates/**", "x/*.py")).watch_roots
        (PosixPath('/p/templates'),)
        """
        roots = []
        for glob in self.globs:
            if not glob.startswith("../"):
                continue
            fixed = []
            for part in glob.split("/"):
                if _GLOB_CHARS & set(part):
                    break
                fixed.append(part)
            roots.append(Path(os.path.normpath(self.root.joinpath(*fixed))))
        return tuple(dict.fromkeys(roots))


def reload_payload(paths: Sequence[Path], root: Path, delay: int) -> protocol.FullReload:
    """The full reload of every page for changes to reload globs: pages wait until their
    origin answers, giving the backend ``delay`` ms to go down for a restart first."""
    shown = [Path(os.path.relpath(p, root)).as_posix() for p in paths]
    what = shown[0] if len(shown) == 1 else f"{shown[0]} and {len(shown) - 1} more"
    return protocol.FullReload(path="*", triggered_by=str(paths[0]),
                               reason=f"{what} changed (server.watch.reload)",
                               wait_for_origin=delay)


__all__ = ["PROXIED", "VITE_CLIENT_PATH", "ReloadGlobs", "cors_middleware", "reload_payload",
           "vite_client_module"]
