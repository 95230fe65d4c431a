"""Imports bound to the declarations they name, through re-exports and ``export *``.

A *variable* is ``(module id, local name)``: ``"default"`` for an anonymous default export,
``"*"`` for a module's namespace object, and for a name imported from a module left out of
the link, ``(EXTERNAL + specifier, imported name)``.  The rules are the spec's
``ResolveExport``: a local export wins over ``export *``; a name two stars export as
different bindings is ambiguous (not exported at all); ``default`` never comes through a
star; a cycle of re-exports resolves to nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

from shaker.bundle.analyse import ModuleFacts

Var = tuple[str, str]
EXTERNAL = "\0external:"
AMBIGUOUS: Var = ("\0ambiguous", "")


class Bindings:
    """Export resolution over all the modules of one link, memoised."""

    def __init__(self, modules: Mapping[str, ModuleFacts]) -> None:
        self.modules = modules
        self._resolved: dict[Var, Var | None] = {}
        self._names: dict[str, list[str]] = {}

    def resolve_export(self, module: str, name: str,
                       seen: frozenset[Var] = frozenset()) -> Var | None:
        """The variable ``module``'s export ``name`` is; None if it has no such export."""
        key = (module, name)
        if key in self._resolved:
            return self._resolved[key]
        if key in seen:
            return None
        seen = seen | {key}
        facts = self.modules.get(module)
        if facts is None:
            return None
        result = self._resolve(facts, name, seen)
        if not seen - {key}:  # only top-level answers are final (cycles see partial ones)
            self._resolved[key] = result
        return result

    def _resolve(self, facts: ModuleFacts, name: str, seen: frozenset[Var]) -> Var | None:
        export = facts.exports.get(name)
        if export is not None:
            if export.local is not None:
                if export.local in facts.imports:
                    return self.resolve_import(facts.id, export.local, seen)
                return (facts.id, export.local)
            if export.source is None:
                return (EXTERNAL + export.spec, export.imported)
            if export.imported == "*":
                return (export.source, "*")
            return self.resolve_export(export.source, export.imported, seen)
        if name == "default":
            return None
        found: Var | None = None
        for source, _spec in facts.stars:
            if source is None:
                continue  # `export * from "https://..."`: unknown names, never resolved here
            result = self.resolve_export(source, name, seen)
            if result is AMBIGUOUS:
                return AMBIGUOUS
            if result is None:
                continue
            if found is not None and found != result:
                return AMBIGUOUS
            found = result
        return found

    def resolve_import(self, module: str, local: str,
                       seen: frozenset[Var] = frozenset()) -> Var | None:
        """The variable an import binding of ``module`` names."""
        facts = self.modules[module]
        imported = facts.imports[local]
        if imported.source is None:
            return (EXTERNAL + imported.spec, imported.imported)
        if imported.imported == "*":
            return (imported.source, "*")
        return self.resolve_export(imported.source, imported.imported, seen)

    def export_names(self, module: str) -> list[str]:
        """Every name ``module``'s namespace has, sorted as the spec sorts them."""
        found = self._names.get(module)
        if found is not None:
            return found
        names: set[str] = set()
        stack = [module]
        visited: set[str] = set()
        while stack:
            current = stack.pop()
            if current in visited:
                continue
            visited.add(current)
            facts = self.modules.get(current)
            if facts is None:
                continue
            for name in facts.exports:
                if current == module or name != "default":
                    names.add(name)
            stack.extend(source for source, _spec in facts.stars if source is not None)
        out = sorted((n for n in names
                      if (v := self.resolve_export(module, n)) is not None and v is not AMBIGUOUS),
                     key=lambda n: n.encode("utf-16-be"))
        self._names[module] = out
        return out

    def namespace_of(self, module: str, local: str) -> str | None:
        """The module whose namespace the import ``local`` is, when ``module`` only reads
        its properties (``ns.x``): then each read is that export's own variable."""
        facts = self.modules[module]
        if local in facts.value_uses or local not in facts.imports:
            return None
        var = self.resolve_import(module, local)
        if var is None or var is AMBIGUOUS or var[1] != "*" or var[0].startswith(EXTERNAL):
            return None
        return var[0]

    def member(self, module: str, local: str, prop: str) -> Var | None:
        """What ``local.prop`` reads when ``local`` is a namespace (see namespace_of)."""
        target = self.namespace_of(module, local)
        return self.resolve_export(target, prop) if target is not None else None

    def variable(self, module: str, local: str) -> Var | None:
        """What a module-level name of ``module`` refers to: its own, or an import's."""
        facts = self.modules[module]
        if local in facts.imports:
            return self.resolve_import(module, local)
        return (module, local)


__all__ = ["AMBIGUOUS", "EXTERNAL", "Bindings", "Var"]
