"""Shorter spellings with the same behaviour, as rewrites of the tree before printing.

Each rewrite is local and keeps evaluation order and side effects exactly:

- ``true`` -> ``!0``, ``false`` -> ``!1``, ``undefined`` -> ``void 0`` (only the global
  ``undefined``: a parameter or variable of that name is a binding like any other), except
  where a unary expression cannot stand (``true.toString()``, ``undefined ** 2``);
  ``return undefined`` -> ``return``;
- ``a["b"]`` -> ``a.b`` and ``{"b": 1}`` -> ``{b: 1}`` when ``b`` is an identifier name
  (reserved words included: they are valid property names);
- consecutive ``var``/``let``/``const`` declarations of one kind merge; empty statements go;
- ``if (a) b();`` -> ``a && b();`` (``!a`` gives ``a || b()``), ``if (a) b(); else c();`` ->
  ``a ? b() : c();``, also for blocks of expression statements (joined with commas) and
  ``else if`` chains;
- braces around a single statement go (kept for declarations, and where an ``else`` would
  attach to an inner ``if``).

Parentheses are added where a moved expression binds more loosely than its new position
needs, and around a statement that would otherwise start with ``{``, ``function``,
``class`` or ``let [``.
"""

from __future__ import annotations

from shaker.js.minify.mangle import Analysis
from shaker.js.minify.tree import N, leaf, make

__all__ = ["optimize", "precedence"]

_BINARY = {
    "??": 4, "||": 4, "&&": 5, "|": 6, "^": 7, "&": 8,
    "==": 9, "!=": 9, "===": 9, "!==": 9,
    "<": 10, ">": 10, "<=": 10, ">=": 10, "instanceof": 10, "in": 10,
    "<<": 11, ">>": 11, ">>>": 11, "+": 12, "-": 12, "*": 13, "/": 13, "%": 13, "**": 14,
}
_LIST_TYPES = frozenset({"program", "statement_block", "switch_case", "switch_default"})
_DECLARATIONS = frozenset({"lexical_declaration", "class_declaration", "function_declaration",
                           "generator_function_declaration"})
_LOOP_BODIES = frozenset({"for_statement", "for_in_statement", "while_statement",
                          "do_statement", "with_statement"})
_WRITE_PARENTS = frozenset({"update_expression", "object_pattern", "array_pattern",
                            "pair_pattern", "rest_pattern", "assignment_pattern",
                            "object_assignment_pattern"})


def operator(node: N) -> str:
    """The operator of a binary, unary or update expression."""
    for kid in node.kids:
        if kid.field == "operator":
            return kid.text or kid.type
    return ""


def precedence(node: N) -> int:
    """How tightly an expression binds: 1 (comma) to 20 (primary)."""
    t = node.type
    if t == "binary_expression":
        return _BINARY.get(operator(node), 4)
    if t == "sequence_expression":
        return 1
    if t in ("assignment_expression", "augmented_assignment_expression", "arrow_function",
             "yield_expression"):
        return 2
    if t == "ternary_expression":
        return 3
    if t in ("unary_expression", "await_expression"):
        return 15
    if t == "update_expression":
        return 16
    if t == "new_expression":
        return 17 if node.get("arguments") is None else 18
    if t in ("call_expression", "member_expression", "subscript_expression"):
        return 18
    return 20


def _expr(node: N) -> N:
    """The expression of an expression statement or parenthesized expression."""
    for kid in node.kids:
        if kid.is_named and kid.type != "comment":
            return kid
    return node


def paren(node: N) -> N:
    """``( node )``."""
    return make("parenthesized_expression", [leaf("("), node, leaf(")")])


def wrap(node: N, minimum: int, no_nullish: bool = False) -> N:
    """``node``, parenthesized if it binds more loosely than ``minimum``.

    ``no_nullish``: ``??`` may not be mixed with ``&&``/``||`` without parentheses.
    """
    if precedence(node) < minimum or (
            no_nullish and node.type == "binary_expression" and operator(node) == "??"):
        return paren(node)
    return node


def binary(left: N, op: str, right: N) -> N:
    node = make("binary_expression", [left, leaf(op), right])
    node.kids[0].field = "left"
    node.kids[1].field = "operator"
    node.kids[2].field = "right"
    return node


def _leftmost(node: N) -> N:
    """The expression that the text of ``node`` starts with."""
    while True:
        t = node.type
        if t in ("binary_expression", "assignment_expression", "augmented_assignment_expression"):
            nxt = node.get("left")
        elif t == "ternary_expression":
            nxt = node.get("condition")
        elif t == "call_expression":
            nxt = node.get("function")
        elif t in ("member_expression", "subscript_expression"):
            nxt = node.get("object")
        elif t == "sequence_expression":
            nxt = _expr(node)
        elif t == "update_expression" and node.kids and node.kids[0].field == "argument":
            nxt = node.kids[0]
        else:
            return node
        if nxt is None:
            return node
        node = nxt


def expression_statement(expr: N) -> N:
    """A statement of ``expr``, parenthesized if it would read as a declaration or block."""
    first = _leftmost(expr)
    if first.type in ("object", "function_expression", "function", "generator_function",
                      "class", "object_pattern") or (
            first.type == "identifier" and first.text == "let") or (
            first.type == "arrow_function" and first is not expr) or (
            first.type == "function_expression" and first.kids and first.kids[0].type == "async"):
        expr = paren(expr)
    stmt = make("expression_statement", [expr, leaf(";")])
    return stmt


def _statements(block: N) -> list[N]:
    return [k for k in block.kids if k.is_named and k.type not in ("comment", "empty_statement")]


def _ident_name(text: str) -> bool:
    """Whether ``text`` can be written as a property name after ``.`` (ASCII only)."""
    return bool(text) and text.isascii() and not text[0].isdigit() and (
        text.replace("$", "_").isidentifier())


def _string_name(node: N) -> str | None:
    """The value of a string literal without escapes, if it is an identifier name."""
    if node.type != "string":
        return None
    fragments = [k for k in node.kids if k.is_named]
    if len(fragments) != 1 or fragments[0].type != "string_fragment":
        return None
    text = fragments[0].text or ""
    return text if _ident_name(text) else None


def _dangling(stmt: N) -> bool:
    """Whether an ``else`` written after ``stmt`` would attach to an ``if`` inside it."""
    while True:
        t = stmt.type
        if t == "if_statement":
            alt = stmt.get("alternative")
            if alt is None:
                return True
            body = _expr(alt)
            if body is alt:
                return False
            stmt = body
        elif t in _LOOP_BODIES or t == "labeled_statement":
            inner = stmt.get("body")
            if inner is None or t == "do_statement":
                return False
            stmt = inner
        else:
            return False


class _Optimizer:
    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis

    def visit(self, node: N) -> N:
        kids = node.kids
        if not kids:
            t = node.type
            if t == "true" or t == "false":
                if _unary_ok(node):
                    return self._replace(node, _unary("!", "0" if t == "true" else "1"))
            elif t == "undefined" and node.ref is None and _unary_ok(node) and not _written(node):
                return self._replace(node, _unary("void", "0"))
            return node
        for i, kid in enumerate(kids):
            if kid.kids or kid.is_named:
                new = self.visit(kid)
                if new is not kid:
                    kids[i] = new
        handler = _REWRITES.get(node.type)
        if handler is not None:
            return handler(self, node)
        return node

    @staticmethod
    def _replace(old: N, new: N) -> N:
        new.field = old.field
        new.parent = old.parent
        return new

    # -- statements ----------------------------------------------------------------------
    def statement_list(self, node: N) -> N:
        out: list[N] = []
        prev: N | None = None
        for kid in node.kids:
            t = kid.type
            if t == "empty_statement":
                continue
            if prev is not None and t == prev.type and t in (
                    "variable_declaration", "lexical_declaration") and (
                    kid.kids[0].type == prev.kids[0].type):
                _merge_declarations(prev, kid)
                continue
            out.append(kid)
            if kid.is_named and t != "comment":
                prev = kid
        node.kids = out
        return node

    def if_statement(self, node: N) -> N:
        cond_paren = node.get("condition")
        cons = node.get("consequence")
        alt_clause = node.get("alternative")
        if cond_paren is None or cons is None:
            return node
        cond = _expr(cond_paren)
        alt = _expr(alt_clause) if alt_clause is not None else None
        if alt is alt_clause:
            alt = None
        c = _as_expression(cons)
        if c is not None and alt_clause is None:
            if cond.type == "unary_expression" and operator(cond) == "!":
                arg = cond.get("argument")
                if arg is not None:
                    expr = binary(wrap(arg, 4, True), "||", wrap(c, 5, True))
                    return self._replace(node, expression_statement(expr))
            expr = binary(wrap(cond, 5, True), "&&", wrap(c, 6, True))
            return self._replace(node, expression_statement(expr))
        a = _as_expression(alt) if alt is not None else None
        if c is not None and a is not None:
            test = cond
            if cond.type == "unary_expression" and operator(cond) == "!" and (
                    cond.get("argument") is not None):
                test = cond.get("argument") or cond
                c, a = a, c
            expr = make("ternary_expression", [wrap(test, 4), leaf("?"), wrap(c, 2), leaf(":"),
                                               wrap(a, 2)])
            expr.kids[0].field = "condition"
            expr.kids[2].field = "consequence"
            expr.kids[4].field = "alternative"
            return self._replace(node, expression_statement(expr))
        # Keep the `if`; lose braces where that is safe.
        new_cons = _unbrace(cons, dangling_else=alt_clause is not None)
        if new_cons is not cons:
            node.kids[node.kids.index(cons)] = self._replace(cons, new_cons)
        if alt_clause is not None and alt is not None:
            new_alt = _unbrace(alt, dangling_else=False)
            if new_alt is not alt:
                alt_clause.kids[alt_clause.kids.index(alt)] = self._replace(alt, new_alt)
        return node

    def loop(self, node: N) -> N:
        body = node.get("body")
        if body is not None:
            new = _unbrace(body, dangling_else=False)
            if new is not body:
                node.kids[node.kids.index(body)] = self._replace(body, new)
        return node

    def return_statement(self, node: N) -> N:
        named = [k for k in node.kids if k.is_named and k.type != "comment"]
        if len(named) == 1 and _is_void_0(named[0]):
            node.kids = [k for k in node.kids if k is not named[0]]
        return node

    # -- expressions ---------------------------------------------------------------------
    def subscript(self, node: N) -> N:
        index = node.get("index")
        name = _string_name(index) if index is not None else None
        if name is None or index is None:
            return node
        kids: list[N] = []
        for kid in node.kids:
            if kid.type == "[":
                if not any(k.type == "optional_chain" for k in node.kids):
                    kids.append(leaf("."))
            elif kid.type == "]":
                continue
            elif kid is index:
                prop = leaf(name, "property_identifier")
                prop.field = "property"
                prop.start = index.start + 1
                kids.append(prop)
            else:
                kids.append(kid)
        new = make("member_expression", kids)
        return self._replace(node, new)

    def keyed(self, node: N) -> N:
        for i, kid in enumerate(node.kids):
            if kid.field in ("key", "name", "property") and kid.type == "string":
                name = _string_name(kid)
                if name is not None:
                    prop = leaf(name, "property_identifier")
                    prop.field = kid.field
                    prop.start = kid.start + 1
                    prop.parent = node
                    node.kids[i] = prop
        return node


def _is_void_0(node: N) -> bool:
    return node.type == "unary_expression" and operator(node) == "void" and (
        node.kids[-1].type == "number" and node.kids[-1].text == "0")


def _merge_declarations(prev: N, kid: N) -> None:
    """Append the declarators of ``kid`` to ``prev`` (``var a; var b`` -> ``var a, b``)."""
    head = prev.kids[:-1] if prev.kids[-1].type == ";" else prev.kids
    tail = kid.kids[1:]
    if tail and tail[-1].type == ";":
        tail = tail[:-1]
    comma = leaf(",")
    semi = leaf(";")
    prev.kids = [*head, comma, *tail, semi]
    for k in prev.kids:
        k.parent = prev


def _as_expression(stmt: N | None) -> N | None:
    """An expression with the effect of ``stmt``, if it has one (rewrites already done)."""
    if stmt is None:
        return None
    t = stmt.type
    if t == "expression_statement":
        expr = _expr(stmt)
        return expr if expr is not stmt else None
    if t == "statement_block":
        items = _statements(stmt)
        if not items or len(items) != len([k for k in stmt.kids if k.is_named
                                           and k.type != "empty_statement"]):
            return None  # empty, or holds comments worth keeping
        exprs = [_as_expression(s) for s in items]
        if any(e is None for e in exprs) or any(s.type != "expression_statement" for s in items):
            return None
        if len(exprs) == 1:
            return exprs[0]
        parts: list[N] = []
        for e in exprs:
            assert e is not None
            if parts:
                parts.append(leaf(","))
            parts.append(wrap(e, 2))
        return make("sequence_expression", parts)
    return None


def _unbrace(body: N, dangling_else: bool) -> N:
    """A single statement instead of a block holding just it, where that is the same."""
    if body.type != "statement_block":
        return body
    if any(k.type == "comment" for k in body.kids):
        return body
    items = _statements(body)
    if not items:
        return make("empty_statement", [leaf(";")])
    if len(items) != 1:
        return body
    stmt = items[0]
    if stmt.type in _DECLARATIONS or (dangling_else and _dangling(stmt)):
        return body
    return stmt


def _unary(op: str, value: str) -> N:
    node = make("unary_expression", [leaf(op), leaf(value, "number")])
    node.kids[0].field = "operator"
    node.kids[1].field = "argument"
    return node


def _unary_ok(node: N) -> bool:
    """Whether a unary expression may replace ``node`` where it stands."""
    parent = node.parent
    if parent is None:
        return True
    t = parent.type
    f = node.field
    if t in ("member_expression", "subscript_expression") and f == "object":
        return False
    if t == "call_expression" and f == "function":
        return False
    if t == "new_expression" and f == "constructor":
        return False
    if t == "binary_expression" and f == "left" and operator(parent) == "**":
        return False
    return t not in ("class_heritage", "update_expression")


def _written(node: N) -> bool:
    parent = node.parent
    if parent is None:
        return False
    if parent.type in ("assignment_expression", "augmented_assignment_expression",
                       "for_in_statement"):
        return node.field == "left"
    return parent.type in _WRITE_PARENTS


_REWRITES = {
    "program": _Optimizer.statement_list,
    "statement_block": _Optimizer.statement_list,
    "switch_case": _Optimizer.statement_list,
    "switch_default": _Optimizer.statement_list,
    "if_statement": _Optimizer.if_statement,
    "for_statement": _Optimizer.loop,
    "for_in_statement": _Optimizer.loop,
    "while_statement": _Optimizer.loop,
    "do_statement": _Optimizer.loop,
    "with_statement": _Optimizer.loop,
    "return_statement": _Optimizer.return_statement,
    "subscript_expression": _Optimizer.subscript,
    "pair": _Optimizer.keyed,
    "pair_pattern": _Optimizer.keyed,
    "method_definition": _Optimizer.keyed,
    "field_definition": _Optimizer.keyed,
}


def optimize(root: N, analysis: Analysis) -> N:
    """Apply every rewrite, bottom-up; returns the (possibly new) root."""
    return _Optimizer(analysis).visit(root)
