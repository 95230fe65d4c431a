"""HTTP answers shared by every route: MIME types, ETag/304, security headers, JS templates.

MIME types are a fixed table first: browsers refuse a module script served with a non-JS type,
and ``mimetypes`` reads ``/etc/mime.types``, which differs between machines.

>>> mime_type("a/b.MJS")
'text/javascript; charset=utf-8'
>>> fill_template("const a = __SHAKER_A__;", {"A": "x__SHAKER_A__"})
'const a = "x__SHAKER_A__";'
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
from functools import cache
from importlib import resources
from typing import Any

from aiohttp import web

JS_MIME = "text/javascript; charset=utf-8"

_MIME_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".cjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    ".html": "text/html",
    ".htm": "text/html",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".bmp": "image/bmp",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".wasm": "application/wasm",
    ".webmanifest": "application/manifest+json",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
}
_TEXTUAL = ("text/", "application/json", "application/xml", "image/svg+xml", "application/man")

# Headers on every response: no MIME sniffing, and always revalidate (ETag makes that cheap).
BASE_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}


def mime_type(filename: str) -> str:
    """The ``Content-Type`` for a file name, with ``charset=utf-8`` for text."""
    dot = filename.rfind(".")
    suffix = filename[dot:].lower() if dot > filename.rfind("/") else ""
    kind = _MIME_TYPES.get(suffix) or mimetypes.guess_type(filename)[0]
    kind = kind or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith(_TEXTUAL) else kind


def etag_for(body: bytes) -> str:
    """A strong validator from the content, so identical output revalidates as 304."""
    return '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:20] + '"'


def not_modified(request: web.BaseRequest, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, ``*`` matches)."""
    tags = request.if_none_match
    if not tags:
        return False
    value = etag.strip('"')
    return any(t.value in (value, "*") for t in tags)


def respond(
    request: web.BaseRequest,
    body: bytes | str,
    content_type: str,
    *,
    status: int = 200,
    etag: str | None = None,
) -> web.Response:
    """A body with ETag/304 handling (for 200s) and the base headers."""
    data = body.encode() if isinstance(body, str) else body
    headers = dict(BASE_HEADERS)
    if status == 200:
        tag = etag or etag_for(data)
        headers["ETag"] = tag
        if not_modified(request, tag):
            return web.Response(status=304, headers=headers)
    headers["Content-Type"] = content_type
    return web.Response(status=status, body=data, headers=headers)


def plain(status: int, text: str) -> web.Response:
    headers = dict(BASE_HEADERS)
    headers["Content-Type"] = "text/plain; charset=utf-8"
    return web.Response(status=status, text=text + "\n", headers=headers)


@cache
def template(name: str) -> str:
    """A JS template from ``shaker/server/templates`` (package data, never a Python string)."""
    return resources.files("shaker.dev").joinpath("templates", name).read_text("utf-8")


_PLACEHOLDER = re.compile(r"__SHAKER_([A-Z_]+?)__")


def fill_template(text: str, values: dict[str, Any]) -> str:
    """Replace each ``__SHAKER_NAME__`` with ``values[NAME]`` as a JSON literal, in one pass
    (so a value that itself contains a placeholder is never expanded)."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        return json.dumps(values[name], ensure_ascii=False)

    return _PLACEHOLDER.sub(substitute, text)
