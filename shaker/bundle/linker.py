"""``link(modules, entries, options)``: the phases of :mod:`shaker.bundle`, in order."""

from __future__ import annotations

from collections.abc import Callable

from shaker.bundle.analyse import ModuleFacts, analyse_module
from shaker.bundle.bindings import AMBIGUOUS, EXTERNAL, Bindings, Var
from shaker.bundle.chunks import already_loaded, assign_chunks, execution_order
from shaker.bundle.cycles import early_reads
from shaker.bundle.deconflict import deconflict
from shaker.bundle.effects import (
    assumptions,
    calling_is_pure,
    function_node,
    statement_effects,
)
from shaker.bundle.include import include
from shaker.bundle.model import ChunkOutput, LinkOptions, LinkResult, ModuleInput
from shaker.bundle.render import Rendered, Renderer, assemble
from shaker.js.minify.mangle import Scope
from shaker.js.purity import Assumptions


def analyse_all(modules: dict[str, ModuleInput]) -> dict[str, ModuleFacts]:
    """Every module read (raises :class:`~shaker.errors.ShakerSyntaxError` on bad code)."""
    return {m.id: analyse_module(m.id, m.code, m.imports, m.name or "module", m.side_effects)
            for m in modules.values()}


def _effects(facts: dict[str, ModuleFacts], bindings: Bindings) -> None:
    """Decide each statement's effects, now that imported functions can be looked up."""
    rules: dict[str, Assumptions] = {}
    verdicts: dict[Var, bool] = {}

    def function_pure(var: Var) -> bool:
        """Calls of ``var`` are pure: annotated so, or its body does nothing else."""
        if var in verdicts:
            return verdicts[var]
        module, name = var
        mod = facts[module]
        if name in mod.no_side_effects:
            verdicts[var] = True
            return True
        node = function_node(mod, name)
        verdicts[var] = False  # recursion: assume it does something until shown otherwise
        verdicts[var] = node is not None and calling_is_pure(node, mod, rules[module])
        return verdicts[var]

    def calls_pure_in(module: str) -> Callable[[str], bool]:
        def calls_pure(name: str) -> bool:
            var = bindings.variable(module, name)
            if var is None or var is AMBIGUOUS or var[0].startswith(EXTERNAL) or var[1] == "*":
                return False
            return function_pure(var)
        return calls_pure

    for module, mod in facts.items():
        rules[module] = assumptions(mod, calls_pure_in(module))
    for module, mod in facts.items():
        for stmt in mod.statements:
            stmt.effects = statement_effects(stmt, rules[module])
            if stmt.attached_to is not None and not stmt.effects:
                mod.attached.setdefault(stmt.attached_to, []).append(stmt.index)


def _cross_chunk_exports(rendered: dict[str, Rendered]) -> dict[str, dict[str, str]]:
    """Each chunk's exports (name → local): its entry's, and every variable another chunk
    imports from it, under the variable's own name, or a name it already has, or (when the
    entry exports another variable under that name) ``name$1``."""
    exports: dict[str, dict[str, str]] = {cid: dict(r.exports) for cid, r in rendered.items()}
    for r in rendered.values():
        for target, needed in r.needs.items():
            table = exports[target]
            for local in needed:
                if local in table.values():
                    continue
                name, n = local, 0
                while name in table:
                    n += 1
                    name = f"{local}${n}"
                table[name] = local
    return exports


def link(modules: dict[str, ModuleInput], entries: list[str],
         options: LinkOptions | None = None) -> LinkResult:
    """Link ``modules`` from ``entries`` into chunks; see :mod:`shaker.bundle`."""
    options = options or LinkOptions()
    facts = analyse_all(modules)
    bindings = Bindings(facts)
    _effects(facts, bindings)
    inclusion = include(facts, bindings, entries, options.treeshake)
    loaded = already_loaded(facts, list(dict.fromkeys([*entries, *inclusion.dynamic_entries])),
                            inclusion.dynamic_importers) - set(entries)
    for module in loaded:  # `import("./x.js")` becomes x's namespace, already in memory
        inclusion.namespaces[module] = None
        inclusion.variables[(module, "*")] = None
    all_entries = list(dict.fromkeys([*entries, *(d for d in inclusion.dynamic_entries
                                                  if d not in loaded)]))
    # Modules that contribute code (or are entries) are placed; the rest are seen through.
    placed = {m: None for m in inclusion.executed
              if inclusion.statements.get(m) or m in inclusion.namespaces or m in all_entries
              or modules[m].placed}
    # A module shared with a lazy chunk stays in its importer's chunk, unless top-level
    # await is about: a chunk awaiting an import() of a chunk that imports from it back
    # would wait for itself forever.
    waits = any(facts[m].top_level_await for m in placed)
    chunks, chunk_of, facades = assign_chunks(facts, all_entries, placed, options.split,
                                              None if waits else inclusion.dynamic_importers)
    # Names: every variable a kept statement declares or uses, in chunk order.
    order: list[Var] = []
    uses: dict[Var, list[Scope]] = {}
    reserved: set[str] = set()
    for chunk in chunks:
        for module in chunk.modules:
            mod = facts[module]
            reserved |= mod.globals
            if module in inclusion.namespaces:
                order.append((module, "*"))
            kept = inclusion.statements.get(module, set())
            for stmt in mod.statements:
                if stmt.index in kept and "default" in stmt.declares:
                    order.append((module, "default"))
            for occ in mod.occurrences:
                if occ.statement not in kept:
                    continue
                if occ.scope is None:
                    order.append((module, occ.name))
                    continue
                var = bindings.variable(module, occ.name)
                if var is None or var is AMBIGUOUS:
                    continue
                if var[0].startswith(EXTERNAL):
                    order.append(var)
                uses.setdefault(var, []).append(occ.scope)
            for member in mod.members:
                if member.statement not in kept or member.scope is None:
                    continue
                var = bindings.member(module, member.namespace, member.prop) \
                    if bindings.namespace_of(module, member.namespace) is not None \
                    else bindings.variable(module, member.namespace)
                if var is not None and var is not AMBIGUOUS:
                    uses.setdefault(var, []).append(member.scope)
                    if var[0].startswith(EXTERNAL):
                        order.append(var)
    for var in inclusion.variables:
        if var[0].startswith(EXTERNAL):
            order.append(var)
    names = deconflict(order, facts, uses, reserved)
    renderer = Renderer(facts, bindings, inclusion, names, chunk_of, facades,
                        options.chunk_specifier, modules if options.sourcemap else None)
    rendered = {chunk.id: renderer.render(chunk) for chunk in chunks}
    exports = _cross_chunk_exports(rendered)
    result = LinkResult()
    for chunk in chunks:
        r = rendered[chunk.id]
        code, source_map = assemble(r, exports[chunk.id], options.chunk_specifier, exports)
        imports = list(dict.fromkeys([*r.order_deps, *r.needs]))
        result.chunks.append(ChunkOutput(
            chunk.id, code, list(chunk.modules), chunk.facade, imports, list(r.dynamic),
            list(exports[chunk.id]), list(dict.fromkeys([*r.externals, *r.bare_externals])),
            source_map))
    result.warnings = early_reads(facts, modules, bindings,
                                  execution_order(facts, all_entries), inclusion.statements)
    result.entry_chunks = {entry: facades[entry].id for entry in all_entries
                           if entry in facades}
    return result


__all__ = ["analyse_all", "link"]
