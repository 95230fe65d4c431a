"""The linker: ESM modules in, scope-hoisted, tree-shaken chunks out (Rollup's model).

Phases, one module each: :mod:`~shaker.bundle.analyse` (one module's imports, exports,
top-level statements and what each reads), :mod:`~shaker.bundle.bindings` (imports
bound to the declarations they name, through re-exports and ``export *``),
:mod:`~shaker.bundle.effects` and :mod:`~shaker.bundle.include` (tree-shaking),
:mod:`~shaker.bundle.chunks` (which module goes in which file),
:mod:`~shaker.bundle.deconflict` (one scope per chunk) and :mod:`~shaker.bundle.render`
(the chunk's code).
"""

from shaker.bundle.linker import link
from shaker.bundle.model import ChunkOutput, LinkOptions, LinkResult, ModuleInput

__all__ = ["ChunkOutput", "LinkOptions", "LinkResult", "ModuleInput", "link"]
