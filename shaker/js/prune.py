"""Production: remove declarations whose every reference was in removed code.

Once hot code is gone, what it alone used goes too: import specifiers (an import left
with none stays as a bare side-effect import), aliases of ``import.meta``/``.hot``, and
top-level functions, classes and constants whose removal cannot change behaviour.  This
runs to a fixpoint, since removing a helper can orphan what the helper used.  Declarations
that were already unused in the input are left alone: that is the user's code, not ours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tree_sitter import Node

from shaker.js.plan import RangeSet
from shaker.js.purity import is_pure, is_pure_class
from shaker.js.queries import captures
from shaker.js.scan import AliasDecl
from shaker.js.scope import Binding, import_bindings, name_of, named
from shaker.js.statements import LOOPS, in_statement_list

if TYPE_CHECKING:
    from tree_sitter import Tree

    from shaker.js.plan import Plan
    from shaker.js.scan import ScanResult
    from shaker.js.scope import Scopes


class PruneMixin:
    """The unused-declaration pass of :class:`shaker.js.strip.Stripper`."""

    tree: Tree
    code: bytes
    plan: Plan
    _dropped: set[int]
    scopes: Scopes
    facts: ScanResult

    def _remove_statement(self, stmt: Node, dropped: list[Node] | None = None) -> None:
        raise NotImplementedError  # provided by Stripper

    def _prune_unused(self) -> None:
        aliases = {id(a): a for a in self.facts.alias_decls}
        checked: set[tuple[int, str]] = set()
        pending: list[Binding | AliasDecl] = list(aliases.values())
        scanned: list[tuple[int, int]] = []
        while True:
            removed = RangeSet(self.plan.removed())
            for start, end in self.plan.removed():
                if any(s <= start and end <= e for s, e in scanned):
                    continue
                scanned.append((start, end))
                for ident in captures("identifiers", self.tree.root_node, start, end).get(
                        "name", ()):
                    if ident.start_byte < start or ident.end_byte > end:
                        continue
                    binding = self.scopes.resolve(ident)
                    if binding is None or binding.declaration == ident:
                        continue
                    if binding.scope.type == "program":
                        pending.append(binding)
            progress = False
            while pending:
                item = pending.pop()
                if isinstance(item, AliasDecl):
                    if self._alias_unused(item, removed):
                        self._remove_alias(item)
                        progress = True
                    continue
                key = (item.scope.id, item.name)
                if key in checked:
                    continue
                refs = self.scopes.references(item)
                if refs and all(removed.covers(r.start_byte, r.end_byte) for r in refs):
                    checked.add(key)
                    if self._remove_declaration(item):
                        progress = True
            if not progress:
                return

    def _alias_unused(self, alias: AliasDecl, removed: RangeSet) -> bool:
        if removed.covers(alias.declarator.start_byte, alias.declarator.end_byte):
            return False
        decl = alias.declarator.parent
        if decl is not None and decl.parent is not None and (
            decl.parent.type == "export_statement"
        ):
            return False
        return all(removed.covers(r.start_byte, r.end_byte)
                   for r in self.scopes.references(alias.binding))

    def _remove_alias(self, alias: AliasDecl) -> None:
        if alias.element is not None:  # the declarator is rewritten at the end
            self._dropped.add(alias.element.id)
            return
        self._remove_declarator(alias.declarator)

    def _finish_destructures(self) -> None:
        """Rewrite each ``{ …, hot…, … } = import.meta`` declarator without ``hot``.

        An alias whose reads all folded goes; any other ``hot`` entry becomes a declarator of
        its own, ``target = default`` (``= void 0`` without one), in the entries' order:
        ``const { a, hot: h = 5, b } = import.meta`` →
        ``const { a } = import.meta, h = 5, { b } = import.meta`` (with a rest element, the
        other entries stay together, first).
        """
        code = self.code
        for d in self.facts.destructures:
            declarator = d.declarator
            if self.plan.covers(declarator.start_byte, declarator.end_byte):
                continue
            hot = {e.element.id: e for e in d.elements}
            kept = [e for e in d.elements if e.element.id not in self._dropped]
            items = named(d.pattern)
            others = [item for item in items if item.id not in hot]
            if not kept:
                if not others:
                    if self._remove_declarator(declarator):
                        continue
                    kept = list(d.elements)
                else:
                    for e in d.elements:
                        self._remove_list_item(e.element, items)
                    continue
            value = declarator.child_by_field_name("value")
            assert value is not None  # `= import.meta`
            source = code[value.start_byte:value.end_byte].decode("utf-8", "surrogatepass")

            def text(node: Node) -> str:
                return code[node.start_byte:node.end_byte].decode("utf-8", "surrogatepass")

            parts: list[str] = []
            group: list[str] = []
            assigns: list[str] = []
            for item in items:
                entry = hot.get(item.id)
                if entry is None:
                    group.append(text(item))
                    continue
                if entry not in kept:
                    continue
                default = text(entry.default) if entry.default is not None else "void 0"
                assign = f"{text(entry.target)} = {default}"
                if d.merge:
                    assigns.append(assign)
                    continue
                if group:
                    parts.append("{ " + ", ".join(group) + " } = " + source)
                    group = []
                parts.append(assign)
            if group:
                parts.append("{ " + ", ".join(group) + " } = " + source)
            self.plan.replace(declarator.start_byte, declarator.end_byte,
                              ", ".join(parts + assigns))

    def _remove_declaration(self, binding: Binding) -> bool:
        decl = binding.declaration
        parent = decl.parent
        if parent is None:
            return False
        if parent.type in ("import_clause", "namespace_import", "import_specifier"):
            self._remove_import_binding(decl)
            return True
        if parent.type in ("function_declaration", "generator_function_declaration") and (
            parent.child_by_field_name("name") == decl and in_statement_list(parent)
        ):
            self._remove_statement(parent, [])
            return True
        if parent.type == "class_declaration" and in_statement_list(parent) and (
            is_pure_class(parent)
        ):
            self._remove_statement(parent, [])
            return True
        if parent.type == "variable_declarator" and parent.child_by_field_name("name") == decl:
            value = parent.child_by_field_name("value")
            if value is None or is_pure(value) or value.id in self.facts.specials or (
                self.plan.covers(value.start_byte, value.end_byte)
            ):
                return self._remove_declarator(parent)
        return False

    def _remove_declarator(self, declarator: Node) -> bool:
        decl = declarator.parent
        if decl is None or decl.type not in ("lexical_declaration", "variable_declaration"):
            return False
        if decl.parent is not None and decl.parent.type == "export_statement":
            return False
        if decl.parent is not None and decl.parent.type in LOOPS:
            return False
        declarators = [d for d in named(decl) if d.type == "variable_declarator"]
        if len(declarators) == 1:
            self._remove_statement(decl, [])
        else:
            self._remove_list_item(declarator, declarators)
        return True

    def _remove_list_item(self, item: Node, items: list[Node]) -> None:
        """Remove one element of a comma-separated list with its separator."""
        i = items.index(item)
        if i + 1 < len(items):
            self.plan.remove(item.start_byte, items[i + 1].start_byte)
        else:
            self.plan.remove(items[i - 1].end_byte, item.end_byte)

    def _remove_import_binding(self, ident: Node) -> None:
        stmt = ident.parent
        while stmt is not None and stmt.type != "import_statement":
            stmt = stmt.parent
        if stmt is None:
            return
        removed = RangeSet(self.plan.removed())
        bindings = list(import_bindings(stmt))
        live = [b for b in bindings if b != ident and not (
            self._binding_dead(b, removed))]
        source = stmt.child_by_field_name("source")
        if source is None:
            return
        if not live:
            self.plan.replace(stmt.start_byte, source.start_byte, "import ")
            return
        spec = ident.parent  # not None: `stmt` was found above it
        assert spec is not None
        if spec.type == "import_specifier":
            assert spec.parent is not None  # an import_specifier sits in named_imports
            specs = [s for s in named(spec.parent) if s.type == "import_specifier"]
            live_specs = [s for s in specs if s != spec and not self.plan.covers(
                s.start_byte, s.end_byte)]
            if not live_specs:
                clause = spec.parent.parent
                assert clause is not None  # named_imports sits in an import_clause
                parts = named(clause)
                idx = parts.index(spec.parent)
                self.plan.remove(parts[idx - 1].end_byte if idx else spec.parent.start_byte,
                                 spec.parent.end_byte)
            else:
                self._remove_list_item(spec, specs)
            return
        clause = spec if spec.type == "import_clause" else spec.parent
        assert clause is not None  # a namespace_import sits in an import_clause
        parts = named(clause)
        owner = ident if spec.type == "import_clause" else spec
        idx = parts.index(owner)
        if idx + 1 < len(parts):
            self.plan.remove(owner.start_byte, parts[idx + 1].start_byte)
        else:
            self.plan.remove(parts[idx - 1].end_byte, owner.end_byte)

    def _binding_dead(self, ident: Node, removed: RangeSet) -> bool:
        binding = Binding(self.tree.root_node, name_of(ident), ident)
        refs = self.scopes.references(binding)
        return bool(refs) and all(removed.covers(r.start_byte, r.end_byte) for r in refs)
