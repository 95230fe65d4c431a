"""Production: plan the edits that remove every use of ``import.meta.hot``.

Each special node belongs to a *slot*: the largest expression around it that is still
one expression (it stops at statements and function boundaries).  Slots are folded with
:mod:`shaker.fold` and then handled by what holds them: an expression statement may
vanish, an ``if``/loop may lose a branch or unwrap one, any other slot is rewritten in
place.  Afterwards, declarations whose every reference was removed go too (imports lose
specifiers, aliases and helper functions disappear), to a fixpoint.

Layout rules: untouched bytes stay byte-identical; a removed statement that stands on
its own lines takes them with it; an unwrapped branch is dedented; removal never lets
ASI join neighbours or turns a string statement into a directive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node, Tree

from .diagnostics import Diagnostic, Severity
from .fold import Ctx, Folder, chain_base, is_optional_link, is_pure, unwrap_parens
from .plan import Piece, Plan, RangeSet
from .queries import captures
from .scan import AliasDecl, ScanResult, Special, unparen
from .scope import (
    FUNCTION_TYPES,
    Binding,
    Scopes,
    hoist_target,
    import_bindings,
    named,
    var_names,
)
from .source import Source

# Expression nodes a slot extends through (function bodies and statements stop it).
_CONTAINERS = frozenset(
    {"parenthesized_expression", "member_expression", "subscript_expression",
     "call_expression", "new_expression", "arguments", "binary_expression",
     "unary_expression", "ternary_expression", "sequence_expression", "assignment_expression",
     "augmented_assignment_expression", "await_expression", "yield_expression",
     "template_string", "template_substitution", "array", "object", "pair", "spread_element",
     "update_expression", "computed_property_name"}
)
# Parents whose children form a statement list.
_LISTS = frozenset({"program", "statement_block", "switch_case", "switch_default",
                    "class_static_block"})
# Statements that end at an automatic semicolon when they lack `;`.
_ASI_STATEMENTS = frozenset(
    {"expression_statement", "lexical_declaration", "variable_declaration", "return_statement",
     "throw_statement", "break_statement", "continue_statement", "debugger_statement",
     "do_statement", "import_statement", "export_statement"}
)
_ASI_HAZARD_BYTES = frozenset(bytes([c]) for c in b"([`+-/*,.%<>=?!~")
_LOOPS = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"})


@dataclass
class _Hoist:
    """``var`` names declared in removed code; kept as ``var a, b;`` if used elsewhere."""

    pos: int
    names: list[tuple[str, Node]]  # name and the scope (function/program) that owns it
    before: str = ""
    after: str = ""
    fallback: str = ""


@dataclass
class _Site:
    """A statement removed or rewritten in a statement list: checked for ASI hazards.

    For a removal the code that follows is the next surviving sibling; for a rewrite it is
    ``lead`` (the first statement now in its place) starting at byte ``lead_pos``.
    """

    stmt: Node
    pos: int
    lead: Node | None = None
    lead_pos: int = 0
    removed: bool = False
    semicolon: str = ";"


@dataclass
class StripResult:
    plan: Plan
    diagnostics: list[Diagnostic] = field(default_factory=list)


class Stripper:
    """Plans the production edits for one module."""

    def __init__(self, tree: Tree, source: Source, scopes: Scopes, facts: ScanResult) -> None:
        self.tree = tree
        self.source = source
        self.code = source.code
        self.scopes = scopes
        self.facts = facts
        self.plan = Plan()
        self.diagnostics: list[Diagnostic] = []
        self._hoists: list[_Hoist] = []
        self._sites: list[_Site] = []
        self._promoted: dict[int, str | None] = {}
        self._warned: set[int] = set()

    # -- driver --------------------------------------------------------------------------
    def run(self) -> StripResult:
        slots: dict[int, tuple[Node, dict[int, Special]]] = {}
        for special in self.facts.specials.values():
            slot = _slot_of(special.node)
            entry = slots.setdefault(slot.id, (slot, {}))
            entry[1][special.node.id] = special
        for slot, specials in sorted(slots.values(),
                                     key=lambda s: (s[0].start_byte, -s[0].end_byte)):
            if self.plan.covers(slot.start_byte, slot.end_byte):
                continue
            self._slot(slot, Folder(specials, self._warn))
        self._prune_unused()
        self._finish_hoists()
        self._finish_hazards()
        self.diagnostics.sort(key=lambda d: d.offset)
        return StripResult(self.plan, self.diagnostics)

    def _warn(self, node: Node, message: str, id: str = "hot-unguarded") -> None:
        if node.id in self._warned:
            return
        self._warned.add(node.id)
        self.diagnostics.append(Diagnostic.at(self.source, node.start_byte, message,
                                              severity=Severity.WARNING, id=id))

    def _slot(self, slot: Node, folder: Folder) -> None:
        holder = slot.parent
        assert holder is not None
        t = holder.type
        if t == "expression_statement":
            self._expression_statement(holder, slot, folder)
        elif t in ("if_statement", "while_statement", "do_statement") and (
            holder.child_by_field_name("condition") == slot
        ):
            self._conditional(holder, _inner(slot), folder)
        elif t == "for_statement" and holder.child_by_field_name("condition") == slot:
            self._conditional(holder, slot, folder)
        else:
            self._rewrite(slot, folder, Ctx.VALUE)

    def _rewrite(self, node: Node, folder: Folder, ctx: Ctx) -> None:
        pieces = folder.render(node, ctx)
        if pieces != [(node.start_byte, node.end_byte)]:
            self.plan.emit(node.start_byte, node.end_byte, pieces)

    # -- statements ----------------------------------------------------------------------
    def _expression_statement(self, stmt: Node, expr: Node, folder: Folder) -> None:
        unguarded = _unguarded_chain(expr, folder)
        if unguarded is not None:
            self._warn(unguarded, "unguarded use of import.meta.hot removed: it would throw "
                       "in production; guard it with `if (import.meta.hot)`")
            self._remove_statement(stmt)
            return
        f = folder.fold(expr, Ctx.EFFECT)
        if f.pieces is None:
            self._remove_statement(stmt)
            return
        if f.pieces != [(expr.start_byte, expr.end_byte)]:
            pieces = f.pieces
            if _starts_ambiguously(self._text(pieces)):
                pieces = ["(", *pieces, ")"]
            self.plan.emit(expr.start_byte, expr.end_byte, pieces)

    def _conditional(self, stmt: Node, cond: Node, folder: Folder) -> None:
        test = folder.fold(cond, Ctx.TEST)
        t = stmt.type
        if test.truth is None or (t != "if_statement" and test.truth):
            self._rewrite(cond, folder, Ctx.TEST)
            return
        effects = folder.fold(cond, Ctx.EFFECT).pieces
        if t == "if_statement":
            cons = stmt.child_by_field_name("consequence")
            clause = stmt.child_by_field_name("alternative")
            alt = _else_body(clause)
            chosen, dropped = (cons, alt) if test.truth else (alt, cons)
            self._replace_statement(stmt, chosen, effects, [d for d in (dropped,) if d])
        elif t == "while_statement":
            self._replace_statement(stmt, None, effects, [stmt.child_by_field_name("body")])
        elif t == "do_statement":
            body = stmt.child_by_field_name("body")
            if effects is not None or body is None or _breaks_out(body):
                self._rewrite(cond, folder, Ctx.TEST)
            else:
                self._replace_statement(stmt, body, None, [])
        else:  # for (init; falsy; update) body: only the initializer runs
            self._for_never_runs(stmt, effects)

    def _for_never_runs(self, stmt: Node, effects: list[Piece] | None) -> None:
        init = stmt.child_by_field_name("initializer")
        pieces: list[Piece] = []
        if init is not None and init.type == "variable_declaration":
            pieces.append((init.start_byte, init.end_byte))
        elif init is not None and init.type == "lexical_declaration":
            if not all(is_pure(d.child_by_field_name("value")) for d in named(init)
                       if d.type == "variable_declarator" and d.child_by_field_name("value")):
                pieces += ["{ ", (init.start_byte, init.end_byte), " }"]
        elif init is not None and init.type not in ("empty_statement", ";"):
            pieces += [(init.start_byte, init.end_byte), ";"]
        if effects is not None:
            pieces += [" " if pieces else "", *effects, ";"]
        body = stmt.child_by_field_name("body")
        self._drop_into(stmt, pieces, [b for b in (body,) if b])

    def _replace_statement(self, stmt: Node, chosen: Node | None,
                           effects: list[Piece] | None, dropped: list[Node]) -> None:
        """Replace ``stmt`` by ``effects;`` followed by the statement ``chosen``."""
        prefix: list[Piece] = [*effects, ";"] if effects is not None else []
        if chosen is not None and chosen.type == "statement_block" and not _block_items(chosen):
            dropped = [*dropped, chosen]
            chosen = None
        if chosen is None:
            self._drop_into(stmt, prefix, dropped)
            return
        self._hoist_from(dropped, stmt)
        if not self._in_list(stmt):
            if prefix:
                self.plan.emit(stmt.start_byte, stmt.end_byte,
                               ["{ ", *prefix, " ", (chosen.start_byte, chosen.end_byte), " }"])
            else:
                self.plan.emit(stmt.start_byte, stmt.end_byte,
                               [(chosen.start_byte, chosen.end_byte)])
            return
        indent = self._stmt_indent(stmt)
        if prefix:
            prefix = [*prefix, "\n" + indent if indent is not None else " "]
        if chosen.type == "statement_block" and _can_unwrap(chosen):
            items = _block_items(chosen)
            first, last = items[0], items[-1]
            self.plan.emit(stmt.start_byte, first.start_byte, prefix)
            self._dedent(first, last, indent)
            self.plan.remove(last.end_byte, stmt.end_byte)
            lead = first
        else:
            self.plan.emit(stmt.start_byte, chosen.start_byte, prefix)
            self.plan.remove(chosen.end_byte, stmt.end_byte)
            lead = chosen
            if chosen.type == "if_statement":  # an `else if` now stands in the list itself
                self._promoted[chosen.id] = indent
        self._sites.append(_Site(stmt, stmt.start_byte, lead=None if prefix else lead,
                                 lead_pos=_first_piece_pos(prefix) if prefix else lead.start_byte))
        if _completes_abruptly(chosen):
            self._remove_unreachable_after(stmt)

    def _remove_unreachable_after(self, stmt: Node) -> None:
        """Statements after an unconditional return/throw/break/continue can never run."""
        parent = stmt.parent
        if parent is None:
            return
        siblings = [c for c in parent.children if c.is_named and c.start_byte >= stmt.end_byte]
        for sib in siblings:
            if sib.type in ("comment", "function_declaration", "generator_function_declaration",
                            "export_statement", "import_statement"):
                continue
            if parent.type == "switch_body" or sib.type in ("switch_case", "switch_default"):
                continue
            if not self.plan.covers(sib.start_byte, sib.end_byte):
                self._remove_statement(sib)

    def _drop_into(self, stmt: Node, pieces: list[Piece], dropped: list[Node]) -> None:
        """Remove ``stmt`` leaving only ``pieces`` (effects that must still run)."""
        if not pieces:
            self._remove_statement(stmt, dropped)
            return
        self._hoist_from(dropped, stmt)
        if self._in_list(stmt):
            self.plan.emit(stmt.start_byte, stmt.end_byte, pieces)
            self._sites.append(_Site(stmt, stmt.start_byte, None, _first_piece_pos(pieces)))
        else:
            self.plan.emit(stmt.start_byte, stmt.end_byte, ["{ ", *pieces, " }"])

    def _remove_statement(self, stmt: Node, dropped: list[Node] | None = None) -> None:
        """Remove a whole statement, its line if it stands alone, keeping hoisted vars."""
        while stmt.parent is not None and stmt.parent.type == "labeled_statement":
            stmt = stmt.parent
        parent = stmt.parent
        hoist_from = dropped if dropped is not None else [stmt]
        if parent is not None and parent.type == "export_statement":
            stmt = parent
            parent = stmt.parent
        if not self._in_list(stmt):
            if parent is not None and parent.type == "else_clause":
                owner = parent.parent
                cons = owner.child_by_field_name("consequence") if owner is not None else None
                if cons is not None:
                    top = owner
                    while top.parent is not None and top.parent.type == "else_clause" and (
                        top.id not in self._promoted
                    ):
                        top = top.parent.parent
                    indent = self._stmt_indent(top)
                    self._hoist_names(hoist_from, top.end_byte,
                                      before="\n" + indent if indent is not None else " ")
                    self.plan.remove(cons.end_byte, parent.end_byte)
                    return
            self.plan.replace(stmt.start_byte, stmt.end_byte, "")
            self._hoist_names(hoist_from, stmt.start_byte, before="{ ", after=" }",
                              fallback="{}")
            return
        start, end, whole_lines = self._line_extent(stmt.start_byte, stmt.end_byte)
        self.plan.remove(start, end)
        indent = self.code[start:stmt.start_byte].decode() if whole_lines else ""
        newline = self.code[stmt.end_byte:end].lstrip(b" \t").decode() if whole_lines else " "
        self._hoist_names(hoist_from, start, before=indent, after=newline)
        self._sites.append(_Site(stmt, start, removed=True,
                                 semicolon=indent + ";" + newline if whole_lines else ";"))

    def _in_list(self, stmt: Node) -> bool:
        return stmt.id in self._promoted or _in_list(stmt)

    def _stmt_indent(self, stmt: Node) -> str | None:
        if stmt.id in self._promoted:
            return self._promoted[stmt.id]
        return self._indent(stmt.start_byte)

    # -- layout helpers ------------------------------------------------------------------
    def _line_extent(self, start: int, end: int) -> tuple[int, int, bool]:
        code = self.code
        ls = start
        while ls > 0 and code[ls - 1] in b" \t":
            ls -= 1
        own_start = ls == 0 or code[ls - 1] in b"\r\n"
        le = end
        while le < len(code) and code[le] in b" \t":
            le += 1
        own_end = le == len(code) or code[le] in b"\r\n"
        if own_start and own_end:
            if code.startswith(b"\r\n", le):
                le += 2
            elif le < len(code):
                le += 1
            return ls, le, True
        if own_end:
            return ls, end, False
        return start, le, False

    def _indent(self, pos: int) -> str | None:
        """The indentation of ``pos``'s line if only whitespace precedes it, else None."""
        ls = pos
        while ls > 0 and self.code[ls - 1] in b" \t":
            ls -= 1
        if ls == 0 or self.code[ls - 1] in b"\r\n":
            return self.code[ls:pos].decode()
        return None

    def _dedent(self, first: Node, last: Node, indent: str | None) -> None:
        inner = self._indent(first.start_byte)
        if indent is None or inner is None or not inner.startswith(indent) or inner == indent:
            return
        code = self.code
        extra = len(inner) - len(indent)
        pos = first.end_byte
        root = self.tree.root_node
        while True:
            nl = code.find(b"\n", pos, last.end_byte)
            if nl < 0:
                return
            ls = nl + 1
            pos = ls
            if code.startswith(inner.encode(), ls) and not _in_template(root, ls):
                self.plan.remove(ls + len(indent), ls + len(indent) + extra)

    def _text(self, pieces: list[Piece]) -> str:
        return "".join(p if isinstance(p, str) else self.code[p[0]:p[1]].decode("utf-8",
                                                                                 "replace")
                       for p in pieces)

    # -- var hoisting --------------------------------------------------------------------
    def _hoist_from(self, dropped: list[Node], stmt: Node) -> None:
        start = stmt.start_byte
        indent = self._indent(start)
        self._hoist_names(dropped, start, after="\n" + indent if indent is not None else " ")

    def _hoist_names(self, dropped: list[Node], pos: int, *, before: str = "", after: str = "",
                     fallback: str = "") -> None:
        names: list[tuple[str, Node]] = []
        seen: set[str] = set()
        for node in dropped:
            owner = node if node.type in FUNCTION_TYPES else hoist_target(node)
            scope = owner if owner is not None else self.tree.root_node
            for ident in var_names(node, owner):
                text = ident.text.decode()
                if text not in seen:
                    seen.add(text)
                    names.append((text, scope))
        if names or fallback:
            self._hoists.append(_Hoist(pos, names, before, after, fallback))

    def _finish_hoists(self) -> None:
        removed = RangeSet(self.plan.removed())
        for hoist in self._hoists:
            kept = []
            for name, scope in hoist.names:
                for ident in self.scopes.occurrences(name, scope):
                    if removed.covers(ident.start_byte, ident.end_byte):
                        continue
                    binding = self.scopes.resolve(ident)
                    if binding is not None and binding.scope == scope:
                        kept.append(name)
                        break
            if kept:
                self.plan.insert(hoist.pos, f"{hoist.before}var {', '.join(kept)};{hoist.after}")
            elif hoist.fallback:
                self.plan.insert(hoist.pos, hoist.fallback)

    # -- ASI and directive hazards -------------------------------------------------------
    def _finish_hazards(self) -> None:
        """Leave a ``;`` where an edit would let ASI join statements or make a directive."""
        removed = RangeSet(self.plan.removed())
        done: set[int] = set()
        for site in self._sites:
            stmt = site.stmt
            parent = stmt.parent
            if parent is None:
                continue
            siblings = [c for c in named(parent) if c.type not in ("switch_case",
                                                                   "switch_default")]
            if stmt not in siblings:
                continue
            i = siblings.index(stmt)
            if site.removed:
                lead = next((s for s in siblings[i + 1:] if s.type != "comment"
                             and not removed.covers(s.start_byte, s.end_byte)), None)
                if lead is None or lead.id in done:
                    continue
                lead_pos = lead.start_byte
            else:
                lead, lead_pos = site.lead, site.lead_pos
            prev = next((s for s in reversed(siblings[:i]) if s.type != "comment"
                         and not removed.covers(s.start_byte, s.end_byte)), None)
            asi = prev is not None and prev.type in _ASI_STATEMENTS and (
                not prev.text.rstrip().endswith(b";")
            ) and self.code[lead_pos:lead_pos + 1] in _ASI_HAZARD_BYTES
            directive = lead is not None and _is_string_statement(lead) and (
                parent.type == "program" or (parent.type == "statement_block"
                                             and parent.parent is not None
                                             and parent.parent.type in FUNCTION_TYPES)
            ) and all(_is_string_statement(s) for s in siblings[:i] if s.type != "comment"
                      and not removed.covers(s.start_byte, s.end_byte))
            if asi or directive:
                if lead is not None:
                    done.add(lead.id)
                self.plan.insert(site.pos, site.semicolon)

    # -- declarations that became unused -------------------------------------------------
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
        if alias.element is not None:
            pattern = alias.element.parent
            others = [e for e in named(pattern) if e != alias.element]
            if others:
                self._remove_list_item(alias.element, named(pattern))
                return
        self._remove_declarator(alias.declarator)

    def _remove_declaration(self, binding: Binding) -> bool:
        decl = binding.declaration
        parent = decl.parent
        if parent is None:
            return False
        if parent.type in ("import_clause", "namespace_import", "import_specifier"):
            self._remove_import_binding(decl)
            return True
        if parent.type in ("function_declaration", "generator_function_declaration") and (
            parent.child_by_field_name("name") == decl and _in_list(parent)
        ):
            self._remove_statement(parent, [])
            return True
        if parent.type == "class_declaration" and _in_list(parent) and _pure_class(parent):
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
        if decl.parent is not None and decl.parent.type in _LOOPS:
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
        spec = ident.parent
        if spec is not None and spec.type == "import_specifier":
            specs = [s for s in named(spec.parent) if s.type == "import_specifier"]
            live_specs = [s for s in specs if s != spec and not self.plan.covers(
                s.start_byte, s.end_byte)]
            if not live_specs:
                clause = spec.parent.parent
                parts = named(clause)
                idx = parts.index(spec.parent)
                self.plan.remove(parts[idx - 1].end_byte if idx else spec.parent.start_byte,
                                 spec.parent.end_byte)
            else:
                self._remove_list_item(spec, specs)
            return
        clause = ident.parent if ident.parent.type == "import_clause" else ident.parent.parent
        parts = named(clause)
        owner = ident if ident.parent.type == "import_clause" else ident.parent
        idx = parts.index(owner)
        if idx + 1 < len(parts):
            self.plan.remove(owner.start_byte, parts[idx + 1].start_byte)
        else:
            self.plan.remove(parts[idx - 1].end_byte, owner.end_byte)

    def _binding_dead(self, ident: Node, removed: RangeSet) -> bool:
        binding = Binding(self.tree.root_node, ident.text.decode(), ident)
        refs = self.scopes.references(binding)
        return bool(refs) and all(removed.covers(r.start_byte, r.end_byte) for r in refs)


# -- tree predicates ---------------------------------------------------------------------
def _slot_of(node: Node) -> Node:
    cur = node
    while cur.parent is not None and cur.parent.type in _CONTAINERS:
        cur = cur.parent
    return cur


def _inner(node: Node) -> Node:
    """The expression inside a condition's parentheses."""
    if node.type == "parenthesized_expression":
        inner = named(node)
        if len(inner) == 1:
            return inner[0]
    return node


def _else_body(clause: Node | None) -> Node | None:
    if clause is None:
        return None
    body = named(clause)
    return body[0] if body else None


def _first_piece_pos(pieces: list[Piece]) -> int:
    for piece in pieces:
        if not isinstance(piece, str):
            return piece[0]
    return -1


def _completes_abruptly(stmt: Node) -> bool:
    """Whether running ``stmt`` always ends in return/throw/break/continue."""
    t = stmt.type
    if t in ("return_statement", "throw_statement", "break_statement", "continue_statement"):
        return True
    if t == "statement_block":
        items = [c for c in _block_items(stmt) if c.type != "comment"]
        return bool(items) and _completes_abruptly(items[-1])
    return False


def _in_list(stmt: Node) -> bool:
    parent = stmt.parent
    return parent is not None and parent.type in _LISTS


def _block_items(block: Node) -> list[Node]:
    """A block's children between the braces, comments included."""
    return [c for c in block.children if c.type not in ("{", "}")]


def _can_unwrap(block: Node) -> bool:
    """A block can lose its braces if it declares nothing block-scoped."""
    if block.parent is not None and block.parent.type == "labeled_statement":
        return False
    for item in _block_items(block):
        t = item.type
        if t in ("lexical_declaration", "class_declaration", "function_declaration",
                 "generator_function_declaration"):
            return False
    return True


def _breaks_out(body: Node) -> bool:
    """Whether ``body`` has a ``break``/``continue`` that targets the loop around it."""
    stack = list(body.children)
    while stack:
        node = stack.pop()
        t = node.type
        if t in ("break_statement", "continue_statement"):
            return True
        if t in FUNCTION_TYPES or t in _LOOPS or t == "switch_statement":
            # labelled jumps may still leave through nested loops; be conservative
            if any(c.type == "statement_identifier" for c in _descendants(node)):
                return True
            continue
        stack.extend(node.children)
    return False


def _descendants(node: Node) -> list[Node]:
    out = []
    stack = list(node.children)
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(n.children)
    return out


def _in_template(root: Node, pos: int) -> bool:
    node = root.descendant_for_byte_range(pos, pos)
    while node is not None:
        if node.type in ("template_string", "string"):
            return True
        node = node.parent
    return False


def _is_string_statement(stmt: Node) -> bool:
    if stmt.type != "expression_statement":
        return False
    inner = named(stmt)
    return len(inner) == 1 and inner[0].type == "string"


def _starts_ambiguously(text: str) -> bool:
    """Whether an expression statement starting with ``text`` would parse as something else."""
    stripped = text.lstrip()
    return stripped.startswith(("{", "function", "class", "let [", "async function"))


def _pure_class(cls: Node) -> bool:
    heritage = next((c for c in named(cls) if c.type == "class_heritage"), None)
    if heritage is not None and not all(c.type == "identifier" for c in named(heritage)):
        return False
    body = cls.child_by_field_name("body")
    for member in named(body) if body is not None else []:
        if member.type == "class_static_block":
            return False
        if member.type == "field_definition":
            prop = member.child_by_field_name("property")
            value = member.child_by_field_name("value")
            if prop is not None and prop.type == "computed_property_name":
                return False
            if value is not None and any(c.type == "static" for c in member.children) and (
                not is_pure(value)
            ):
                return False
        if member.type == "method_definition":
            name = member.child_by_field_name("name")
            if name is not None and name.type == "computed_property_name":
                return False
    return True


def _unguarded_chain(expr: Node, folder: Folder) -> Node | None:
    """The hot node if ``expr`` is an unguarded ``import.meta.hot.x…`` chain or assignment."""
    node = expr
    while True:
        wrapper = node.type in ("parenthesized_expression", "await_expression")
        if wrapper and len(named(node)) == 1:
            node = named(node)[0]
        elif node.type in ("assignment_expression", "augmented_assignment_expression"):
            left = node.child_by_field_name("left")
            if left is None:
                return None
            node = left
        else:
            break
    if node.type not in ("member_expression", "subscript_expression", "call_expression"):
        return None
    base, link = chain_base(node, folder.specials)
    base = unwrap_parens(base)
    special = folder.specials.get(base.id)
    if special is None or special.kind != "hot" or is_optional_link(link):
        return None
    return base


def strip(tree: Tree, source: Source, scopes: Scopes, facts: ScanResult) -> StripResult:
    """Plan the production edits for a scanned module."""
    return Stripper(tree, source, scopes, facts).run()


__all__ = ["StripResult", "strip", "unparen"]
