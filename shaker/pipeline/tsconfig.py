"""The ``tsconfig.json`` settings that change how shaker reads TypeScript and JSX.

:func:`load_tsconfig` finds the nearest ``tsconfig.json`` at or above a directory, follows its
``extends`` chain (relative files, and packages found in ``node_modules`` as TypeScript finds
them; an array extends each entry in order, later ones winning, as TypeScript 5 does) and
returns the few ``compilerOptions`` that a transform needs, as a frozen :class:`TsConfig`.
Nothing else is read: type-checking options mean nothing to a tool that does not check.

The files are JSON with comments and trailing commas (TypeScript's own reader accepts both);
they are turned into plain JSON by blanking those (same length, so every offset still
points at the same character) and any JSON error is reported at the file's line and column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shaker.diagnostics import Diagnostic, Severity
from shaker.errors import ShakerSyntaxError
from shaker.source import Source

__all__ = ["TsConfig", "TsConfigError", "load_tsconfig", "parse_jsonc"]

FILENAME = "tsconfig.json"
_MAX_EXTENDS = 32


class TsConfigError(ShakerSyntaxError):
    """A ``tsconfig.json`` that cannot be read: invalid JSON, a missing or circular
    ``extends``; located at the file's line and column."""


@dataclass(frozen=True)
class TsConfig:
    """The compiler options shaker uses; ``path`` is the config read (None: there is none).

    ``base_url`` is absolute.  ``paths`` maps each pattern to its targets as written;
    ``paths_base`` is the absolute directory they resolve against (``baseUrl`` when set, else
    the directory of the config that defined ``paths``, as TypeScript 4.1+ does).
    """

    path: Path | None = None
    jsx: str | None = None
    jsx_import_source: str | None = None
    jsx_factory: str | None = None
    jsx_fragment_factory: str | None = None
    experimental_decorators: bool = False
    verbatim_module_syntax: bool = False
    base_url: Path | None = None
    paths: dict[str, tuple[str, ...]] = field(default_factory=dict)
    paths_base: Path | None = None
    files: tuple[Path, ...] = ()
    """Every config file read, the nearest first (what a watcher should watch)."""


def load_tsconfig(directory: Path) -> TsConfig:
    """The nearest ``tsconfig.json`` at or above ``directory``, with its ``extends`` applied.

    Returns ``TsConfig()`` when there is none.  Raises :class:`TsConfigError` for a file that
    is not valid JSON (with comments), or an ``extends`` that cannot be found or loops.
    """
    start = directory.resolve()
    for folder in (start, *start.parents):
        candidate = folder / FILENAME
        if candidate.is_file():
            return _load(candidate)
    return TsConfig()


# Options merge key by key down the chain; these are the ones kept.
_STRING_OPTIONS = {"jsx": "jsx", "jsxImportSource": "jsx_import_source",
                   "jsxFactory": "jsx_factory", "jsxFragmentFactory": "jsx_fragment_factory"}
_BOOL_OPTIONS = {"experimentalDecorators": "experimental_decorators",
                 "verbatimModuleSyntax": "verbatim_module_syntax"}


def _load(path: Path) -> TsConfig:
    options: dict[str, Any] = {}
    files: list[Path] = []
    _apply(path, options, files, ())
    values: dict[str, Any] = {"path": path, "files": tuple(files)}
    for key, name in _STRING_OPTIONS.items():
        value = options.get(key)
        if isinstance(value, str):
            values[name] = value
    for key, name in _BOOL_OPTIONS.items():
        values[name] = options.get(key) is True
    base = options.get("baseUrl")
    if isinstance(base, tuple):
        values["base_url"] = base[1]
    paths = options.get("paths")
    if isinstance(paths, tuple):
        mapping, defined_in = paths
        values["paths"] = mapping
        values["paths_base"] = values.get("base_url") or defined_in
    return TsConfig(**values)


def _apply(path: Path, options: dict[str, Any], files: list[Path], chain: tuple[Path, ...]
           ) -> None:
    """Merge ``path``'s chain into ``options``: its bases first, then its own options."""
    source = Source(str(path), path.read_bytes())
    if path in chain or len(chain) > _MAX_EXTENDS:
        raise _error(source, 0, "circular `extends`: " + " -> ".join(str(p) for p in
                                                                     (*chain, path)))
    if path not in files:
        files.append(path)
    data = parse_jsonc(source)
    if not isinstance(data, dict):
        raise _error(source, 0, "a tsconfig.json must hold a JSON object")
    extends = data.get("extends")
    bases = [extends] if isinstance(extends, str) else extends if isinstance(
        extends, list) else []
    for base in bases:
        if not isinstance(base, str):
            raise _error(source, _offset_of(source, "extends"), "`extends` entries are strings")
        target = _resolve_extends(base, path.parent)
        if target is None:
            raise _error(source, _offset_of(source, base),
                         f"`extends` target {base!r} not found (from {path.parent})")
        _apply(target, options, files, (*chain, path))
    compiler = data.get("compilerOptions")
    if not isinstance(compiler, dict):
        return
    for key in (*_STRING_OPTIONS, *_BOOL_OPTIONS):
        if key in compiler:
            options[key] = compiler[key]
    if isinstance(compiler.get("baseUrl"), str):
        options["baseUrl"] = ("baseUrl", (path.parent / compiler["baseUrl"]).resolve())
    if isinstance(compiler.get("paths"), dict):
        mapping = {
            str(pattern): tuple(str(t) for t in targets)
            for pattern, targets in compiler["paths"].items() if isinstance(targets, list)
        }
        options["paths"] = (mapping, path.parent.resolve())


def _resolve_extends(spec: str, folder: Path) -> Path | None:
    """The file an ``extends`` entry names, as TypeScript resolves it.

    A path (``./base``, ``../tsconfig.base.json``, absolute) is that file, with ``.json``
    added when it is missing.  A package name is looked up in ``node_modules`` from the
    config's folder upwards: the file itself (``@tsconfig/node20/tsconfig.json``), with
    ``.json`` added, or a package folder's ``tsconfig`` field in package.json, else its
    ``tsconfig.json``.
    """
    if spec.startswith(("./", "../", "/")) or spec in (".", "..") or Path(spec).is_absolute():
        return _as_file((folder / spec).resolve())
    for base in (folder, *folder.parents):
        candidate = base / "node_modules" / spec
        found = _as_file(candidate)
        if found is not None:
            return found
        if candidate.is_dir():
            manifest = candidate / "package.json"
            if manifest.is_file():
                try:
                    field_value = json.loads(manifest.read_text("utf-8")).get("tsconfig")
                except (ValueError, AttributeError):
                    field_value = None
                if isinstance(field_value, str) and (candidate / field_value).is_file():
                    return (candidate / field_value).resolve()
            if (candidate / FILENAME).is_file():
                return (candidate / FILENAME).resolve()
    return None


def _as_file(path: Path) -> Path | None:
    if path.is_file():
        return path
    with_json = path.with_name(path.name + ".json")
    return with_json if with_json.is_file() else None


def parse_jsonc(source: Source) -> Any:
    """JSON with ``//`` and ``/* */`` comments and trailing commas, as TypeScript reads it.

    >>> parse_jsonc(Source("t.json", b'{"a": [1, 2,], // c\\n "b": /* x */ true,}'))
    {'a': [1, 2], 'b': True}
    """
    text = source.code.decode("utf-8-sig", "replace") if source.code.startswith(
        b"\xef\xbb\xbf") else source.text
    cleaned = _blank_comments_and_commas(text)
    try:
        return json.loads(cleaned)
    except json.JSONDecodeError as exc:
        offset = len(text[:exc.pos].encode("utf-8"))
        if source.code.startswith(b"\xef\xbb\xbf"):
            offset += 3
        raise _error(source, min(offset, len(source.code)), f"invalid JSON: {exc.msg}"
                     ) from None


def _blank_comments_and_commas(text: str) -> str:
    """``text`` with comments and trailing commas turned into spaces (newlines kept)."""
    out = list(text)
    i, n = 0, len(text)
    last_comma = -1  # index of a comma not yet followed by a value
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            last_comma = -1
            continue
        if c == "/" and i + 1 < n and text[i + 1] in "/*":
            end = text.find("\n", i) if text[i + 1] == "/" else text.find("*/", i + 2)
            end = n if end < 0 else end + (0 if text[i + 1] == "/" else 2)
            for k in range(i, end):
                if out[k] not in "\r\n":
                    out[k] = " "
            i = end
            continue
        if c == ",":
            last_comma = i
        elif c in "]}":
            if last_comma >= 0:
                out[last_comma] = " "
            last_comma = -1
        elif not c.isspace():
            last_comma = -1
        i += 1
    return "".join(out)


def _offset_of(source: Source, text: str) -> int:
    """Where ``"text"`` first appears in the file (to point an error at a value)."""
    found = source.code.find(json.dumps(text).encode())
    return max(found, 0)


def _error(source: Source, offset: int, message: str) -> TsConfigError:
    return TsConfigError(
        Diagnostic.at(source, offset, message, severity=Severity.ERROR, id="tsconfig"), source)
