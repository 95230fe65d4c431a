"""A chunk's code: its modules' kept statements, renamed into one scope, and its imports
and exports of other chunks.

Each module is edited in place (:class:`~shaker.js.edits.EditBuffer`): import and export
statements go (linking replaced them), so do statements tree-shaking left out (with the
comments right above them); ``export`` keywords go; ``export default <expression>`` becomes
``const <name> = <expression>``; every spelling of a module-level name becomes its bundle
name, ``ns.x`` becomes ``x``'s, and ``import("./x.js")`` names the chunk of ``x``.  A
namespace object is built only where a namespace is used as a value, with getters, so it
stays live.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tree_sitter import Node

from shaker.bundle.analyse import ModuleFacts, Statement, previous_comments
from shaker.bundle.bindings import AMBIGUOUS, EXTERNAL, Bindings, Var
from shaker.bundle.chunks import Chunk
from shaker.bundle.include import Inclusion
from shaker.bundle.model import ModuleInput
from shaker.js.edits import EditBuffer
from shaker.js.names import is_binding_name
from shaker.js.scope import identifier_name
from shaker.js.sourcemap import SourceMap, compose, concatenate


@dataclass
class Rendered:
    """A chunk's body and what it needs from outside it."""

    chunk: Chunk
    body: list[tuple[str, SourceMap | None]] = field(default_factory=list)
    order_deps: dict[str, None] = field(default_factory=dict)  # chunk ids, in run order
    needs: dict[str, dict[str, None]] = field(default_factory=dict)  # chunk id → names
    externals: dict[str, dict[tuple[str, str], None]] = field(default_factory=dict)
    bare_externals: dict[str, None] = field(default_factory=dict)
    dynamic: dict[str, None] = field(default_factory=dict)
    exports: dict[str, str] = field(default_factory=dict)  # exported name → local name


def _bound_name(prop: Node) -> str | None:
    """The one name a property of an object pattern binds, when it is that simple."""
    if prop.type == "shorthand_property_identifier_pattern":
        return identifier_name((prop.text or b"").decode())
    if prop.type == "object_assignment_pattern":
        left = prop.child_by_field_name("left")
        return _bound_name(left) if left is not None else None
    if prop.type == "pair_pattern":
        value = prop.child_by_field_name("value")
        if value is not None and value.type == "identifier":
            return identifier_name((value.text or b"").decode())
    return None


def export_name(name: str) -> str:
    return name if is_binding_name(name) else json.dumps(name)


class Renderer:
    def __init__(self, modules: Mapping[str, ModuleFacts], bindings: Bindings,
                 inclusion: Inclusion, names: Mapping[Var, str], chunk_of: Mapping[str, Chunk],
                 facades: Mapping[str, Chunk], specifier: Callable[[str], str],
                 inputs: Mapping[str, ModuleInput] | None = None) -> None:
        self.modules = modules
        self.bindings = bindings
        self.inclusion = inclusion
        self.names = names
        self.chunk_of = chunk_of
        self.facades = facades
        self.specifier = specifier
        self.inputs = inputs  # given when source maps are wanted

    # -- what a chunk needs ---------------------------------------------------------------
    def need(self, out: Rendered, var: Var | None) -> str:
        """The name ``var`` has in ``out``'s chunk, importing it if it lives elsewhere."""
        if var is None or var is AMBIGUOUS:
            return "void 0"
        name = self.names.get(var)
        if name is None:
            return "void 0"
        module = var[0]
        if module.startswith(EXTERNAL):
            out.externals.setdefault(module[len(EXTERNAL):], {})[(var[1], name)] = None
            return name
        owner = self.chunk_of.get(module)
        if owner is not None and owner is not out.chunk:
            out.needs.setdefault(owner.id, {})[name] = None
        return name

    def render(self, chunk: Chunk) -> Rendered:
        out = Rendered(chunk)
        if not chunk.modules:  # a facade of an entry that lives in a shared chunk
            assert chunk.facade is not None
            for name in self.bindings.export_names(chunk.facade):
                out.exports[name] = self.need(out, self.bindings.resolve_export(
                    chunk.facade, name))
            home = self.chunk_of[chunk.facade]
            out.order_deps[home.id] = None
            return out
        for module in chunk.modules:
            if module in self.inclusion.namespaces:
                out.body.append((self.namespace(out, module), None))
        for module in chunk.modules:
            self._order(out, module)
            out.body.append(self.module(out, module))
        if chunk.facade is not None:
            for name in self.bindings.export_names(chunk.facade):
                out.exports[name] = self.need(out, self.bindings.resolve_export(
                    chunk.facade, name))
        return out

    def _order(self, out: Rendered, module: str) -> None:
        """The chunks (and external modules) ``module``'s static imports make run first;
        modules that tree-shaking dropped are seen through."""
        facts = self.modules[module]
        stack = list(zip(facts.static_deps, facts.static_specs, strict=True))
        stack.reverse()
        seen: set[str] = set()
        while stack:
            dep, spec = stack.pop()
            if dep is None:
                out.bare_externals[spec] = None
                continue
            if dep in seen or dep not in self.modules:
                continue
            seen.add(dep)
            owner = self.chunk_of.get(dep)
            if owner is None:  # no code of its own: its imports still run first
                inner = self.modules[dep]
                stack.extend(reversed(list(zip(inner.static_deps, inner.static_specs,
                                               strict=True))))
                continue
            if owner is not out.chunk:
                out.order_deps[owner.id] = None

    def namespace(self, out: Rendered, module: str) -> str:
        name = self.names[(module, "*")]
        props = []
        for export in self.bindings.export_names(module):
            local = self.need(out, self.bindings.resolve_export(module, export))
            props.append(f"get {export_name(export)}() {{ return {local}; }}")
        body = ", ".join(["__proto__: null", *props])
        return (f"const {name} = /*#__PURE__*/Object.freeze(Object.defineProperty({{ {body} }},"
                f" Symbol.toStringTag, {{ value: \"Module\" }}));\n")

    def _effect_only(self, module: str, stmt: Statement) -> tuple[int, int, int, bool] | None:
        """For a kept ``const x = value`` whose ``x`` nothing uses: (start of the statement,
        start and end of ``value``, whether ``value`` needs parentheses as a statement)."""
        if (stmt.kind != "code" and stmt.prefix is None) or len(stmt.declares) != 1:
            return None
        if (module, stmt.declares[0]) in self.inclusion.variables:
            return None
        node = stmt.node
        if node.type == "export_statement":
            inner = node.child_by_field_name("declaration")
            if inner is None:
                return None
            node = inner
        if node.type not in ("lexical_declaration", "variable_declaration"):
            return None
        declarators = [c for c in node.named_children if c.type == "variable_declarator"]
        if len(declarators) != 1:
            return None
        name = declarators[0].child_by_field_name("name")
        value = declarators[0].child_by_field_name("value")
        if name is None or value is None or name.type != "identifier":
            return None
        head = (value.text or b"")[:9]
        wrap = value.type in ("object", "function_expression", "function", "class",
                              "generator_function") or head.startswith(
                                  (b"{", b"function", b"class", b"let", b"async"))
        return stmt.start, value.start_byte, value.end_byte, wrap

    def _unused_properties(self, module: str, stmt: Statement) -> list[tuple[int, int]]:
        """Ranges of the properties of a kept ``const { a, b } = value`` that bind only
        unused names (with their commas).  Not when the pattern has a ``...rest``, whose
        value depends on the other properties."""
        node = stmt.node
        if node.type == "export_statement":
            node = node.child_by_field_name("declaration") or node
        if node.type not in ("lexical_declaration", "variable_declaration"):
            return []
        out = []
        for declarator in node.named_children:
            pattern = declarator.child_by_field_name("name")
            if pattern is None or pattern.type != "object_pattern" or any(
                    c.type == "rest_pattern" for c in pattern.named_children):
                continue
            kids = pattern.children
            for i, prop in enumerate(kids):
                bound = _bound_name(prop)
                if bound is None or (module, bound) in self.inclusion.variables:
                    continue
                following = next((k for k in kids[i + 1:] if k.type != ","), None)
                if following is None:
                    continue
                out.append((prop.start_byte, following.start_byte))
        return out

    def module(self, out: Rendered, module: str) -> tuple[str, SourceMap | None]:
        facts = self.modules[module]
        code = facts.code
        kept = self.inclusion.statements.get(module, set())
        buffer = EditBuffer(code)
        comments = previous_comments(facts.statements, code)
        removed: set[int] = set()
        dropped: list[tuple[int, int]] = []
        for stmt in facts.statements:
            if stmt.index not in kept or stmt.kind in ("import", "reexport", "export-list"):
                end = stmt.end + (code[stmt.end:stmt.end + 1] == b"\n")
                buffer.remove(comments[stmt.index], end)
                removed.add(stmt.index)
                continue
            for start, end, replacement in stmt.dead:  # `if ("production" !== ...)`
                buffer.replace(start, end, replacement)
            unused = self._effect_only(module, stmt)
            if unused is not None:  # `const x = effect()` with `x` unused: `effect();`
                start, value_start, value_end, wrap = unused
                buffer.replace(start, value_start, "(" if wrap else "")
                if wrap:
                    buffer.insert(value_end, ")")
                dropped.append((start, value_start))
                continue
            for start, end in self._unused_properties(module, stmt):
                buffer.remove(start, end)  # `const { used, unused } = o`: `{ used, }`
                dropped.append((start, end))
            if stmt.prefix is None:
                continue
            start, end = stmt.prefix
            if stmt.kind == "default-expression":
                buffer.replace(start, end, f"const {self.names[(module, 'default')]} = ")
                if stmt.needs_semicolon:
                    buffer.insert(stmt.end, ";")
            elif stmt.kind == "default-anonymous":
                buffer.remove(start, end)
                buffer.insert(stmt.name_at, f" {self.names[(module, 'default')]} ")
            else:
                buffer.remove(start, end)
        for occ in facts.occurrences:
            if occ.statement in removed or any(a <= occ.start < b for a, b in dropped):
                continue
            if occ.scope is None:
                var: Var | None = (module, occ.name)
            else:
                var = self.bindings.variable(module, occ.name)
            final = self.need(out, var)
            original = code[occ.start:occ.end].decode("utf-8", "surrogatepass")
            if final == original:
                continue
            buffer.replace(occ.start, occ.end, f"{original}: {final}" if occ.shorthand
                           else final)
        for member in facts.members:
            if member.statement in removed:
                continue
            if self.bindings.namespace_of(module, member.namespace) is not None:
                var = self.bindings.member(module, member.namespace, member.prop)
                buffer.replace(member.start, member.end, self.need(out, var))
                continue
            final = self.need(out, self.bindings.variable(module, member.namespace))
            if final != code[member.start:member.object_end].decode("utf-8", "surrogatepass"):
                buffer.replace(member.start, member.object_end, final)
        for dyn in facts.dynamic:
            if dyn.source is None or any(s.start <= dyn.start < s.end for s in
                                         facts.statements if s.index in removed):
                continue
            if dyn.source not in self.facades and dyn.source in self.inclusion.namespaces \
                    and dyn.source in self.modules:  # loaded already: its namespace
                namespace = self.need(out, (dyn.source, "*"))
                buffer.replace(dyn.call_start, dyn.call_end,
                               f"Promise.resolve().then(() => {namespace})")
                continue
            if dyn.source not in self.facades:
                continue
            target = self.facades[dyn.source]
            out.dynamic[target.id] = None
            buffer.replace(dyn.start, dyn.end, json.dumps(self.specifier(target.id)))
        text = buffer.apply().decode("utf-8", "surrogatepass")
        if text and not text.endswith("\n"):
            text += "\n"
        source_map = None
        if self.inputs is not None:
            given = self.inputs[module]
            source_map = buffer.generate_map(source=given.path or module)
            if given.map is not None:
                source_map = compose(source_map, given.map)
        return text, source_map


def assemble(out: Rendered, exports: Mapping[str, str], specifier: Callable[[str], str],
             every: Mapping[str, Mapping[str, str]]) -> tuple[str, SourceMap | None]:
    """Header (imports), body, footer (exports) of one chunk; ``every`` holds all chunks'
    exports (name → local), for the names this chunk imports its variables by."""

    def exported_as(chunk_id: str, local: str) -> str:
        return next((name for name, value in every[chunk_id].items() if value == local), local)

    def import_part(chunk_id: str, local: str) -> str:
        name = exported_as(chunk_id, local)
        return local if name == local else f"{export_name(name)} as {local}"

    lines: list[str] = []
    for spec, pairs in out.externals.items():
        parts = []
        for imported, local in pairs:
            if imported == "*":
                lines.append(f"import * as {local} from {json.dumps(spec)};")
            else:
                parts.append(local if imported == local else
                             f"{export_name(imported)} as {local}")
        if parts:
            lines.append(f"import {{ {', '.join(parts)} }} from {json.dumps(spec)};")
    for spec in out.bare_externals:
        if spec not in out.externals:
            lines.append(f"import {json.dumps(spec)};")
    order = list(out.order_deps) + [c for c in out.needs if c not in out.order_deps]
    facade_only = not out.chunk.modules
    for chunk_id in order:
        names = out.needs.get(chunk_id, {})
        where = json.dumps(specifier(chunk_id))
        if facade_only:
            continue
        if names:
            parts = [import_part(chunk_id, local) for local in names]
            lines.append(f"import {{ {', '.join(parts)} }} from {where};")
        else:
            lines.append(f"import {where};")
    head = "\n".join(lines) + ("\n" if lines else "")
    footer = ""
    if facade_only:
        by_chunk: dict[str, list[str]] = {}
        # Re-export straight from the chunks that hold the variables.
        home = next(iter(out.order_deps))
        for name, local in exports.items():
            source = next((c for c, names in out.needs.items() if local in names), home)
            there = exported_as(source, local)
            part = export_name(there) if name == there else \
                f"{export_name(there)} as {export_name(name)}"
            by_chunk.setdefault(source, []).append(part)
        pieces = [f"import {json.dumps(specifier(c))};" for c in order if c not in by_chunk]
        pieces += [f"export {{ {', '.join(parts)} }} from {json.dumps(specifier(c))};"
                   for c, parts in by_chunk.items()]
        return head + "\n".join(pieces) + "\n", None
    if exports:
        parts = [local if name == local else f"{local} as {export_name(name)}"
                 for name, local in exports.items()]
        footer = f"export {{ {', '.join(parts)} }};\n"
    line = head.count("\n")
    pieces_at: list[tuple[int, SourceMap | None]] = []
    for text, source_map in out.body:
        pieces_at.append((line, source_map))
        line += text.count("\n")
    joined = None
    if any(m is not None for _, m in pieces_at):
        joined = concatenate(pieces_at)
    return head + "".join(text for text, _ in out.body) + footer, joined


__all__ = ["Rendered", "Renderer", "assemble", "export_name"]
