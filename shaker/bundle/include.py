"""Tree-shaking: which statements of which modules a bundle keeps (Rollup's rules).

A module *runs* when an entry reaches it through static imports (unless its package says
``"sideEffects": false``), or when one of its variables is used.  A module that runs keeps
its statements that have effects (:mod:`shaker.bundle.effects`); a variable that is used
keeps the statements that declare it and those attached to it (``A.prototype.x = ...``);
whatever a kept statement reads is used.  Entries use all of their exports, and so does
every module a kept ``import()`` loads (it becomes an entry of its own chunk).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from shaker.bundle.analyse import ModuleFacts
from shaker.bundle.bindings import AMBIGUOUS, EXTERNAL, Bindings, Var


@dataclass
class Inclusion:
    """What tree-shaking kept."""

    executed: dict[str, None] = field(default_factory=dict)
    statements: dict[str, set[int]] = field(default_factory=dict)
    variables: dict[Var, None] = field(default_factory=dict)
    namespaces: dict[str, None] = field(default_factory=dict)
    dynamic_entries: dict[str, None] = field(default_factory=dict)
    dynamic_importers: dict[str, list[str]] = field(default_factory=dict)
    """Dynamic entry → the modules whose kept statements ``import()`` it."""


def include(modules: Mapping[str, ModuleFacts], bindings: Bindings, entries: list[str],
            treeshake: bool = True) -> Inclusion:
    """Run the inclusion to its fixpoint from ``entries``."""
    result = Inclusion()
    work: list[tuple[str, str, object]] = []
    dynamic_by_statement: dict[str, dict[int, list[str]]] = {}
    for facts in modules.values():
        spots: dict[int, list[str]] = {}
        for dyn in facts.dynamic:
            if dyn.source is None:
                continue
            for stmt in facts.statements:
                if stmt.start <= dyn.start < stmt.end:
                    spots.setdefault(stmt.index, []).append(dyn.source)
                    break
        dynamic_by_statement[facts.id] = spots
    members_by_statement: dict[str, dict[int, list[tuple[str, str]]]] = {}
    for facts in modules.values():
        found: dict[int, list[tuple[str, str]]] = {}
        for member in facts.members:
            found.setdefault(member.statement, []).append((member.namespace, member.prop))
        members_by_statement[facts.id] = found

    def execute(module: str) -> None:
        if module not in result.executed and module in modules:
            result.executed[module] = None
            result.statements.setdefault(module, set())
            work.append(("run", module, None))

    def use(var: Var | None) -> None:
        if var is None or var is AMBIGUOUS or var in result.variables:
            return
        result.variables[var] = None
        module, name = var
        if module.startswith(EXTERNAL):
            return
        execute(module)
        if name == "*":
            result.namespaces[module] = None
            for export in bindings.export_names(module):
                use(bindings.resolve_export(module, export))
            return
        facts = modules[module]
        if name in facts.imports:  # an external import's binding: its statement stays
            return
        for index in facts.declared.get(name, ()):
            keep(module, index)
        for index in facts.attached.get(name, ()):
            keep(module, index)

    def entry(module: str) -> None:
        execute(module)
        for export in bindings.export_names(module):
            use(bindings.resolve_export(module, export))

    def keep(module: str, index: int) -> None:
        kept = result.statements.setdefault(module, set())
        if index in kept:
            return
        kept.add(index)
        work.append(("keep", module, index))

    for module in entries:
        entry(module)
    while work:
        what, module, index = work.pop()
        facts = modules[module]
        if what == "run":
            for stmt in facts.statements:
                if stmt.kind not in ("import", "reexport", "export-list") and (
                        not treeshake or stmt.effects):
                    keep(module, stmt.index)
            for dep in facts.static_deps:
                if dep is not None and dep in modules and (
                        not treeshake or modules[dep].side_effects is not False):
                    execute(dep)
            continue
        assert isinstance(index, int)
        stmt = facts.statements[index]
        for name in stmt.reads:
            if bindings.namespace_of(module, name) is not None:
                continue  # only `ns.x` reads: each resolved below
            use(bindings.variable(module, name))
        for local, prop in members_by_statement[module].get(index, ()):
            if bindings.namespace_of(module, local) is not None:
                use(bindings.member(module, local, prop))
        for target in dynamic_by_statement[module].get(index, ()):
            if target in modules:
                result.dynamic_importers.setdefault(target, []).append(module)
            if target in modules and target not in result.dynamic_entries:
                result.dynamic_entries[target] = None
                entry(target)
    return result


__all__ = ["Inclusion", "include"]
