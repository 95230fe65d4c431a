"""HTTP answers shared by every route: ETag/304 and security headers."""

from __future__ import annotations

import hashlib

from aiohttp import web

# Headers on every response: no MIME sniffing, and always revalidate (ETag makes that cheap).
BASE_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}


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
