"""What the pipeline hands to dev and build: module records and located module errors."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shaker.diagnostics import Diagnostic, Severity, render_rich
from shaker.errors import ShakerError
from shaker.js.transform import HotInfo
from shaker.pipeline.kinds import Kind
from shaker.source import Source


@dataclass(frozen=True)
class Target:
    """What an import resolved to: a real file path (or a plugin's virtual id), the kind it is
    loaded as, and the query it was imported with (``?url``, ``?raw``...; ``""`` for none)."""

    id: str
    kind: Kind
    query: str = ""
    virtual: bool = False


WriteImport = Callable[[Target, str, bool], "str | None"]
"""``write(target, specifier, as_module)`` → the text to write instead of ``specifier``
(None: leave it).  ``as_module`` is False for CSS ``@import`` and ``url()``, which load files,
not modules.  The one thing dev and build do differently with a resolved import."""


@dataclass(frozen=True)
class ImportRef:
    """One dependency as the module wrote it.

    ``kind``: ``static``, ``dynamic``, ``reexport`` or ``hot-accept`` for JavaScript;
    ``import`` (``@import``) or ``url`` (``url()``) for CSS.  ``target`` is None for what is
    left as written (URLs, files of ``public/``, the dev server's own ``/@`` URLs).
    """

    specifier: str
    kind: str
    offset: int
    target: Target | None


@dataclass
class ModuleRecord:
    """A module after resolve → load → transform: the same facts in dev and in build."""

    id: str
    kind: Kind
    code: str
    map: dict[str, Any] | None = None
    imports: list[ImportRef] = field(default_factory=list)
    hot: HotInfo = field(default_factory=HotInfo)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    side_effects: bool | None = None
    """From ``package.json`` ``sideEffects``: None when the package does not say."""
    exports: frozenset[str] | None = None
    """The export names, when the step that wrote the code knows them (CommonJS)."""
    parsed: Any = None
    """The JavaScript transform's parse (``shaker.js.incremental``): handed back as
    ``previous`` for the next version of the module, it makes that parse incremental."""


class ModuleError(ShakerError):
    """A module that cannot be built: syntax errors, imports that resolve to nothing, invalid
    JSON, undecodable bytes.  ``problems`` are located (each with its source, for a code frame);
    ``missing`` lists files whose creation could fix it (the dev server retries then)."""

    def __init__(self, problems: list[tuple[Diagnostic, Source]],
                 missing: tuple[str, ...] = ()) -> None:
        self.problems = problems
        self.missing = missing
        self.diagnostic, self.source = problems[0]
        super().__init__(self.diagnostic.message)

    def __str__(self) -> str:
        d = self.diagnostic
        return f"{d.filename}:{d.line}:{d.column}: error: {d.message}"

    def render(self, color: bool = False) -> str:
        """Every problem with a code frame, for terminals and the overlay."""
        return "\n\n".join(render_rich(d, s, color=color) for d, s in self.problems)


def error_at(source: Source, offset: int, message: str) -> Diagnostic:
    """An error diagnostic at byte ``offset`` of ``source``."""
    return Diagnostic.at(source, max(0, offset), message, severity=Severity.ERROR)


def display_name(path: str) -> str:
    """A path as messages show it: relative to the working directory when inside it."""
    cwd = os.getcwd() + os.sep
    return path[len(cwd):] if path.startswith(cwd) else path


__all__ = ["ImportRef", "ModuleError", "ModuleRecord", "Target", "WriteImport", "display_name",
           "error_at"]
