"""Vite's ``manifest.json``: what a backend (django-vite, flask-vite, ...) reads to write tags.

The format is Vite's (``reference/peers.md`` §4.3), so existing integrations work unchanged:
a key per chunk (the source path relative to the project root, or ``_`` plus the output
file's name for generated modules), and for each chunk ``file`` (the output path, relative to
the output directory), ``src``, ``name``, ``isEntry``, ``isDynamicEntry``, ``imports`` and
``dynamicImports`` (*keys* of other JavaScript chunks), ``css`` and ``assets`` (output paths).
Empty lists and false flags are left out, as Vite does.

A chunk is a linked file (or, with ``--no-bundle``, a module); a consumer that follows
``imports`` recursively for ``<link rel=modulepreload>`` and ``css`` (as django-vite does) gets the
whole static graph of an entry.  :func:`entry_tags` does exactly that, for Python backends
without django-vite.

>>> manifest = {
...     "src/main.js": {"file": "assets/main-1a2b3c4d.js", "src": "src/main.js",
...                     "isEntry": True, "imports": ["src/dep.js"]},
...     "src/dep.js": {"file": "assets/dep-5e6f7a8b.js", "src": "src/dep.js",
...                    "css": ["assets/style-99aa88bb.css"]},
... }
>>> for tag in entry_tags(manifest, "src/main.js", base="/static/"): print(tag)
<link rel="stylesheet" href="/static/assets/style-99aa88bb.css">
<script type="module" crossorigin src="/static/assets/main-1a2b3c4d.js"></script>
<link rel="modulepreload" crossorigin href="/static/assets/dep-5e6f7a8b.js">
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MANIFEST_FIELDS = ("file", "name", "names", "src", "isEntry", "isDynamicEntry", "imports",
                   "dynamicImports", "css", "assets")


@dataclass
class Chunk:
    """One manifest entry, before it is written out."""

    file: str
    src: str | None = None
    name: str | None = None
    is_entry: bool = False
    is_dynamic_entry: bool = False
    imports: list[str] = field(default_factory=list)
    dynamic_imports: list[str] = field(default_factory=list)
    css: list[str] = field(default_factory=list)
    assets: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Vite's field names and order; empty lists and false flags left out."""
        out: dict[str, Any] = {"file": self.file}
        if self.name is not None:
            out["name"] = self.name
        if self.src is not None:
            out["src"] = self.src
        if self.is_entry:
            out["isEntry"] = True
        if self.is_dynamic_entry:
            out["isDynamicEntry"] = True
        for key, values in (("imports", self.imports), ("dynamicImports", self.dynamic_imports),
                            ("css", self.css), ("assets", self.assets)):
            if values:
                out[key] = list(dict.fromkeys(values))
        return out


def build_manifest(chunks: Mapping[str, Chunk]) -> dict[str, dict[str, Any]]:
    """The manifest as a JSON-ready dict, keys sorted (stable output, readable diffs)."""
    return {key: chunks[key].to_json() for key in sorted(chunks)}


def to_json(manifest: Mapping[str, Any]) -> str:
    """The file's text: two-space indentation like Vite's, and a final newline."""
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def entry_tags(manifest: Mapping[str, Mapping[str, Any]], key: str, *, base: str = "/",
               nonce: str | None = None) -> list[str]:
    """The tags a page needs for entry ``key``, as django-vite's ``vite_asset`` writes them.

    Stylesheets of the entry and, recursively, of its static imports (each once); the module
    script; a ``modulepreload`` for every chunk it imports statically.  Cycles are fine.
    ``nonce`` goes on every tag, for a ``Content-Security-Policy`` with ``'nonce-…'``.

    >>> entry_tags({"a.js": {"file": "assets/a-00000000.js"}}, "a.js", nonce="r4nd")
    ['<script type="module" crossorigin nonce="r4nd" src="/assets/a-00000000.js"></script>']
    """
    if key not in manifest:
        raise KeyError(f"{key!r} is not in the manifest (keys are source paths such as "
                       "'src/main.js')")
    css: list[str] = []
    preload: list[str] = []
    seen: set[str] = set()
    stack = [key]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        chunk = manifest[current]
        css.extend(chunk.get("css", ()))
        if current != key:
            preload.append(chunk["file"])
        stack.extend(reversed([k for k in chunk.get("imports", ()) if k in manifest]))

    def url(path: str) -> str:
        return html.escape(base + path, quote=True)

    extra = f' nonce="{html.escape(nonce, quote=True)}"' if nonce else ""
    tags = [f'<link rel="stylesheet"{extra} href="{url(p)}">' for p in dict.fromkeys(css)]
    file = manifest[key]["file"]
    if file.endswith(".css"):  # a stylesheet entry (build.entries = ("src/admin.css",))
        tags.append(f'<link rel="stylesheet"{extra} href="{url(file)}">')
    else:
        tags.append(f'<script type="module" crossorigin{extra} src="{url(file)}"></script>')
    tags += [f'<link rel="modulepreload" crossorigin{extra} href="{url(p)}">' for p in preload]
    return tags


__all__ = ["MANIFEST_FIELDS", "Chunk", "build_manifest", "entry_tags", "to_json"]
