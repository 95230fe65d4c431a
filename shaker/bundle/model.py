"""What the linker takes and gives: modules in, chunks out.  No I/O, no build or dev types.

Build (:mod:`shaker.build.bundling`) and the dev server's dependency pre-bundling
(:mod:`shaker.dev.prebundle`) both hand the linker plain ESM modules whose import
specifiers are already resolved to module ids, and get chunks back whose imports of each
other are written by a callback (a placeholder file name in build, a URL in dev).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shaker.diagnostics import Diagnostic


@dataclass
class ModuleInput:
    """One ESM module: its code, and what each specifier it writes names.

    ``imports`` maps every import/export-from/``import()`` specifier string (its value, as the
    code spells it after unquoting) to the id of a module in the same link, or to None for one
    left as written (a URL, an external).  ``side_effects`` is ``package.json``'s
    ``sideEffects`` verdict for this file (None: decide from the code)."""

    id: str
    code: str
    imports: dict[str, str | None] = field(default_factory=dict)
    side_effects: bool | None = None
    name: str = ""
    """A readable stem for names derived from the module (``<name>_default``)."""
    map: dict[str, Any] | None = None
    """The source map of ``code`` (to the original file), when source maps are wanted."""
    path: str = ""
    """The file the module came from, for source maps without an input map."""
    placed: bool = False
    """Put in a chunk whenever it runs, even with no code left: the module of a stylesheet,
    which the chunk then loads."""


@dataclass
class ChunkOutput:
    """One output file of a link.

    ``id`` is the chunk's id: the entry module's id for an entry chunk (or a dynamic-import
    chunk), else a synthetic ``<first module id>#shared<n>``.  ``code`` imports other chunks
    through ``LinkOptions.chunk_specifier(chunk id)``."""

    id: str
    code: str
    modules: list[str] = field(default_factory=list)
    facade: str | None = None
    """The module whose exports this chunk's exports are (entry and dynamic-entry chunks)."""
    imports: list[str] = field(default_factory=list)
    """Chunk ids this chunk imports statically, in order."""
    dynamic_imports: list[str] = field(default_factory=list)
    exports: list[str] = field(default_factory=list)
    externals: list[str] = field(default_factory=list)
    """Specifiers of modules left out of the link (as written) that the chunk imports."""
    map: dict[str, Any] | None = None


@dataclass
class LinkOptions:
    chunk_specifier: Callable[[str], str] = lambda chunk_id: "./" + chunk_id + ".js"
    """The specifier text (unquoted) that imports the chunk ``chunk_id`` from another chunk."""
    treeshake: bool = True
    sourcemap: bool = False
    split: bool = True
    """One chunk per entry, per dynamic import, and per set of entries sharing modules.  False
    links each entry into one chunk (dynamic imports still get theirs)."""


@dataclass
class LinkResult:
    chunks: list[ChunkOutput] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    entry_chunks: dict[str, str] = field(default_factory=dict)
    """entry module id → the id of the chunk that stands for it."""


Link = Callable[[dict[str, ModuleInput], list[str], LinkOptions], LinkResult]
"""``shaker.bundle.link(modules, entries, options)``: the signature of the linker."""

__all__ = ["ChunkOutput", "Link", "LinkOptions", "LinkResult", "ModuleInput"]
