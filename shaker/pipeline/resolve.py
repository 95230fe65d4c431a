"""Import specifiers → files, the way browsers' bundlers do it: relative, absolute, bare.

One resolver serves the build and the dev server, so that ``import "nanoid"`` means the same
file in both.  The only files it reads are ``package.json``; everything else is an existence
check.  Both are cached per ``Resolver``, so a build makes one and keeps it, and the dev server
makes a fresh one per module (an ``npm install`` while it runs is then picked up).

- ``./x`` and ``../x`` are relative to the importer; ``/x`` is relative to the project root
  (a file only in ``public/`` is served as it is, so it resolves to ``None``: leave it alone).
- A missing extension is tried as ``.mjs``, ``.js``, ``.json`` (Vite's order, without
  TypeScript), then a directory's ``package.json`` and ``index.*``.
- ``pkg`` and ``pkg/sub`` are looked up in ``node_modules`` from the importer upwards, then
  resolved through ``package.json`` ``exports`` (conditions in the package's own key order,
  the first one that is active wins: ``browser``, ``module``, ``import``, ``production`` or
  ``development``, ``default``; subpath patterns with ``*``; arrays as fallbacks; ``null`` as
  "not exported"), or without ``exports`` through Vite's main fields: a string ``browser``
  (or an object ``browser``'s ``"."``), ``module``, ``jsnext:main``, ``jsnext``, ``main``,
  then ``index.js``.  ``#name`` resolves through the importer's package ``imports``.
- An object ``browser`` field (github.com/defunctzombie/package-browser-field-spec) applies
  to everything resolved with its package, as Vite 8 (oxc-resolver) applies it: a bare
  specifier imported from a file of the package is looked up as a key first (``"ws": false``,
  ``"util": "./util-browser.js"``); every file a resolution tries, whether reached by a
  relative import, a main field or ``exports``, is looked up by path, the key taken relative
  to the ``package.json`` (``./lib/a.js``, ``lib/a.js`` and ``./lib/a`` all name
  ``lib/a.js``).  "Its package" is the nearest ``package.json``, as in Vite.  A ``false``
  entry resolves to :func:`browser_external_id` (see :func:`is_browser_external`): not a
  file, but the empty module (``export default {}``) the pipeline loads in its place.
- URLs (``https:``, ``//``, ``data:``, ``blob:``) and other schemes resolve to ``None``.

Resolved paths are real paths (symlinks followed, as Node does), so a package reached through
two links is one module.

>>> split_package("@scope/pkg/a/b.js"), split_package("pkg")
(('@scope/pkg', './a/b.js'), ('pkg', '.'))
>>> match_exports({".": {"require": "./a.cjs", "import": "./a.mjs"}}, ".", BUILD_CONDITIONS)
'./a.mjs'
>>> match_exports({"./*": "./src/*.js"}, "./x/y", BUILD_CONDITIONS)
'./src/x/y.js'
>>> browser_external_id("ws"), is_browser_external(browser_external_id("ws"))
('__shaker-browser-external:ws', True)
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shaker.errors import ShakerError
from shaker.pipeline.kinds import RESOLVE_EXTENSIONS

BUILD_CONDITIONS = ("browser", "module", "import", "production", "default")
DEV_CONDITIONS = ("browser", "module", "import", "development", "default")
EXTENSIONS = RESOLVE_EXTENSIONS
MAIN_FIELDS = ("browser", "module", "jsnext:main", "jsnext", "main")
"""Vite's default ``resolve.mainFields`` then ``main``, in order: the first string wins, so a
string ``browser`` beats ``module`` (Vite 8 dropped the older "is the browser file really
ESM?" sniffing; it needed to read the file)."""
BROWSER_EXTERNAL = "__shaker-browser-external"
"""Prefix of what a ``browser`` field ``false`` entry resolves to (Vite's
``__vite-browser-external``): a module id, not a path."""
_FILE_KEY_EXTENSIONS = (".js", ".mjs", ".cjs", ".json")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _typescript_twins(path: str) -> tuple[str, ...]:
    """``./a.js`` naming ``a.ts`` (TypeScript's own convention for ESM imports), as Vite
    resolves it: the TypeScript files a JavaScript extension may stand for."""
    stem, ext = os.path.splitext(path)
    return tuple(stem + twin for twin in _TS_TWINS.get(ext, ()))


_TS_TWINS = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}


class ResolveError(ShakerError):
    """A specifier that names no file; says who imported what and why it failed."""

    def __init__(self, specifier: str, importer: Path | str, reason: str) -> None:
        self.specifier = specifier
        self.importer = str(importer)
        self.reason = reason
        super().__init__(f'failed to resolve import "{specifier}" from "{importer}": {reason}')


class _NotExported(Exception):
    """``exports`` has no entry (or a ``null`` one) for the subpath."""


class _BadBrowserTarget(Exception):
    """A ``browser`` field entry whose replacement resolves to nothing; raised deep in file
    probing (which knows no specifier) and turned into a :class:`ResolveError` at the top."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


BrowserValue = str | bool
"""A ``browser`` map value: the replacement (a path from the ``package.json``, or a package
name), or ``False`` for "leave it out"."""


@dataclass
class _BrowserMap:
    """One package's object ``browser`` field, ready for lookups.

    ``modules``: every key as written, for bare specifiers (an exact match, as Vite's).
    ``files``: the keys that name files, as absolute paths, each with its key as written and
    its value; a key without an extension also stands for that path plus each extension, so
    ``"./lib/a"`` and ``"./lib/a.js"`` name the same file (an exact key wins).
    """

    directory: str
    modules: dict[str, BrowserValue] = field(default_factory=dict)
    files: dict[str, tuple[str, BrowserValue]] = field(default_factory=dict)


def browser_external_id(label: str) -> str:
    """The id a ``browser`` field ``false`` entry resolves to; ``label`` says what was left out
    (``ws``, ``axios/lib/adapters/http.js``) so dev URLs and build names show it."""
    return f"{BROWSER_EXTERNAL}:{label}"


def is_browser_external(id: str) -> bool:
    """Whether ``id`` (a resolved path or module id) is a ``browser`` field ``false`` entry,
    which the pipeline loads as ``export default {}`` (kind ``empty``)."""
    return id.startswith(BROWSER_EXTERNAL + ":")


def _is_file_key(key: str) -> bool:
    """Whether a ``browser`` key names a file of the package: ``./x``, ``../x``, or a path
    without the ``./`` that has a ``/`` or a script extension (``lib/a.js``, ``index.js``).
    A plain name (``ws``, ``util``) is a package only, so a package's own ``util.js`` is not
    mistaken for Node's ``util``."""
    if key.startswith(("./", "../")):
        return True
    if key.startswith(("/", "@")) or not key or key in (".", ".."):
        return False
    return "/" in key or key.endswith(_FILE_KEY_EXTENSIONS)


def is_url(specifier: str) -> bool:
    """Leave-alone specifiers: URLs, protocol-relative URLs and other schemes (not packages)."""
    return specifier.startswith("//") or bool(_SCHEME.match(specifier))


def is_package(specifier: str) -> bool:
    """A bare package specifier (``vue``, ``@scope/x/y``) or a package import (``#x``)."""
    return not specifier.startswith(("./", "../", "/")) and specifier not in (".", "..") \
        and not is_url(specifier)


def split_query(specifier: str) -> tuple[str, str]:
    """``./a.css?inline#x`` → (``./a.css``, ``?inline#x``)."""
    cut = min((i for i in (specifier.find("?"), specifier.find("#")) if i > 0),
              default=len(specifier))
    return specifier[:cut], specifier[cut:]


def split_package(specifier: str) -> tuple[str, str]:
    """A bare specifier → (package name, ``exports`` subpath: ``.`` or ``./rest``)."""
    parts = specifier.split("/")
    count = 2 if specifier.startswith("@") else 1
    name = "/".join(parts[:count])
    rest = "/".join(parts[count:])
    return name, "./" + rest if rest else "."


def _conditional(target: Any, conditions: Sequence[str]) -> Any:
    """Resolve a conditions object, an array of fallbacks or a string to one target.

    Returns the string target, None for ``null`` (explicitly not exported), or raises
    :class:`_NotExported` when no condition applies.
    """
    if isinstance(target, str) or target is None:
        return target
    if isinstance(target, list):
        for item in target:
            try:
                found = _conditional(item, conditions)
            except _NotExported:
                continue
            if isinstance(found, str):
                return found
        raise _NotExported
    if isinstance(target, dict):
        for key, value in target.items():  # the package's order decides, not ours
            if key == "default" or key in conditions:
                try:
                    return _conditional(value, conditions)
                except _NotExported:
                    continue
        raise _NotExported
    raise _NotExported


def match_exports(exports: Any, subpath: str, conditions: Sequence[str]) -> str | None:
    """The target that ``exports`` (or ``imports``) gives ``subpath``, with ``*`` filled in.

    None means "not exported"; the caller turns it into an error naming the package.
    """
    if not isinstance(exports, dict) or not any(str(k).startswith((".", "#")) for k in exports):
        exports = {".": exports}  # sugar: a string, an array or a bare conditions object
    try:
        if subpath in exports and "*" not in subpath:
            found = _conditional(exports[subpath], conditions)
            return found if isinstance(found, str) else None
        # Node's PATTERN_KEY_COMPARE: the longest prefix before `*` wins, then the longest key.
        best: tuple[int, int, str, str] | None = None
        for key in exports:
            star = key.find("*")
            if star < 0 or key.count("*") != 1:
                continue
            prefix, suffix = key[:star], key[star + 1:]
            if (subpath.startswith(prefix) and subpath.endswith(suffix)
                    and len(subpath) >= len(key) - 1):
                rank = (len(prefix), len(key))
                if best is None or rank > best[:2]:
                    best = (*rank, key, subpath[len(prefix):len(subpath) - len(suffix)])
        if best is None:
            return None
        target = _conditional(exports[best[2]], conditions)
    except _NotExported:
        return None
    return None if target is None else target.replace("*", best[3])


class Resolver:
    """Resolves specifiers for one project root; caches ``package.json`` and ``stat`` results.

    ``public_dir``: absolute specifiers that name a file there resolve to None (kept as is).
    """

    def __init__(self, root: Path, *, conditions: Sequence[str] = BUILD_CONDITIONS,
                 public_dir: Path | None = None) -> None:
        self.root = Path(os.path.realpath(root))
        self.conditions = tuple(conditions)
        self.public_dir = public_dir
        self._files: dict[str, bool] = {}
        self._dirs: dict[str, bool] = {}
        self._packages: dict[str, dict[str, Any] | None] = {}
        self._real_dirs: dict[str, str] = {}
        self._owners: dict[str, tuple[str, dict[str, Any]] | None] = {}
        self._browser_maps: dict[str, _BrowserMap | None] = {}

    # -- cached file-system facts -----------------------------------------------------------

    def _is_file(self, path: str) -> bool:
        found = self._files.get(path)
        if found is None:
            found = self._files[path] = os.path.isfile(path)
        return found

    def _is_dir(self, path: str) -> bool:
        found = self._dirs.get(path)
        if found is None:
            found = self._dirs[path] = os.path.isdir(path)
        return found

    def package_json(self, directory: str) -> dict[str, Any] | None:
        """``directory/package.json`` as a dict (None when absent; an error when unreadable)."""
        if directory in self._packages:
            return self._packages[directory]
        path = os.path.join(directory, "package.json")
        data: dict[str, Any] | None = None
        if self._is_file(path):
            try:
                with open(path, encoding="utf-8") as fh:
                    loaded = json.load(fh)
            except (OSError, ValueError) as exc:
                raise ResolveError("package.json", path, f"unreadable: {exc}") from exc
            data = loaded if isinstance(loaded, dict) else {}
        self._packages[directory] = data
        return data

    def package_of(self, file: Path | str) -> tuple[str, dict[str, Any]] | None:
        """The nearest directory above ``file`` with a ``package.json``, and its content."""
        start = os.path.dirname(os.fspath(file))
        if start in self._owners:
            return self._owners[start]
        directory = start
        found: tuple[str, dict[str, Any]] | None = None
        while True:
            data = self.package_json(directory)
            if data is not None:
                found = directory, data
                break
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
        self._owners[start] = found
        return found

    # -- resolution -------------------------------------------------------------------------

    def resolve(self, specifier: str, importer: Path | str) -> Path | None:
        """The real path ``specifier`` names when imported from the file ``importer``.

        None for URLs and public files (leave the specifier as it is); raises
        :class:`ResolveError` when nothing matches.  A ``browser`` field ``false`` entry comes
        back as ``Path(browser_external_id(...))``: test ``is_browser_external(str(path))``.
        """
        found = self.resolve_path(specifier, importer)
        return None if found is None else Path(found)

    def resolve_path(self, specifier: str, importer: Path | str) -> str | None:
        """:meth:`resolve`, as a string (the build calls it for every import).

        The string is a real path, or a :func:`browser_external_id` when a ``browser`` field
        maps what ``specifier`` names to ``false`` (see :func:`is_browser_external`).
        """
        if is_url(specifier):
            return None
        path, _query = split_query(specifier)
        base_dir = os.path.dirname(os.fspath(importer))
        try:
            if path.startswith(("./", "../")) or path in (".", ".."):
                found = self._file_or_dir(os.path.normpath(os.path.join(base_dir, path)))
            elif path.startswith("/"):
                found = self._file_or_dir(os.path.normpath(os.path.join(self.root, path[1:])))
                if found is None and self.public_dir is not None and os.path.isfile(
                        os.path.join(self.public_dir, path[1:])):
                    return None
                if found is None and os.path.isabs(path) and not path.startswith(
                        str(self.root)):
                    found = self._file_or_dir(os.path.normpath(path))  # an /abs/fs/path
            elif path.startswith("#"):
                found = self._package_import(path, specifier, importer)
            else:
                found = self._browser_module(path, importer)
                if found is None:
                    found = self._bare(path, specifier, importer, base_dir)
        except _BadBrowserTarget as exc:
            raise ResolveError(specifier, importer, exc.reason) from None
        if found is None:
            raise ResolveError(specifier, importer, "no such file")
        return found if is_browser_external(found) else self._real(found)

    def _real(self, path: str) -> str:
        """``os.path.realpath`` with the directory part cached: one ``lstat`` per file."""
        directory, name = os.path.split(path)
        real_dir = self._real_dirs.get(directory)
        if real_dir is None:
            real_dir = self._real_dirs[directory] = os.path.realpath(directory)
        real = os.path.join(real_dir, name)
        return os.path.realpath(real) if os.path.islink(real) else real

    def _file_or_dir(self, path: str, seen: frozenset[str] = frozenset()) -> str | None:
        """``path`` as a file, with an extension, or as a directory (main fields, ``index.*``).

        Each file tried is first looked up in its package's ``browser`` map, before the
        existence check (as oxc-resolver does): a key may name a file the browser build does
        not even ship.  ``seen``: keys already replaced on the way here, taken as they are
        the second time (``{"./a.js": "./a.js"}`` means ``a.js``).
        """
        files = self._browser_files(path)
        for candidate in (path, *(path + ext for ext in EXTENSIONS), *_typescript_twins(path)):
            if files is not None and candidate in files.files and candidate not in seen:
                return self._browser_replace(files, candidate, seen)
            if self._is_file(candidate):
                return candidate
        if self._is_dir(path):
            data = self.package_json(path)
            if data is not None:
                for field_name in MAIN_FIELDS:
                    value = data.get(field_name)
                    if field_name == "browser" and isinstance(value, dict):
                        value = value.get(".")  # Vite: an object's "." is the entry here
                    if isinstance(value, str) and value:
                        found = self._file_or_dir(os.path.normpath(os.path.join(path, value)),
                                                  seen)
                        if found is not None:
                            return found
            files = self._browser_files(os.path.join(path, "index.js"))
            for ext in EXTENSIONS:
                index = os.path.join(path, "index" + ext)
                if files is not None and index in files.files and index not in seen:
                    return self._browser_replace(files, index, seen)
                if self._is_file(index):
                    return index
        return None

    def _bare(self, path: str, specifier: str, importer: Path | str, base_dir: str
              ) -> str | None:
        name, subpath = split_package(path)
        if not name or (name.startswith("@") and "/" not in name):
            raise ResolveError(specifier, importer, "invalid package name")
        package_dir = self._find_package(name, base_dir)
        if package_dir is None:
            raise ResolveError(specifier, importer, f'package "{name}" is not installed '
                               "(no node_modules/" + name + " above the importer)")
        data = self.package_json(package_dir) or {}
        exports = data.get("exports")
        if exports is not None:
            target = match_exports(exports, subpath, self.conditions)
            if target is None:
                raise ResolveError(specifier, importer, f'"{subpath}" is not exported by '
                                   f"{name}/package.json under the conditions "
                                   f"{', '.join(self.conditions)}")
            return self._package_target(package_dir, target, specifier, importer)
        if subpath == ".":
            return self._file_or_dir(package_dir)
        return self._file_or_dir(os.path.normpath(os.path.join(package_dir, subpath)))

    def _package_target(self, package_dir: str, target: str, specifier: str,
                        importer: Path | str) -> str | None:
        if not target.startswith("./"):
            raise ResolveError(specifier, importer, f'invalid exports target "{target}" '
                               "(must start with ./)")
        full = os.path.normpath(os.path.join(package_dir, target))
        if not (full + os.sep).startswith(package_dir + os.sep):
            raise ResolveError(specifier, importer, f'exports target "{target}" leaves '
                               "the package")
        files = self._browser_files(full)  # Vite 8 maps the file exports chose, too
        if files is not None and full in files.files:
            return self._browser_replace(files, full, frozenset())
        if not self._is_file(full):
            raise ResolveError(specifier, importer, f"{full} (from package.json exports) "
                               "does not exist")
        return full

    # -- the browser field ---------------------------------------------------------------------

    def _browser_map(self, owner: tuple[str, dict[str, Any]] | None) -> _BrowserMap | None:
        """The object ``browser`` field of ``owner`` (a package directory and its
        ``package.json``), parsed once; None when there is none."""
        if owner is None:
            return None
        directory, data = owner
        if directory in self._browser_maps:
            return self._browser_maps[directory]
        browser = data.get("browser")
        found: _BrowserMap | None = None
        if isinstance(browser, dict):
            found = _BrowserMap(directory)
            derived: dict[str, tuple[str, BrowserValue]] = {}
            for key, value in browser.items():
                if not (isinstance(value, str) and value) and value is not False:
                    continue  # `true`, null, objects: not a mapping (webpack and oxc agree)
                found.modules[key] = value
                if not _is_file_key(key):
                    continue
                full = os.path.normpath(os.path.join(directory, key))
                if full == directory:
                    continue  # "." is the package entry, taken with the main fields
                found.files[full] = (key, value)
                if not key.endswith(_FILE_KEY_EXTENSIONS):
                    for ext in EXTENSIONS:
                        derived.setdefault(full + ext, (key, value))
            found.files = {**derived, **found.files}
        self._browser_maps[directory] = found
        return found

    def _browser_files(self, file: str) -> _BrowserMap | None:
        """The ``browser`` map of the package ``file`` belongs to, if it has file keys."""
        found = self._browser_map(self.package_of(file))
        return found if found is not None and found.files else None

    def _browser_module(self, name: str, importer: Path | str) -> str | None:
        """A bare specifier replaced by the importer's package ``browser`` field: the file or
        :func:`browser_external_id` it maps to, None when the field does not mention it."""
        browser = self._browser_map(self.package_of(importer))
        if browser is None:
            return None
        value = browser.modules.get(name)
        if value is None or value == name:  # {"ws": "ws"}: no replacement (oxc's rule)
            return None
        if value is False:
            return browser_external_id(name)
        return self._browser_target(browser, name, value, frozenset())

    def _browser_replace(self, browser: _BrowserMap, file: str, seen: frozenset[str]) -> str:
        """What the ``browser`` map says ``file`` (one of its keys) is in a browser."""
        key, value = browser.files[file]
        if value is False:
            return browser_external_id(self._label(file))
        return self._browser_target(browser, key, value, seen | {file})

    def _browser_target(self, browser: _BrowserMap, key: str, value: BrowserValue,
                        seen: frozenset[str]) -> str:
        """Resolve a replacement from the ``package.json``: ``./x`` as a path, anything else as
        a package (Vite's and oxc's rule), which then resolves by its own fields."""
        assert isinstance(value, str)
        package_json = os.path.join(browser.directory, "package.json")
        if value.startswith(("./", "../", "/")) or value in (".", ".."):
            found = self._file_or_dir(os.path.normpath(os.path.join(browser.directory, value)),
                                      seen)
            reason = "no such file"
        else:
            try:
                found = self._bare(value, value, package_json, browser.directory)
                reason = "no such file"
            except ResolveError as exc:
                found, reason = None, exc.reason
        if found is None:
            raise _BadBrowserTarget(f'the "browser" field of {package_json} replaces "{key}" '
                                    f'with "{value}": {reason}')
        return found

    def _label(self, file: str) -> str:
        """A left-out file as its browser-external id names it: from its package's folder in
        ``node_modules`` (``axios/lib/adapters/http.js``), else from the root."""
        parts = file.split(os.sep)
        if "node_modules" in parts:
            at = len(parts) - 1 - parts[::-1].index("node_modules")
            return "/".join(parts[at + 1:])
        return os.path.relpath(file, self.root).replace(os.sep, "/")

    def _package_import(self, path: str, specifier: str, importer: Path | str) -> str | None:
        owner = self.package_of(importer)
        imports = owner[1].get("imports") if owner else None
        if owner is None or not isinstance(imports, dict):
            raise ResolveError(specifier, importer, "no package.json \"imports\" field above "
                               "the importer")
        target = match_exports(imports, path, self.conditions)
        if target is None:
            raise ResolveError(specifier, importer, f'"{path}" is not defined in the imports '
                               f"of {owner[0]}/package.json")
        if target.startswith("./"):
            return self._package_target(owner[0], target, specifier, importer)
        return self._bare(target, specifier, importer, owner[0])

    def _find_package(self, name: str, base_dir: str) -> str | None:
        directory = base_dir
        while True:
            if os.path.basename(directory) != "node_modules":
                candidate = os.path.join(directory, "node_modules", name)
                if self._is_dir(candidate):
                    return os.path.realpath(candidate)
            parent = os.path.dirname(directory)
            if parent == directory:
                return None
            directory = parent

    # -- package facts ----------------------------------------------------------------------

    def side_effects(self, file: Path | str) -> bool | None:
        """What the nearest ``package.json`` says about ``file``'s side effects.

        False: declared free of side effects (``"sideEffects": false``, or a list of globs
        that does not match it); True: listed as having them; None: not declared.
        """
        owner = self.package_of(file)
        if owner is None:
            return None
        declared = owner[1].get("sideEffects")
        if isinstance(declared, bool):
            return declared
        if isinstance(declared, list):
            from fnmatch import fnmatchcase

            rel = os.path.relpath(os.fspath(file), owner[0]).replace(os.sep, "/")
            for pattern in declared:
                if not isinstance(pattern, str):
                    continue
                pattern = pattern[2:] if pattern.startswith("./") else pattern
                if fnmatchcase(rel, pattern) or ("/" not in pattern
                                                 and fnmatchcase(rel.rsplit("/", 1)[-1],
                                                                 pattern)):
                    return True
            return False
        return None


def dev_url_for(specifier: str, importer: Path | str, root: Path | str, *,
                resolver: Resolver | None = None) -> str | None:
    """The dev server URL for a package import, or None if ``specifier`` is not one.

    ``/node_modules/...`` when the file is inside ``root``, else ``/@fs/<absolute path>``
    (the dev server's guard still decides whether it may be served).  Raises
    :class:`ResolveError` (message ready for the overlay) when the package or the subpath
    cannot be found.

    >>> dev_url_for("./a.js", "/p/main.js", "/p") is None
    True
    """
    if not is_package(specifier):
        return None
    resolver = resolver or Resolver(Path(root), conditions=DEV_CONDITIONS)
    found = resolver.resolve(specifier, importer)
    if found is None:
        return None
    _path, query = split_query(specifier)
    if is_browser_external(str(found)):  # the dev server's URL of a module that is no file
        from urllib.parse import quote

        return "/@id/" + quote(str(found), safe="/:@+,=")
    try:
        url = "/" + found.relative_to(resolver.root).as_posix()
    except ValueError:
        url = "/@fs" + found.as_posix()
    return url + query


__all__ = [
    "BROWSER_EXTERNAL",
    "BUILD_CONDITIONS",
    "DEV_CONDITIONS",
    "MAIN_FIELDS",
    "ResolveError",
    "Resolver",
    "browser_external_id",
    "dev_url_for",
    "is_browser_external",
    "is_package",
    "is_url",
    "match_exports",
    "split_package",
    "split_query",
]
