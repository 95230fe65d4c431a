"""Production: plan the edits that remove every use of ``import.meta.hot``.

Each special node belongs to a *slot*: the largest expression around it that is still
one expression (it stops at statements and function boundaries).  Slots are folded with
:mod:`shaker.js.fold` and then handled by what holds them: an expression statement may
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

from shaker.diagnostics import Diagnostic, Severity
from shaker.js.fold import (
    UNKNOWN,
    Ctx,
    Folder,
    chain_base,
    is_optional_link,
    literal_value,
    unwrap_parens,
)
from shaker.js.plan import Piece, Plan, RangeSet
from shaker.js.prune import PruneMixin
from shaker.js.purity import is_pure
from shaker.js.scan import ScanResult, Special, unparen
from shaker.js.scope import (
    FUNCTION_TYPES,
    ParentOf,
    Scopes,
    hoist_target,
    name_of,
    named,
    var_names,
)
from shaker.js.statements import (
    ASI_HAZARD_BYTES,
    block_items,
    breaks_out,
    can_unwrap,
    completes_abruptly,
    else_body,
    ends_without_semicolon,
    in_statement_list,
    in_string_or_template,
    indent_at,
    is_string_statement,
    line_extent,
    starts_ambiguously,
)
from shaker.js.values import strict_equals
from shaker.source import Source

# Expression nodes a slot extends through (function bodies and statements stop it).
_CONTAINERS = frozenset(
    {"parenthesized_expression", "member_expression", "subscript_expression",
     "call_expression", "new_expression", "arguments", "binary_expression",
     "unary_expression", "ternary_expression", "sequence_expression", "assignment_expression",
     "augmented_assignment_expression", "await_expression", "yield_expression",
     "template_string", "template_substitution", "array", "object", "pair", "spread_element",
     "update_expression", "computed_property_name"}
)

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


class Stripper(PruneMixin):
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
        self._tails: list[tuple[Node, Node]] = []
        self._promoted: dict[int, str | None] = {}
        self._warned: set[int] = set()
        self._dropped: set[int] = set()  # `hot` entries of destructures whose alias went

    # -- driver --------------------------------------------------------------------------
    def run(self) -> StripResult:
        slots: dict[int, tuple[Node, dict[int, Special]]] = {}
        for special in self.facts.specials.values():
            slot = _slot_of(special.node, self.scopes.parent)
            entry = slots.setdefault(slot.id, (slot, {}))
            entry[1][special.node.id] = special
        for slot, specials in sorted(slots.values(),
                                     key=lambda s: (s[0].start_byte, -s[0].end_byte)):
            if self.plan.covers(slot.start_byte, slot.end_byte):
                continue
            self._slot(slot, Folder(specials, self._warn))
        self._prune_unused()
        self._finish_destructures()
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
        holder = self.scopes.parent(slot)
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
        elif t == "switch_statement" and holder.child_by_field_name("value") == slot:
            self._switch(holder, slot, folder)
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
            if starts_ambiguously(self._text(pieces)):
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
            alt = else_body(clause)
            chosen, dropped = (cons, alt) if test.truth else (alt, cons)
            self._replace_statement(stmt, chosen, effects, [d for d in (dropped,) if d])
        elif t == "while_statement":
            body = stmt.child_by_field_name("body")
            self._replace_statement(stmt, None, effects, [b for b in (body,) if b])
        elif t == "do_statement":
            body = stmt.child_by_field_name("body")
            if effects is not None or body is None or breaks_out(body):
                self._rewrite(cond, folder, Ctx.TEST)
            else:
                self._replace_statement(stmt, body, None, [])
        else:  # for (init; falsy; update) body: only the initializer runs
            self._for_never_runs(stmt, effects)

    def _switch(self, stmt: Node, slot: Node, folder: Folder) -> None:
        """A ``switch`` on a known value: clauses that can no longer run go.

        Execution enters at the first ``case`` whose test equals the value (tests run in
        order; an unknown test may match), else at ``default``, and falls through to the
        next clause until a clause ends abruptly.  A clause neither entered nor fallen into
        never runs.  Clauses that declare block-scoped names stay (other clauses may use
        them); removed ``var``s are hoisted before the switch.
        """
        value = _known_value(_inner(slot), folder)
        body = stmt.child_by_field_name("body")
        if value is UNKNOWN or body is None:
            self._rewrite(slot, folder, Ctx.VALUE)
            return
        clauses = [c for c in named(body) if c.type in ("switch_case", "switch_default")]
        entries: set[int] = set()
        for clause in clauses:
            if clause.type == "switch_default":
                continue
            test = clause.child_by_field_name("value")
            known = literal_value(test) if test is not None and is_pure(test) else UNKNOWN
            if known is UNKNOWN or folder.contains(test) if test is not None else True:
                entries.add(clause.id)
            elif strict_equals(value, known):
                entries.add(clause.id)
                break
        else:
            entries.update(c.id for c in clauses if c.type == "switch_default")
        reachable: list[bool] = []
        for i, clause in enumerate(clauses):
            reachable.append(clause.id in entries or (
                i > 0 and reachable[i - 1] and not _ends_abruptly(clauses[i - 1])))
        if not any(reachable):
            effects = folder.fold(_inner(slot), Ctx.EFFECT).pieces
            self._replace_statement(stmt, None, effects, [body])
            return
        self._rewrite(slot, folder, Ctx.VALUE)
        listed = self._in_list(stmt)
        for clause, live in zip(clauses, reachable, strict=True):
            if live or any(c.type in _BLOCK_DECLARATIONS for c in named(clause)):
                continue
            if not listed and var_names(clause, hoist_target(clause, self.scopes.parent),
                                        self.scopes.parent):
                continue
            start, end, _ = self._line_extent(clause.start_byte, clause.end_byte)
            self.plan.remove(start, end)
            self._hoist_from([clause], stmt)

    def _for_never_runs(self, stmt: Node, effects: list[Piece] | None) -> None:
        init = stmt.child_by_field_name("initializer")
        pieces: list[Piece] = []
        if init is not None and init.type == "variable_declaration":
            pieces.append((init.start_byte, init.end_byte))
        elif init is not None and init.type == "lexical_declaration":
            values = [d.child_by_field_name("value") for d in named(init)
                      if d.type == "variable_declarator"]
            if not all(is_pure(v) for v in values if v is not None):
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
        if chosen is not None and chosen.type == "statement_block" and not block_items(chosen):
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
        if chosen.type == "statement_block" and can_unwrap(chosen):
            items = block_items(chosen)
            first, last = items[0], items[-1]
            self.plan.emit(stmt.start_byte, first.start_byte, prefix)
            self._dedent(first, last, indent)
            self.plan.remove(last.end_byte, stmt.end_byte)
            lead = first
            # The closing brace ended the block's last statement; now ASI must not join it
            # with what follows the `if`.
            self._tails.append((stmt, next((i for i in reversed(items)
                                            if i.type != "comment"), last)))
        else:
            self.plan.emit(stmt.start_byte, chosen.start_byte, prefix)
            self.plan.remove(chosen.end_byte, stmt.end_byte)
            lead = chosen
            if chosen.type == "if_statement":  # an `else if` now stands in the list itself
                self._promoted[chosen.id] = indent
        self._sites.append(_Site(stmt, stmt.start_byte, lead=None if prefix else lead,
                                 lead_pos=_first_piece_pos(prefix) if prefix else lead.start_byte))
        if completes_abruptly(chosen):
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
                # Unless the `if` owning this `else` was itself replaced by this branch (its
                # consequence is gone): then this statement stands alone and goes as one.
                if cons is not None and owner is not None and not self.plan.covers(
                        cons.start_byte, cons.end_byte):
                    top = owner
                    while top.parent is not None and top.parent.type == "else_clause" and (
                        top.parent.parent is not None and top.id not in self._promoted
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
        if stmt.id in self._promoted and start < stmt.start_byte:
            # an `else if` promoted into the list: the text before it was already rewritten
            start, whole_lines = stmt.start_byte, False
        self.plan.remove(start, end)
        indent = self.code[start:stmt.start_byte].decode() if whole_lines else ""
        newline = self.code[stmt.end_byte:end].lstrip(b" \t").decode() if whole_lines else " "
        self._hoist_names(hoist_from, start, before=indent, after=newline)
        self._sites.append(_Site(stmt, start, removed=True,
                                 semicolon=indent + ";" + newline if whole_lines else ";"))

    def _in_list(self, stmt: Node) -> bool:
        return stmt.id in self._promoted or in_statement_list(stmt)

    def _stmt_indent(self, stmt: Node) -> str | None:
        if stmt.id in self._promoted:
            return self._promoted[stmt.id]
        return self._indent(stmt.start_byte)

    # -- layout helpers ------------------------------------------------------------------
    def _line_extent(self, start: int, end: int) -> tuple[int, int, bool]:
        return line_extent(self.code, start, end)

    def _indent(self, pos: int) -> str | None:
        return indent_at(self.code, pos)

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
            if code.startswith(inner.encode(), ls) and not in_string_or_template(root, ls):
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
            owner = (node if node.type in FUNCTION_TYPES
                     else hoist_target(node, self.scopes.parent))
            scope = owner if owner is not None else self.tree.root_node
            for ident in var_names(node, owner, self.scopes.parent):
                text = name_of(ident)
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
            asi = prev is not None and ends_without_semicolon(prev) and (
                self.code[lead_pos:lead_pos + 1] in ASI_HAZARD_BYTES)
            directive = lead is not None and is_string_statement(lead) and (
                parent.type == "program" or (parent.type == "statement_block"
                                             and parent.parent is not None
                                             and parent.parent.type in FUNCTION_TYPES)
            ) and all(is_string_statement(s) for s in siblings[:i] if s.type != "comment"
                      and not removed.covers(s.start_byte, s.end_byte))
            if asi or directive:
                if lead is not None:
                    done.add(lead.id)
                self.plan.insert(site.pos, site.semicolon)
        for stmt, last in self._tails:
            if not ends_without_semicolon(last) or removed.covers(last.start_byte,
                                                                   last.end_byte):
                continue
            assert stmt.parent is not None  # an unwrapped `if` in a statement list
            siblings = [c for c in named(stmt.parent) if c.type != "comment"]
            after = next((s for s in siblings[siblings.index(stmt) + 1:]
                          if not removed.covers(s.start_byte, s.end_byte)), None)
            if after is not None and (
                    self.code[after.start_byte:after.start_byte + 1] in ASI_HAZARD_BYTES
                    # `if (…) { a() } else { b() }c()`: no line break ends `b()` any more
                    or not any(c in b"\r\n" for c in self.code[stmt.end_byte:after.start_byte])):
                self.plan.insert(last.end_byte, ";")

_BLOCK_DECLARATIONS = frozenset({"lexical_declaration", "class_declaration",
                                 "function_declaration", "generator_function_declaration"})


def _known_value(node: Node, folder: Folder) -> object:
    """The value of ``node`` if known, effects aside (``(tick(), undefined)`` is undefined)."""
    node = unwrap_parens(node)
    if node.type == "sequence_expression":
        items = named(node)
        if items:
            return _known_value(items[-1], folder)
    return folder.fold(node, Ctx.VALUE).value


def _ends_abruptly(clause: Node) -> bool:
    """Whether a switch clause never falls through into the next one."""
    test = clause.child_by_field_name("value")
    items = [c for c in named(clause) if c != test]
    return bool(items) and completes_abruptly(items[-1])


def _slot_of(node: Node, parent_of: ParentOf) -> Node:
    cur = node
    parent = parent_of(cur)
    while parent is not None and parent.type in _CONTAINERS:
        cur = parent
        parent = parent_of(cur)
    return cur



def _inner(node: Node) -> Node:
    """The expression inside a condition's parentheses."""
    if node.type == "parenthesized_expression":
        inner = named(node)
        if len(inner) == 1:
            return inner[0]
    return node



def _first_piece_pos(pieces: list[Piece]) -> int:
    for piece in pieces:
        if not isinstance(piece, str):
            return piece[0]
    return -1



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
