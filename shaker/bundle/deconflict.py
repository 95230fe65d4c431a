"""One scope for the whole bundle: a name for every module-level variable that is kept.

A variable keeps its own name unless another kept variable took it first, a module reads a
global of that name, or a scope between one of its uses and the top level declares that
name (then the use would find the inner binding); otherwise it becomes ``name$1``,
``name$2``...  Names are unique across all the chunks of a link, so a chunk imports another
chunk's variable under the variable's own name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from shaker.bundle.analyse import ModuleFacts
from shaker.bundle.bindings import EXTERNAL, Var
from shaker.js.minify.mangle import KEYWORDS, Scope
from shaker.js.names import is_binding_name

ALWAYS_RESERVED = frozenset({"Object", "Symbol", "Promise", "undefined", "document", "URL",
                             "Set"})
"""Globals the linker's own code uses (namespace objects, the stylesheet loader)."""


def base_name(var: Var, modules: Mapping[str, ModuleFacts]) -> str:
    """What a variable would like to be called."""
    module, name = var
    if module.startswith(EXTERNAL):
        stem = module[len(EXTERNAL):].rstrip("/").rsplit("/", 1)[-1]
        return _identifier(stem if name in ("*", "default") else name)
    stem = modules[module].name if module in modules else "module"
    if name == "*":
        return _identifier(stem)
    if name == "default":
        return _identifier(stem + "_default")
    return name


def _identifier(text: str) -> str:
    out = "".join(c if c.isalnum() or c in "_$" else "_" for c in text) or "module"
    if out[0].isdigit():
        out = "_" + out
    return out if is_binding_name(out) else "_" + out


def _shadowed(name: str, scopes: Iterable[Scope]) -> bool:
    for scope in scopes:
        current: Scope | None = scope
        while current is not None and current.parent is not None:
            if name in current.names:
                return True
            current = current.parent
    return False


def deconflict(order: list[Var], modules: Mapping[str, ModuleFacts],
               uses: Mapping[Var, list[Scope]], reserved: set[str]) -> dict[Var, str]:
    """A unique name for each variable of ``order`` (kept order: earlier ones win)."""
    taken = set(reserved) | KEYWORDS | ALWAYS_RESERVED
    names: dict[Var, str] = {}
    suffix: dict[str, int] = {}  # the last `$n` tried for a base: 3,000 `value`s stay linear
    for var in order:
        if var in names:
            continue
        base = base_name(var, modules)
        scopes = uses.get(var, [])
        candidate = base
        if candidate in taken or _shadowed(candidate, scopes):
            n = suffix.get(base, 0)
            while True:
                n += 1
                candidate = f"{base}${n}"
                if candidate not in taken and not _shadowed(candidate, scopes):
                    break
            suffix[base] = n
        taken.add(candidate)
        names[var] = candidate
    return names


__all__ = ["base_name", "deconflict"]
