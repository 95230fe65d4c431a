"""Modules shaker writes itself: JSON, ``?raw`` text, asset URLs, stylesheet modules, the
empty module of a ``browser`` field ``false`` entry, and ``vite/modulepreload-polyfill``.

Their code is JavaScript package data in ``shaker/pipeline/templates`` (never a Python
string); ``__SHAKER_NAME__`` placeholders are filled with JSON literals in one pass, so a value
that itself contains a placeholder is never expanded.  Dev and build generate the same modules
from the same templates; only how a stylesheet reaches the page differs (dev: a ``<style>``
swapped in place on edit; build: a ``<link>`` to the hashed file).

>>> fill("const a = __SHAKER_A__;", {"A": "x__SHAKER_A__"})
'const a = "x__SHAKER_A__";'
>>> print(json_module(Source("d.json", b'{"a": 1, "if": 2, "b-c": 3}')).splitlines()[-1])
export const { a } = data ?? {};
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources

from shaker.diagnostics import Diagnostic, Severity
from shaker.errors import ShakerSyntaxError
from shaker.js.names import is_binding_name
from shaker.source import Source

_PLACEHOLDER = re.compile(r"__SHAKER_([A-Z_]+?)__")
@cache
def template(name: str, package: str = "shaker.pipeline") -> str:
    """A template's code, without its leading comment (written for maintainers, not users)."""
    text = resources.files(package).joinpath("templates").joinpath(name).read_text("utf-8")
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith("//"):
        lines.pop(0)
    return "".join(lines)


def fill(text: str, values: Mapping[str, object], raw: Mapping[str, str] | None = None) -> str:
    """``text`` with each ``__SHAKER_X__`` replaced by ``values[X]`` as a JSON literal, or by
    ``raw[X]`` as it is."""
    raw = raw or {}

    def substitute(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in raw:
            return raw[key]
        if key in values:
            return json.dumps(values[key], ensure_ascii=False)
        return match.group(0)

    return _PLACEHOLDER.sub(substitute, text)


def json_module(source: Source) -> str:
    """The parsed value as the default export and its top-level keys that are valid names as
    named exports (Vite's JSON plugin); invalid JSON is a located syntax error."""
    text = source.text
    try:
        value = json.loads(text)
    except ValueError as exc:
        offset = len(text[:getattr(exc, "pos", 0)].encode("utf-8", "surrogatepass"))
        message = f"Failed to parse JSON file: {getattr(exc, 'msg', exc)}"
        raise ShakerSyntaxError(Diagnostic.at(source, offset, message, severity=Severity.ERROR),
                                source) from None
    names = [k for k in value if is_binding_name(k)] if isinstance(value, dict) else []
    return fill(template("json-module.js"), {"JSON": value}, {"NAMES": ", ".join(names)})


def raw_module(text: str) -> str:
    """``?raw`` (and CSS ``?inline``): the file's text as the default export."""
    return fill(template("raw-module.js"), {"TEXT": text})


def empty_module() -> str:
    """A ``browser`` field ``false`` entry: an empty object as the default export (Vite's)."""
    return template("browser-external.js")


MODULEPRELOAD_POLYFILL = "vite/modulepreload-polyfill"
"""The built-in module backend integrations tell users to import (Vite's plugin's id)."""
MODULEPRELOAD_POLYFILL_ID = "\0" + MODULEPRELOAD_POLYFILL + ".js"
"""Its virtual module id (``/@id/__x00__vite/modulepreload-polyfill.js`` in dev)."""


def modulepreload_polyfill(mode: str) -> str:
    """``vite/modulepreload-polyfill``: empty in development, the polyfill in a build."""
    return template("modulepreload-polyfill.js") if mode == "production" else ""


def url_module(url: str) -> str:
    """An asset or ``?url`` import: the file's public URL as the default export."""
    return fill(template("asset-url.js"), {"URL": url})


def style_module(id: str, css: str, client: str) -> str:
    """Development: CSS imported from JavaScript as a self-accepting ``<style>`` module that
    imports its helpers from the dev client at ``client``."""
    return fill(template("css-module.js"), {"ID": id, "CSS": css, "CLIENT": client})


def stylesheet_loader(*hrefs: str) -> str:
    """Build: code that links the hashed stylesheets (relative to the module) where the page
    lacks them, and waits for them: a style module's, or a whole chunk's."""
    return fill(template("css-loader.js"), {"HREFS": list(hrefs)})


__all__ = ["MODULEPRELOAD_POLYFILL", "MODULEPRELOAD_POLYFILL_ID", "empty_module", "fill",
           "json_module", "modulepreload_polyfill", "raw_module", "style_module",
           "stylesheet_loader", "template", "url_module"]
