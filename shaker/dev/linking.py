"""Named imports against exports in the dev server: the build's rule, module by module.

The build knows every module at once; the dev server learns them as the browser asks for them.
So each module served leaves its exports and its named imports here, and every import is
checked as soon as both sides are known (``export *`` followed): the module's own imports,
its importers' imports from it, and those that were waiting for a module not yet known.  The
rule and the message are ``shaker.pipeline.exports``'s, shared with the build.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shaker.dev.imports import ImportWriter
from shaker.diagnostics import Diagnostic
from shaker.errors import ShakerSyntaxError
from shaker.js.bindings import module_bindings
from shaker.js.parse import parse
from shaker.pipeline.exports import ExportFacts, all_exports, missing_export_message
from shaker.pipeline.pipeline import read_source
from shaker.pipeline.record import ModuleError, ModuleRecord, error_at
from shaker.source import Source


@dataclass(frozen=True)
class Linking:
    """What linking needs to know of a module: its exports (own names, ``export *`` URLs)
    and its named imports as (target URL, name, byte offset in its source)."""

    exports: ExportFacts = (frozenset({"default"}), ())
    imports: tuple[tuple[str, str, int], ...] = ()



Check = tuple[str, str, str, int]
"""(importer URL, target URL, name, byte offset in the importer's source)."""


class Links:
    """What is known of every module served, for checking named imports."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._known: dict[str, Linking] = {}
        self._waiting: set[Check] = set()

    def record(self, url: str, linking: Linking, files: Mapping[str, Path]
               ) -> list[tuple[Diagnostic, Source]]:
        """Note what ``url`` is; the imports that are now known not to link, located."""
        self._known[url] = linking
        checks = {(url, t, n, o) for t, n, o in linking.imports}
        checks |= {(importer, t, n, o) for importer, known in self._known.items()
                   if importer != url for t, n, o in known.imports if t == url}
        checks |= self._waiting
        problems = []
        for check in sorted(checks):
            importer, target, name, offset = check
            names = all_exports(target, self._exports_of)
            self._waiting.discard(check)
            if names is None:
                self._waiting.add(check)
                continue
            file = files.get(importer)
            if name in names or file is None:
                continue
            try:
                source = read_source(str(file))
            except (OSError, ModuleError):
                continue
            exporter = files.get(target)
            message = missing_export_message(
                name, _shown(exporter, self.root) if exporter else target,
                _shown(file, self.root), names)
            problems.append((error_at(source, offset, message), source))
        return problems

    def _exports_of(self, url: str) -> ExportFacts | None:
        known = self._known.get(url)
        return known.exports if known is not None else None


def linking_of(record: ModuleRecord, source: Source, writer: ImportWriter) -> Linking:
    """Exports from the served code (generated modules included), named imports from the
    source (their offsets are the user's)."""
    if record.exports is not None:  # CommonJS: known, and nothing imported by name
        return Linking((record.exports, ()))
    try:
        served = module_bindings(parse(Source(source.filename, record.code.encode(
            "utf-8", "surrogatepass"))))
        imported = module_bindings(parse(source)).imports if record.imports else ()
    except ShakerSyntaxError:
        return Linking((frozenset(), ()))  # unknown: never reported
    by_specifier = {r.specifier: r.target for r in record.imports if r.target is not None}
    written = writer.written
    stars = tuple(written[s] for s in served.star_reexports if s in written)
    imports = tuple((writer.url_of(target), i.name, i.offset) for i in imported
                    if (target := by_specifier.get(i.specifier)) is not None
                    and target.kind in ("js", "json", "empty"))
    return Linking((served.exports, stars), imports)


def _shown(path: Path | str, root: Path) -> str:
    """A file as messages name it: relative to the root when inside it."""
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)


__all__ = ["Linking", "Links", "linking_of"]
