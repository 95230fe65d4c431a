"""Serving the browser client (``shaker/client/*.js``) with this server's settings baked in.

``client.js`` contains the identifier ``__SHAKER_CONFIG__`` exactly once; the server replaces
it with a JSON object (where to connect, the per-start token, overlay and keepalive settings).
Sibling files (``hot.js``, the core of ``import.meta.hot``, and ``overlay.js``) are served as
they are, under the same ``/@shaker/`` prefix: ``client.js`` imports them with relative URLs, so
they load from beside it whatever the public base (``/@shaker/hot.js``, ``/app/@shaker/hot.js``).

>>> render_client("const config = __SHAKER_CONFIG__;", {"base": "/"})
'const config = {"base": "/"};'
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

from aiohttp import web

from shaker.config import Config
from shaker.pipeline.kinds import JS_MIME
from shaker.web.responses import plain, respond

CONFIG_PLACEHOLDER = "__SHAKER_CONFIG__"
_ASSET_NAME = re.compile(r"^[A-Za-z0-9_-]+\.js$")


class ClientTemplateError(RuntimeError):
    """``client.js`` does not contain the config placeholder exactly once."""


def render_client(source: str, settings: Mapping[str, Any]) -> str:
    """Substitute the settings object for the one ``__SHAKER_CONFIG__`` in the client."""
    count = source.count(CONFIG_PLACEHOLDER)
    if count != 1:
        raise ClientTemplateError(f"client.js must contain {CONFIG_PLACEHOLDER} once, not {count}")
    return source.replace(CONFIG_PLACEHOLDER, json.dumps(dict(settings), ensure_ascii=False))


def join_base(base: str, path: str) -> str:
    """``base`` ('/', '/app/') joined with an absolute path ('/@shaker/ws')."""
    return base.rstrip("/") + path


def client_settings(config: Config, token: str, ws_path: str) -> dict[str, Any]:
    """The JSON object the client reads; keys are the client's ``ShakerClientConfig``."""
    hmr = config.server.hmr
    return {
        "wsPath": join_base(config.base, ws_path),
        "wsToken": token,
        "hmrHost": hmr.host,
        "hmrPort": hmr.client_port,
        "hmrProtocol": hmr.protocol,
        "base": config.base,
        "timeout": hmr.timeout,
        "overlay": hmr.overlay,
    }


class ClientAssets:
    """``/@shaker/client`` and its siblings, read from package data once."""

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.settings = dict(settings)
        self._cache: dict[str, str] = {}

    def _read(self, name: str) -> str | None:
        if name not in self._cache:
            file = resources.files("shaker.client").joinpath(name)
            if not file.is_file():
                return None
            text = file.read_text("utf-8")
            self._cache[name] = render_client(text, self.settings) if name == "client.js" else text
        return self._cache[name]

    def serve(self, request: web.BaseRequest, name: str) -> web.Response:
        """Answer for ``/@shaker/<name>``; ``client`` means ``client.js``."""
        if name == "client":
            name = "client.js"
        if not _ASSET_NAME.match(name):
            return plain(404, "Not found")
        text = self._read(name)
        if text is None:
            return plain(404, f"shaker client file {name} is not installed")
        return respond(request, text, JS_MIME)
