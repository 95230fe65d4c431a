"""How the dev server writes a resolved import: the URL it will serve the target at.

The pipeline resolves every import to a file (``./helper`` → ``helper.js``, ``vue`` →
``node_modules/vue/dist/vue.runtime.esm-bundler.js``); this module turns that file into a URL:

- a file under the root is ``/<path>``; outside it (an allowed ``fs_allow`` folder, a linked
  package) ``/@fs/<absolute path>``; a plugin's virtual module ``/@id/<id>``;
- what is not JavaScript gets ``?import`` (its request must come back as a module: a JSON
  value, a stylesheet that injects itself, an asset's URL), keeping its own query (``?url``);
- a module that was hot-updated gets ``?t=<timestamp>`` so an importer served after the update
  gets the new instance instead of the one the browser cached (reference/vite-hmr.md §4.7);
- a relative specifier stays relative (``./helper`` → ``./helper.js``) so the output reads like
  the source; other URLs are root-absolute under the public base (``/app/``);
- a file loaded as it is (a CSS ``url()``) gets ``server.origin`` in front, when it is set, so a
  page on another origin (a backend's) loads it from the dev server, as in Vite.

The URL without a query is the module's identity in the graph.

>>> with_query("./a.css?import", "t=5"), with_query("./a.js#x", "t=5")
('./a.css?import&t=5', './a.js?t=5#x')
>>> w = ImportWriter("/src/main.js", root=Path("/p"), base="/", timestamps=lambda url: 0)
>>> w(Target("/p/src/lib/helper.js", "js"), "./lib/helper", True)
'./lib/helper.js'
>>> w(Target("/p/data.json", "json"), "../data.json", True), w.used
('../data.json?import', {'/src/lib/helper.js': 0, '/data.json': 0})
>>> w(Target("/p/img/a.png", "url"), "../img/a.png", False)
'/img/a.png'
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from shaker.pipeline.kinds import query_flags
from shaker.pipeline.record import Target

VIRTUAL_PREFIX = "/@id/"
FS_PREFIX = "/@fs"
_NUL_PLACEHOLDER = "__x00__"


def virtual_url(id: str) -> str:
    """The URL a virtual module id is served at (``\\0`` spelled ``__x00__``, like Vite)."""
    return VIRTUAL_PREFIX + quote(id.replace("\0", _NUL_PLACEHOLDER), safe="/:@+,=")


def virtual_id(encoded: str) -> str:
    return encoded.replace(_NUL_PLACEHOLDER, "\0")


def file_url(path: Path | str, root: Path) -> str:
    """The module URL of a real file path (``/@fs/...`` outside the root)."""
    try:
        return "/" + Path(path).relative_to(root).as_posix()
    except ValueError:
        return FS_PREFIX + Path(path).as_posix()


def with_query(specifier: str, param: str) -> str:
    """``specifier`` with ``param`` appended to its query (before any ``#fragment``)."""
    rest, hash_, fragment = specifier.partition("#")
    joiner = "&" if "?" in rest else "?"
    return f"{rest}{joiner}{param}{hash_}{fragment}"


def under_base(url: str, base: str) -> str:
    """A root-absolute URL under the public base (``/x.js`` → ``/app/x.js``), as in Vite."""
    if base == "/" or not url.startswith("/") or url.startswith(("//", base)):
        return url
    return base.rstrip("/") + url


Optimized = Callable[[Target, str, str], "str | None"]
"""``optimized(target, specifier, importer URL)``: the URL (with its ``?v=``) of the pre-bundled
file that stands for the import, or None to write the target's own URL."""


class ImportWriter:
    """The pipeline's ``write`` callback for one module served at ``importer``.

    ``timestamps(url)`` is the graph's last hot-update time of a module (0: never).
    Afterwards ``used`` holds each module dependency's URL and the timestamp written into the
    output, so a cached build can tell whether it went stale.
    """

    def __init__(self, importer: str, *, root: Path, base: str,
                 timestamps: Callable[[str], int], origin: str = "",
                 optimized: Optimized | None = None) -> None:
        self.importer = importer
        self.optimized = optimized
        """The pre-bundled file's URL for a bare import (``shaker.dev.prebundle``)."""
        self.root = root
        self.base = base
        self.origin = origin
        """``server.origin`` (``http://localhost:5173``), written before file URLs."""
        self.timestamps = timestamps
        self.used: dict[str, int] = {}
        self.written: dict[str, str] = {}
        """Each text written into the output → the URL it names (for ``export *``)."""

    def url_of(self, target: Target) -> str:
        """The target's identity in the module graph: its URL without a query."""
        return virtual_url(target.id) if target.virtual else file_url(target.id, self.root)

    def __call__(self, target: Target, specifier: str, as_module: bool) -> str:
        text = self._write(target, specifier, as_module)
        self.written[text] = self.url_of(target)
        return text

    def _write(self, target: Target, specifier: str, as_module: bool) -> str:
        if as_module and self.optimized is not None:
            bundled = self.optimized(target, specifier, self.importer)
            if bundled is not None:
                return under_base(bundled, self.base)
        url = self.url_of(target)
        query = target.query.split("#", 1)[0]
        if as_module and target.kind != "js" and "import" not in query_flags(query):
            query = "?import" + ("&" + query[1:] if query else "")
        text = url + query
        if as_module:
            stamp = self.timestamps(url)
            self.used[url] = stamp
            if stamp:
                text = with_query(text, f"t={stamp}")
        if as_module and specifier.startswith(("./", "../")) and not url.startswith("/@") \
                and not self.importer.startswith("/@"):
            relative = posixpath.relpath(text, posixpath.dirname(self.importer))
            return relative if relative.startswith("../") else "./" + relative
        if not as_module:
            return self.origin + under_base(text, self.base)
        return under_base(text, self.base)


__all__ = ["FS_PREFIX", "VIRTUAL_PREFIX", "ImportWriter", "Optimized", "file_url", "under_base",
           "virtual_id", "virtual_url", "with_query"]
