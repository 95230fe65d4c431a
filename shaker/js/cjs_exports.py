"""Named exports of a CommonJS module, as Node finds them (cjs-module-lexer's patterns).

Placeholder: no names yet (default imports work; named imports of CommonJS packages need the
lexer port, which replaces this module).
"""

from __future__ import annotations

from dataclasses import dataclass

from shaker.source import Source


@dataclass(frozen=True)
class CjsExports:
    exports: tuple[str, ...] = ()
    reexports: tuple[str, ...] = ()


def detect_cjs_exports(source: Source) -> CjsExports:
    """The names and re-exported specifiers of a CommonJS module (none yet)."""
    return CjsExports()


__all__ = ["CjsExports", "detect_cjs_exports"]
