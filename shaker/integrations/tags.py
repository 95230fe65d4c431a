"""The tags a backend's page writes for its entries, in development and in production.

One implementation behind the Jinja globals (Flask, FastAPI: ``shaker.integrations.jinja``)
and the Django template tags (``shaker.django``), following django-vite's: in development,
module scripts pointing at the dev server (``http://localhost:5173/static/src/main.js``; with
``dev_server=""``, the page's own origin, for one-port mode); in production, what
``shaker build --manifest`` wrote (:func:`shaker.build.manifest.entry_tags`: stylesheets, the
module script, a ``modulepreload`` per static import). Every tag takes a CSP ``nonce``.

>>> tags = AssetTags(dev=True, base="/static/")
>>> print(tags.hmr_client(nonce="abc"))
<script type="module" nonce="abc" src="http://localhost:5173/static/@vite/client"></script>
>>> print(tags.asset("src/main.js"))
<script type="module" src="http://localhost:5173/static/src/main.js"></script>
>>> AssetTags(dev=True, base="/static/", dev_server="").asset_url("src/logo.svg")
'/static/src/logo.svg'
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from shaker.build.manifest import entry_tags
from shaker.config import resolve_base
from shaker.pipeline.generated import fill, template

__all__ = ["AssetTags", "ManifestError"]

DEFAULT_DEV_SERVER = "http://localhost:5173"


class ManifestError(RuntimeError):
    """The manifest production needs is missing, unreadable, or lacks an entry."""


@dataclass
class AssetTags:
    """Tags for the entries of one project.

    ``dev``: whether the dev server serves the modules (usually the backend's debug flag).
    ``base``: the public base, the same as ``shaker dev --base`` and ``shaker build --base``
    (Django's ``STATIC_URL``). ``dev_server``: the dev server's origin as the browser reaches
    it (``""`` when it is mounted in the backend or the backend sits behind
    ``shaker dev --proxy``: the page's own origin). ``manifest``: the ``manifest.json`` of
    ``shaker build --manifest`` (``dist/.vite/manifest.json``), read in production only, and
    read again when the file changes.
    """

    dev: bool
    base: str = "/static/"
    dev_server: str = DEFAULT_DEV_SERVER
    manifest: str | os.PathLike[str] | None = None
    _cache: tuple[tuple[int, int], dict[str, Any]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.base = resolve_base(self.base)
        self.dev_server = self.dev_server.rstrip("/")

    # -- URLs -------------------------------------------------------------------------------

    def dev_url(self, path: str) -> str:
        """Where the dev server serves ``path`` (a source path such as ``src/main.js``)."""
        return self.dev_server + self.base + quote(path.lstrip("/"), safe="/@:+,=~")

    def asset_url(self, path: str) -> str:
        """The URL of a file: from the dev server, or its hashed name in the manifest."""
        if self.dev:
            return self.dev_url(path)
        return self.base + str(self._entry(path)["file"])

    # -- tags -------------------------------------------------------------------------------

    def hmr_client(self, nonce: str | None = None) -> str:
        """The client (``<base>@vite/client``) in development; nothing in production."""
        if not self.dev:
            return ""
        return _script(self.dev_url("@vite/client"), nonce)

    def react_refresh(self, nonce: str | None = None) -> str:
        """The React Fast Refresh preamble (before any React module) in development."""
        if not self.dev:
            return ""
        code = fill(template("react-refresh-preamble.js"),
                    {"RUNTIME": self.dev_url("@react-refresh")})
        return f'<script type="module"{_nonce(nonce)}>\n{code}</script>'

    def asset(self, entry: str, nonce: str | None = None) -> str:
        """The tags of one entry (``src/main.js``): its module script in development; its
        stylesheets, script and preloads from the manifest in production."""
        if self.dev:
            return _script(self.dev_url(entry), nonce)
        manifest = self.load_manifest()
        try:
            return "\n".join(entry_tags(manifest, entry, base=self.base, nonce=nonce))
        except KeyError as exc:
            raise ManifestError(f"{self._manifest_path()}: {exc.args[0]}") from None

    # -- the manifest -----------------------------------------------------------------------

    def _manifest_path(self) -> Path:
        if self.manifest is None:
            raise ManifestError("AssetTags(manifest=...) is needed in production: the "
                                "manifest.json of `shaker build --manifest`")
        return Path(self.manifest)

    def load_manifest(self) -> Mapping[str, Any]:
        """The manifest's contents (read again only when the file changed)."""
        path = self._manifest_path()
        try:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
            if self._cache is None or self._cache[0] != stamp:
                data = json.loads(path.read_text(encoding="utf-8"))
                if not isinstance(data, dict):
                    raise ValueError("not a JSON object")
                self._cache = (stamp, data)
        except FileNotFoundError:
            raise ManifestError(f"{path} does not exist: run `shaker build --manifest` "
                                "(or set dev mode)") from None
        except (OSError, ValueError) as exc:
            raise ManifestError(f"{path} cannot be read: {exc}") from None
        return self._cache[1]

    def _entry(self, path: str) -> Mapping[str, Any]:
        manifest = self.load_manifest()
        if path not in manifest:
            raise ManifestError(f"{path!r} is not in {self._manifest_path()} (keys are "
                                "source paths such as 'src/main.js')")
        entry: Mapping[str, Any] = manifest[path]
        return entry


def _nonce(nonce: str | None) -> str:
    return f' nonce="{html.escape(nonce, quote=True)}"' if nonce else ""


def _script(src: str, nonce: str | None) -> str:
    return f'<script type="module"{_nonce(nonce)} src="{html.escape(src, quote=True)}"></script>'
