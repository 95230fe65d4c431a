"""Import specifiers in served modules: which module URL each names, and how it is rewritten.

The browser resolves relative specifiers itself, so they stay relative; the dev server only
appends queries: ``?import`` for CSS and JSON (their requests must come back as modules) and
``?t=<timestamp>`` for modules that were hot-updated, so that an importer served after an
update gets the new instance instead of the one the browser cached (reference/vite-hmr.md
§4.7). The graph needs URLs, so each specifier is also resolved here, the way the browser will.

>>> resolve_url("./b.js?x", "/src/a.js"), resolve_url("../c.css", "/src/a.js")
('/src/b.js', '/c.css')
>>> resolve_url("/app/d.js", "/src/a.js", base="/app/"), resolve_url("vue", "/src/a.js")
('/d.js', None)
>>> with_query("./a.css?import", "t=5"), with_query("./a.js#x", "t=5")
('./a.css?import&t=5', './a.js?t=5#x')
"""

from __future__ import annotations

import posixpath
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from shaker.dev.graph import ModuleFacts
from shaker.diagnostics import Diagnostic, Severity, render_rich
from shaker.errors import ShakerError
from shaker.source import Source

_SPECIAL_PREFIXES = ("/@",)


def resolve_url(specifier: str, importer: str, *, base: str = "/") -> str | None:
    """The module URL a relative or root-absolute ``specifier`` names from ``importer``;
    None for bare specifiers (packages, plugin ids) and full URLs."""
    path = specifier.split("#", 1)[0].split("?", 1)[0]
    if path.startswith(("./", "../")):
        if importer.startswith(_SPECIAL_PREFIXES):
            return None
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(importer), path))
        return unquote(joined if joined.startswith("/") else "/" + joined)
    if path.startswith("/") and not path.startswith("//"):
        if base != "/" and path.startswith(base):
            path = path[len(base) - 1 :]
        return unquote(posixpath.normpath(path))
    return None


def with_query(specifier: str, param: str) -> str:
    """``specifier`` with ``param`` appended to its query (before any ``#fragment``)."""
    rest, hash_, fragment = specifier.partition("#")
    joiner = "&" if "?" in rest else "?"
    return f"{rest}{joiner}{param}{hash_}{fragment}"


class ImportRewriter:
    """The ``rewrite_import`` callback for one build of the module at ``importer``.

    ``timestamps(url)`` is the graph's last hot-update time of a module (0: never);
    ``resolved`` maps bare specifiers a plugin resolved to their URLs. Afterwards ``used``
    holds each dependency's URL and the timestamp written into the output, so a cached build
    can tell whether it went stale.
    """

    def __init__(
        self,
        importer: str,
        *,
        base: str,
        timestamps: Callable[[str], int],
        resolved: Mapping[str, str] | None = None,
        import_query: Callable[[str], str | None],
        importer_file: Path | None = None,
    ) -> None:
        self.importer = importer
        self.base = base
        self.timestamps = timestamps
        self.resolved = dict(resolved or {})
        self.import_query = import_query
        self.importer_file = importer_file
        self.used: dict[str, int] = {}

    def url_of(self, specifier: str) -> str | None:
        if specifier in self.resolved:
            return self.resolved[specifier]
        outside = self._outside_root(specifier)
        if outside is not None:
            self.resolved[specifier] = outside
            return outside
        return resolve_url(specifier, self.importer, base=self.base)

    def _outside_root(self, specifier: str) -> str | None:
        """``/@fs/…`` for a relative import that climbs above ROOT (``../shared/x.js`` from
        ``/main.js``), as in Vite; URL space ends at ROOT, the file system does not."""
        if self.importer_file is None or not specifier.startswith("../") or (
            self.importer.startswith(_SPECIAL_PREFIXES)
        ):
            return None
        path, _, query = specifier.partition("?")
        depth = 0
        for part in posixpath.dirname(self.importer).split("/") + path.split("/"):
            if part == "..":
                depth -= 1
                if depth < 0:
                    target = (self.importer_file.parent / path).resolve().as_posix()
                    return "/@fs" + target + (f"?{query}" if query else "")
            elif part and part != ".":
                depth += 1
        return None

    def __call__(self, specifier: str) -> str | None:
        url = self.url_of(specifier)
        text = self.resolved.get(specifier) or self.import_query(specifier)
        if url is None:
            return text
        stamp = self.timestamps(url)
        self.used[url] = stamp
        if stamp:
            text = with_query(text or specifier, f"t={stamp}")
        return self._under_base(text or specifier) if self.base != "/" else text

    def _under_base(self, text: str) -> str | None:
        """Root-absolute URLs get the public base (``/x.js`` → ``/app/x.js``), as in Vite."""
        if text.startswith("/") and not text.startswith("//") and not text.startswith(
            self.base
        ):
            return self.base.rstrip("/") + text
        return text


class UnresolvedImportError(ShakerError):
    """A module imports a file that does not exist; carries a code frame like a syntax error."""

    def __init__(self, diagnostic: Diagnostic, source: Source, missing: tuple[str, ...]) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic
        self.source = source
        self.missing = missing

    def render(self, color: bool = False) -> str:
        return render_rich(self.diagnostic, self.source, color=color)


def unresolved_import(
    source: Source, offset: int, specifier: str, importer: str, missing: tuple[str, ...],
    reason: str | None = None,
) -> UnresolvedImportError:
    message = f'Failed to resolve import "{specifier}" from "{importer}". ' + (
        f"{reason[:1].upper()}{reason[1:]}." if reason else "Does the file exist?")
    diagnostic = Diagnostic.at(source, offset, message, severity=Severity.ERROR)
    return UnresolvedImportError(diagnostic, source, missing)


async def module_facts(
    result: Any,
    rewrite: ImportRewriter,
    *,
    source: Callable[[], Source],
    url: str,
    file_for_url: Callable[[str], Path | None],
    plugin_serves: Callable[[str], Awaitable[bool]],
) -> ModuleFacts:
    """What the module graph learns from one build (``result`` of the dev transform).

    Raises ``UnresolvedImportError`` when a static import or re-export names a file that does
    not exist and no plugin answers for it; a dynamic ``import()`` may be guarded, so it never
    fails the build.
    """
    imports: dict[str, None] = {}
    missing: list[tuple[Any, Path]] = []
    for record in result.imports:
        dep = rewrite.url_of(record.specifier)
        if dep is None:
            continue
        imports[dep] = None
        if record.kind == "dynamic" or record.specifier in rewrite.resolved:
            continue
        file = file_for_url(dep)
        if file is not None and not file.exists() and not await plugin_serves(dep):
            missing.append((record, file))
    if missing:
        record, _ = missing[0]
        files = tuple(str(f) for _, f in missing)
        raise unresolved_import(source(), record.start, record.specifier, url, files)
    accepted = (rewrite.url_of(spec) for spec in result.hot.accepted_deps)
    return ModuleFacts(
        imports=tuple(imports),
        accepted_deps=tuple(dict.fromkeys(a for a in accepted if a is not None)),
        self_accepting=bool(result.hot.self_accepting),
        declines=bool(result.hot.declines),
    )
