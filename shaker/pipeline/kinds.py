"""What a file is to the pipeline: its kind (how it is loaded) and its MIME type.

One table for dev, build and preview.  The kind of an import depends on the file's suffix and
on the query it was imported with, as in Vite: ``./logo.png`` and ``./logo.png?url`` are the
file's public URL, ``./note.txt?raw`` and ``./a.css?inline`` its text, ``./data.json`` its
parsed value, ``./a.css`` a stylesheet applied to the page.

>>> module_kind("/p/a.js", ""), module_kind("/p/logo.PNG", ""), module_kind("/p/a.css", "?inline")
('js', 'url', 'raw')
>>> module_kind("/p/x.json", "?url"), module_kind("/p/x.unknown", "")
('url', None)
>>> sorted(query_flags("?import&t=5&?raw"))
['import', 'raw', 't']
>>> mime_type("a/b.MJS")
'text/javascript; charset=utf-8'
"""

from __future__ import annotations

import mimetypes
import os
import re
from typing import Literal
from urllib.parse import unquote

Kind = Literal["js", "json", "css", "url", "raw", "empty"]
"""``js`` a module; ``json`` parsed data; ``css`` a stylesheet; ``url`` a file whose public URL
is the default export; ``raw`` a file whose text is the default export; ``empty`` no file at
all but ``export default {}``, what a ``browser`` field ``false`` entry resolves to
(:func:`shaker.pipeline.resolve.is_browser_external`; never returned by :func:`module_kind`)."""

JS_EXTENSIONS = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")
"""Compiled to JavaScript modules (TypeScript erased, JSX lowered) in dev and build."""
RESOLVE_EXTENSIONS = (".mjs", ".js", ".mts", ".ts", ".jsx", ".tsx", ".json")
"""Tried in this order for an import without an extension (Vite's ``resolve.extensions``)."""
HTML_EXTENSIONS = (".html", ".htm")
ASSET_EXTENSIONS = frozenset((
    ".png", ".jpg", ".jpeg", ".jfif", ".pjpeg", ".pjp", ".gif", ".svg", ".ico", ".webp",
    ".avif", ".bmp", ".apng", ".cur", ".woff", ".woff2", ".eot", ".ttf", ".otf", ".mp4",
    ".webm", ".ogg", ".mp3", ".wav", ".flac", ".aac", ".opus", ".mov", ".m4a", ".vtt", ".pdf",
    ".txt", ".wasm", ".webmanifest",
))

JS_MIME = "text/javascript; charset=utf-8"
_MIME_TYPES = {
    ".js": "text/javascript", ".mjs": "text/javascript", ".cjs": "text/javascript",
    ".jsx": "text/javascript", ".ts": "text/javascript", ".tsx": "text/javascript",
    ".mts": "text/javascript", ".cts": "text/javascript",
    ".css": "text/css", ".json": "application/json", ".map": "application/json",
    ".html": "text/html", ".htm": "text/html", ".txt": "text/plain", ".md": "text/markdown",
    ".xml": "application/xml", ".svg": "image/svg+xml", ".png": "image/png",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
    ".avif": "image/avif", ".ico": "image/x-icon", ".bmp": "image/bmp", ".woff": "font/woff",
    ".woff2": "font/woff2", ".ttf": "font/ttf", ".otf": "font/otf",
    ".wasm": "application/wasm", ".webmanifest": "application/manifest+json",
    ".mp4": "video/mp4", ".webm": "video/webm", ".mp3": "audio/mpeg", ".wav": "audio/wav",
    ".ogg": "audio/ogg", ".pdf": "application/pdf", ".zip": "application/zip",
}
_TEXTUAL = ("text/", "application/json", "application/xml", "image/svg+xml", "application/man")


def query_flags(query: str) -> frozenset[str]:
    """Names in a query, split on ``&`` *and* ``?`` so ``?import&?raw`` shows both."""
    names = set()
    for part in re.split(r"[&?]", query.split("#", 1)[0]):
        name = unquote(part.partition("=")[0]).strip()
        if name:
            names.add(name.lower())
    return frozenset(names)


def module_kind(path: str, query: str = "") -> Kind | None:
    """How ``path`` imported with ``query`` is loaded; None when shaker cannot load it."""
    flags = query_flags(query) if query else frozenset()
    lower = path.lower()
    if "raw" in flags or ("inline" in flags and lower.endswith(".css")):
        return "raw"
    if "url" in flags:
        return "url"
    if lower.endswith(JS_EXTENSIONS):
        return "js"
    if lower.endswith(".json"):
        return "json"
    if lower.endswith(".css"):
        return "css"
    if os.path.splitext(lower)[1] in ASSET_EXTENSIONS:
        return "url"
    return None


def mime_type(filename: str) -> str:
    """The ``Content-Type`` for a file name, with ``charset=utf-8`` for text.

    A fixed table first: browsers refuse a module script served with a non-JS type, and
    ``mimetypes`` reads ``/etc/mime.types``, which differs between machines.
    """
    dot = filename.rfind(".")
    suffix = filename[dot:].lower() if dot > filename.rfind("/") else ""
    kind = _MIME_TYPES.get(suffix) or mimetypes.guess_type(filename)[0]
    kind = kind or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith(_TEXTUAL) else kind


__all__ = ["ASSET_EXTENSIONS", "HTML_EXTENSIONS", "JS_EXTENSIONS", "JS_MIME",
           "RESOLVE_EXTENSIONS", "Kind", "mime_type", "module_kind", "query_flags"]
