"""Warn where a circular import reads a binding before the module that declares it has run.

Modules run in the spec's order (:func:`shaker.bundle.chunks.execution_order`); in a cycle,
some module runs before one it imports.  If its top-level code (not a function body, which
may run later) reads a ``let``/``const``/``class`` of that module, the read throws a
``ReferenceError`` (or sees ``undefined`` for a ``var``) in the browser exactly as in the
bundle, so the build says where, and through which cycle.  Function declarations are
initialised before any code runs and are never reported.
"""

from __future__ import annotations

from collections.abc import Mapping

from shaker.bundle.analyse import ModuleFacts
from shaker.bundle.bindings import AMBIGUOUS, EXTERNAL, Bindings
from shaker.bundle.model import ModuleInput
from shaker.diagnostics import Diagnostic
from shaker.js.minify.mangle import Scope
from shaker.source import Source

_HOISTED = frozenset({"function_declaration", "generator_function_declaration"})


def _at_top(scope: Scope | None) -> bool:
    """Whether code in ``scope`` runs when its module runs (not inside a function)."""
    while scope is not None and scope.parent is not None:
        if scope.is_var:
            return False
        scope = scope.parent
    return True


def _path(modules: Mapping[str, ModuleFacts], start: str, goal: str) -> list[str]:
    """A shortest chain of static imports from ``start`` to ``goal``."""
    previous: dict[str, str | None] = {start: None}
    queue = [start]
    for current in queue:
        if current == goal:
            break
        for dep in modules[current].static_deps:
            if dep is not None and dep in modules and dep not in previous:
                previous[dep] = current
                queue.append(dep)
    if goal not in previous:
        return [start, goal]
    chain: list[str] = []
    node: str | None = goal
    while node is not None:
        chain.append(node)
        node = previous[node]
    return chain[::-1]


def early_reads(modules: Mapping[str, ModuleFacts], inputs: Mapping[str, ModuleInput],
                bindings: Bindings, order: list[str],
                kept: Mapping[str, set[int]]) -> list[Diagnostic]:
    """One warning per (module, binding) read before its module has run."""
    position = {m: i for i, m in enumerate(order)}
    warnings: list[Diagnostic] = []
    seen: set[tuple[str, str, str]] = set()

    def label(module: str) -> str:
        given = inputs.get(module)
        return (given.path if given is not None and given.path else module).rsplit("/", 1)[-1]

    for module in order:
        facts = modules[module]
        statements = kept.get(module, set())
        for occ in facts.occurrences:
            if occ.scope is None or occ.statement not in statements or occ.name not in \
                    facts.imports or not _at_top(occ.scope):
                continue
            var = bindings.variable(module, occ.name)
            if var is None or var is AMBIGUOUS or var[0].startswith(EXTERNAL):
                continue
            owner, name = var
            if owner not in position or position[owner] <= position[module] or name == "*":
                continue
            declaring = modules[owner].declared.get(name, [])
            if any(modules[owner].statements[i].node.type in _HOISTED for i in declaring):
                continue
            if (module, owner, name) in seen:
                continue
            seen.add((module, owner, name))
            cycle = _path(modules, module, owner) + _path(modules, owner, module)[1:]
            given = inputs.get(module)
            source = Source(given.path if given is not None and given.path else module,
                            facts.code)
            warnings.append(Diagnostic.at(
                source, occ.start,
                f"`{occ.name}` is read before {label(owner)} has run, so it is not "
                f"initialised yet (circular import: {' -> '.join(map(label, cycle))})",
                id="circular-read"))
    return warnings


__all__ = ["early_reads"]
