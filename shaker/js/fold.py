"""Three-valued folding of one expression in which some nodes have known values.

``fold(node, ctx)`` answers three questions at once: what is the expression's truthiness
(true, false or unknown), what is its value if it is a constant, and what source text keeps
exactly the behaviour the context needs:

- ``VALUE``: the same value and the same side effects, in the same order;
- ``TEST``: the same truthiness and side effects (an ``if`` or loop condition);
- ``EFFECT``: the same side effects only (an expression statement); may be nothing.

The text is a list of *pieces*: byte ranges of the original (kept verbatim, so untouched
code stays byte-identical and inner edits elsewhere stay valid) and new strings.
Operands that may have side effects are kept exactly once; operands that can never be
evaluated (``undefined && x()``, ``undefined?.x(y())``) are dropped.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum

from tree_sitter import Node

from shaker.js.purity import is_pure
from shaker.js.scan import Special
from shaker.js.scope import named
from shaker.js.values import UNDEFINED, js_type, loose_equals, render_value, strict_equals, truthy

Piece = tuple[int, int] | str


class Ctx(Enum):
    VALUE = 1
    TEST = 2
    EFFECT = 3


class _Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()

_CHAIN_TYPES = frozenset({"member_expression", "subscript_expression", "call_expression"})
# Parents whose operand slot needs a primary expression: `void 0` must be parenthesised.
_TIGHT_PARENTS = frozenset({"member_expression", "subscript_expression", "call_expression",
                            "new_expression", "update_expression"})


# Expressions folded even without a special inside: `x ?? (n++, false)` tests falsy.
_SEEN_THROUGH = frozenset({"parenthesized_expression", "sequence_expression"})

# Statements whose parentheses are their own syntax, not a parenthesized expression.
_PAREN_STATEMENTS = frozenset({"if_statement", "while_statement", "do_statement",
                               "switch_statement", "with_statement"})


@dataclass(frozen=True)
class Folded:
    """The result of folding one expression in one context."""

    pieces: list[Piece] | None
    truth: bool | None = None
    value: object = UNKNOWN
    pure: bool = False


def literal_value(node: Node) -> object:
    """The constant value of a literal node, or UNKNOWN."""
    t = node.type
    if t == "true":
        return True
    if t == "false":
        return False
    if t == "null":
        return None
    if t == "undefined":
        return UNDEFINED
    if t == "number":
        text = (node.text or b"").decode().replace("_", "")
        try:
            if text.startswith(("0x", "0X")):
                return int(text, 16)
            if text.startswith(("0o", "0O")):
                return int(text, 8)
            if text.startswith(("0b", "0B")):
                return int(text, 2)
            if text.endswith("n"):
                return UNKNOWN  # BigInt
            return float(text)
        except ValueError:
            return UNKNOWN
    if t == "string":
        from shaker.js.scan import string_value

        value = string_value(node)
        return UNKNOWN if value is None else value
    if t == "unary_expression":
        op = node.child_by_field_name("operator")
        arg = node.child_by_field_name("argument")
        if op is not None and op.type == "void" and arg is not None and is_pure(arg):
            return UNDEFINED
    if t == "parenthesized_expression":
        inner = named(node)
        if len(inner) == 1:
            return literal_value(inner[0])
    return UNKNOWN


def chain_base(node: Node, stop: Mapping[int, object] | None = None) -> tuple[Node, Node]:
    """The innermost object of a member/call chain and the link applied to it.

    Nodes in ``stop`` (special nodes) count as a base even if they are members themselves.
    """
    link = node
    base = node
    while base.type in _CHAIN_TYPES and (stop is None or base.id not in stop or base is node):
        inner = base.child_by_field_name("function" if base.type == "call_expression"
                                          else "object")
        if inner is None:
            break
        link, base = base, inner
    return base, link


def unwrap_parens(node: Node) -> Node:
    """The expression inside any number of parentheses."""
    while node.type == "parenthesized_expression":
        inner = named(node)
        if len(inner) != 1:
            break
        node = inner[0]
    return node


def is_optional_link(link: Node) -> bool:
    """Whether a chain link is ``?.`` (``a?.b``, ``a?.[b]``, ``a?.()``)."""
    return any(c.type == "optional_chain" for c in link.children)


def special_text(node: Node, special: Special) -> str:
    """The expression that replaces a define or ``import.meta.env`` key at ``node``: in
    parentheses where the context binds tighter, as ``key: value`` in a shorthand property."""
    text = special.text if special.kind == "text" or special.text else render_value(
        special.value)
    parent = node.parent
    if node.type == "shorthand_property_identifier" or (
            parent is not None and parent.type == "shorthand_property_identifier"):
        return f"{(node.text or b'').decode()}: {text}"
    return _wrap(text, node)


def _wrap(text: str, node: Node) -> str:
    parent = node.parent
    if parent is None:
        return text
    needs = parent.type in _TIGHT_PARENTS and (
        parent.child_by_field_name("object") == node
        or parent.child_by_field_name("function") == node
        or parent.child_by_field_name("constructor") == node
        or parent.type == "update_expression"
    )
    if parent.type == "binary_expression":
        op = parent.child_by_field_name("operator")
        needs = op is not None and op.type == "**"
    if needs and (text[:1].isdigit() or text[:1] in "-+!~" or " " in text):
        return f"({text})"
    return text


class Folder:
    """Folds expressions of one slot, given the special nodes inside it."""

    def __init__(self, specials: dict[int, Special], warn: Callable[[Node, str], None]) -> None:
        self.specials = specials
        self._ranges = sorted((s.node.start_byte, s.node.end_byte) for s in specials.values())
        self._starts = [r[0] for r in self._ranges]
        self.warn = warn

    def contains(self, node: Node) -> bool:
        """Whether a special node lies inside ``node``."""
        i = bisect_left(self._starts, node.start_byte)
        while i < len(self._ranges) and self._ranges[i][0] < node.end_byte:
            if self._ranges[i][1] <= node.end_byte:
                return True
            i += 1
        return False

    # -- entry ---------------------------------------------------------------------------
    def fold(self, node: Node, ctx: Ctx) -> Folded:
        special = self.specials.get(node.id)
        if special is not None:
            return self._special(node, special, ctx)
        if not self.contains(node) and node.type not in _SEEN_THROUGH:
            return self._opaque(node, ctx)
        handler: Callable[[Node, Ctx], Folded] | None = getattr(self, "_" + node.type, None)
        if handler is not None:
            return handler(node, ctx)
        return self._rebuild(node, ctx)

    def render(self, node: Node, ctx: Ctx) -> list[Piece]:
        """Pieces for ``node`` in a context that needs an expression (never nothing)."""
        f = self.fold(node, ctx)
        return f.pieces if f.pieces is not None else [_render_known(f, node)]

    # -- leaves --------------------------------------------------------------------------
    def _special(self, node: Node, special: Special, ctx: Ctx) -> Folded:
        if special.read is not None:
            return _read(node, special.read, ctx)
        if special.kind == "text" or special.text:
            if ctx is Ctx.EFFECT:
                return Folded(None, True, UNKNOWN, True)
            return Folded([special_text(node, special)], True, UNKNOWN, True)
        value = special.value
        if ctx is Ctx.EFFECT:
            return Folded(None, truthy(value), value, True)
        return Folded([special_text(node, special)], truthy(value), value, True)

    def _opaque(self, node: Node, ctx: Ctx) -> Folded:
        value = literal_value(node)
        pure = is_pure(node)
        truth = None if value is UNKNOWN else truthy(value)
        if truth is None and node.type in ("object", "array", "function_expression",
                                           "arrow_function", "class", "regex"):
            truth = True
        if ctx is Ctx.EFFECT and pure:
            return Folded(None, truth, value, True)
        return Folded([(node.start_byte, node.end_byte)], truth, value, pure)

    # -- structure -----------------------------------------------------------------------
    def _rebuild(self, node: Node, ctx: Ctx, overrides: dict[int, list[Piece]] | None = None
                 ) -> Folded:
        """Keep ``node``'s own syntax, folding only the children that hold specials."""
        pieces: list[Piece] = []
        cursor = node.start_byte
        for child in node.children:
            if overrides is not None and child.id in overrides:
                replacement = overrides[child.id]
            elif (child.is_named and self.contains(child)) or child.id in self.specials:
                replacement = self.render(child, Ctx.VALUE)
            else:
                continue
            if child.start_byte > cursor:
                pieces.append((cursor, child.start_byte))
            pieces.extend(replacement)
            cursor = child.end_byte
        if cursor < node.end_byte:
            pieces.append((cursor, node.end_byte))
        return Folded(pieces, None, UNKNOWN, False)

    def _parenthesized_expression(self, node: Node, ctx: Ctx) -> Folded:
        inner = named(node)
        if len(inner) != 1:
            return self._rebuild(node, ctx)
        f = self.fold(inner[0], ctx)
        if f.pieces is None:
            return f
        if f.value is not UNKNOWN and f.pure and (node.parent is None or node.parent.type
                                                  not in _PAREN_STATEMENTS):
            return Folded([_wrap(render_value(f.value), node)], f.truth, f.value, True)
        return Folded([(node.start_byte, inner[0].start_byte), *f.pieces,
                       (inner[0].end_byte, node.end_byte)], f.truth, f.value, f.pure)

    def _unary_expression(self, node: Node, ctx: Ctx) -> Folded:
        op_node = node.child_by_field_name("operator")
        arg = node.child_by_field_name("argument")
        op = op_node.type if op_node is not None else ""
        if arg is None:
            return self._rebuild(node, ctx)
        if op == "!":
            f = self.fold(arg, Ctx.TEST)
            truth = None if f.truth is None else not f.truth
            value: object = UNKNOWN if truth is None else truth
            if ctx is Ctx.EFFECT:
                e = self.fold(arg, Ctx.EFFECT)
                return Folded(e.pieces, truth, value, e.pieces is None)
            if truth is not None and f.pure:
                return Folded([render_value(truth)], truth, truth, True)
            return Folded(self._rebuild(node, ctx, {arg.id: self.render(arg, Ctx.TEST)}).pieces,
                          truth, value, f.pure)
        if op == "void":
            e = self.fold(arg, Ctx.EFFECT)
            if ctx is Ctx.EFFECT or e.pieces is None:
                return Folded(e.pieces if ctx is Ctx.EFFECT else [_wrap("void 0", node)],
                              False, UNDEFINED, e.pieces is None)
            return Folded(self._rebuild(node, ctx, {arg.id: e.pieces}).pieces, False,
                          UNDEFINED, False)
        if op == "delete":
            target = self.specials.get(unwrap_parens(arg).id)
            if target is not None and target.kind == "hot" and target.read is None and (
                    not target.text):
                # `import.meta.hot` does not exist in production: deleting it does nothing
                return Folded(None if ctx is Ctx.EFFECT else ["true"], True, True, True)
            return self._rebuild(node, ctx)
        if op == "typeof":
            f = self.fold(arg, Ctx.VALUE)
            if f.value is UNKNOWN:
                return self._rebuild(node, ctx)
            value = js_type(f.value)
            if ctx is Ctx.EFFECT:
                e = self.fold(arg, Ctx.EFFECT)
                return Folded(e.pieces, True, value, e.pieces is None)
            if f.pure:
                return Folded([render_value(value)], True, value, True)
            return Folded(self._rebuild(node, ctx).pieces, True, value, False)
        return self._rebuild(node, ctx)

    def _binary_expression(self, node: Node, ctx: Ctx) -> Folded:
        op_node = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if op_node is None or left is None or right is None:
            return self._rebuild(node, ctx)
        op = op_node.type
        if op in ("&&", "||"):
            return self._logical(node, left, right, op == "&&", ctx)
        if op == "??":
            return self._nullish(node, left, right, ctx)
        if op in ("===", "!==", "==", "!="):
            a = self.fold(left, Ctx.VALUE)
            b = self.fold(right, Ctx.VALUE)
            if a.value is not UNKNOWN and b.value is not UNKNOWN:
                eq = strict_equals(a.value, b.value) if op in ("===", "!==") else \
                    loose_equals(a.value, b.value)
                if eq is not None:
                    result = eq if op in ("===", "==") else not eq
                    if a.pure and b.pure:
                        pieces: list[Piece] | None = (
                            None if ctx is Ctx.EFFECT else [render_value(result)])
                        return Folded(pieces, result, result, True)
                    return Folded(self._rebuild(node, ctx).pieces, result, result, False)
        return self._rebuild(node, ctx)

    def _logical(self, node: Node, left: Node, right: Node, is_and: bool, ctx: Ctx) -> Folded:
        """``a && b`` / ``a || b``: the right side runs only if ``a`` is truthy / falsy."""
        a = self.fold(left, Ctx.TEST if ctx is not Ctx.VALUE else Ctx.VALUE)
        short = not is_and  # the truth of `a` that short-circuits
        if a.truth is short:  # right side never runs
            if ctx is Ctx.EFFECT:
                return self.fold(left, Ctx.EFFECT)
            return a
        b_ctx = ctx
        b = self.fold(right, b_ctx)
        if a.truth is not None:  # left is decided and lets the right side run
            return self._after_effects_of(left, b)
        # left unknown
        if ctx is Ctx.EFFECT:
            if b.pieces is None:
                return self.fold(left, Ctx.EFFECT)
            return Folded([*self.render(left, Ctx.TEST), *self._between(left, right), *b.pieces],
                          None, UNKNOWN, False)
        truth = b.truth if b.truth is short else None
        if ctx is Ctx.TEST and b.truth is not None and b.truth is not short and b.pure:
            # `a && true` / `a || false` test exactly like `a`
            return Folded(a.pieces, a.truth, UNKNOWN, a.pure)
        if ctx is Ctx.TEST and b.truth is short and b.pure:
            # `a && false` is falsy whatever `a` is: callers keep `a` only for its effects
            return Folded([*self.render(left, Ctx.TEST), *self._between(left, right),
                           render_value(b.value if b.value is not UNKNOWN else short)],
                          short, UNKNOWN, a.pure)
        b_pieces = b.pieces if b.pieces is not None else [_render_known(b, right)]
        return Folded([*self.render(left, ctx), *self._between(left, right), *b_pieces], truth,
                      UNKNOWN, a.pure and b.pure)

    def _nullish(self, node: Node, left: Node, right: Node, ctx: Ctx) -> Folded:
        a = self.fold(left, Ctx.VALUE)
        if a.value is not UNKNOWN:
            if a.value is None or a.value is UNDEFINED:
                return self._after_effects_of(left, self.fold(right, ctx))
            return a if ctx is not Ctx.EFFECT else self.fold(left, Ctx.EFFECT)
        return self._rebuild(node, ctx)

    def _after_effects_of(self, first: Node, result: Folded) -> Folded:
        """``result``, preceded by the side effects of evaluating ``first`` (if any)."""
        effects = self.fold(first, Ctx.EFFECT).pieces
        if effects is None:
            return result
        if result.pieces is None:
            return Folded(effects, result.truth, result.value, False)
        return Folded(["(", *effects, ", ", *result.pieces, ")"], result.truth, result.value,
                      False)

    def _between(self, left: Node, right: Node) -> list[Piece]:
        return [(left.end_byte, right.start_byte)]

    def _ternary_expression(self, node: Node, ctx: Ctx) -> Folded:
        cond = node.child_by_field_name("condition")
        yes = node.child_by_field_name("consequence")
        no = node.child_by_field_name("alternative")
        if cond is None or yes is None or no is None:
            return self._rebuild(node, ctx)
        c = self.fold(cond, Ctx.TEST)
        if c.truth is not None:
            return self._after_effects_of(cond, self.fold(yes if c.truth else no, ctx))
        y = self.fold(yes, ctx)
        n = self.fold(no, ctx)
        if ctx is Ctx.EFFECT and y.pieces is None and n.pieces is None:
            return self.fold(cond, Ctx.EFFECT)
        overrides: dict[int, list[Piece]] = {
            cond.id: self.render(cond, Ctx.TEST),
            yes.id: y.pieces if y.pieces is not None else [_render_known(y, yes)],
            no.id: n.pieces if n.pieces is not None else [_render_known(n, no)],
        }
        truth = y.truth if y.truth == n.truth else None
        return Folded(self._rebuild(node, ctx, overrides).pieces, truth, UNKNOWN,
                      c.pure and y.pure and n.pure)

    def _sequence_expression(self, node: Node, ctx: Ctx) -> Folded:
        items = named(node)
        kept: list[list[Piece]] = []
        last: Folded | None = None
        all_pure = True
        for i, item in enumerate(items):
            f = self.fold(item, ctx if i == len(items) - 1 else Ctx.EFFECT)
            all_pure = all_pure and f.pure
            if i == len(items) - 1:
                last = f
                if f.pieces is None and ctx is not Ctx.EFFECT:
                    kept.append([_render_known(f, item)])
                elif f.pieces is not None:
                    kept.append(f.pieces)
            elif f.pieces is not None:
                kept.append(f.pieces)
        assert last is not None
        if len(kept) == len(items) and all(
                part == [(item.start_byte, item.end_byte)]
                for part, item in zip(kept, items, strict=True)):
            return Folded([(node.start_byte, node.end_byte)], last.truth,
                          last.value if all_pure else UNKNOWN, all_pure)
        if not kept:
            return Folded(None, last.truth, last.value, True)
        pieces: list[Piece] = []
        for i, part in enumerate(kept):
            if i:
                pieces.append(", ")
            pieces.extend(part)
        pure = all_pure and len(kept) == 1
        return Folded(pieces, last.truth, last.value if pure else UNKNOWN, pure)

    # -- member and call chains ----------------------------------------------------------
    def _chain(self, node: Node, ctx: Ctx) -> Folded:
        base, link = chain_base(node, self.specials)
        base = unwrap_parens(base)
        special = self.specials.get(base.id)
        if special is not None and special.kind != "text" and (
            special.value is UNDEFINED or special.value is None
        ):
            if is_optional_link(link):  # `undefined?.…` short-circuits the whole chain
                if special.read is not None:
                    return _read(node, special.read, ctx)
                if ctx is Ctx.EFFECT:
                    return Folded(None, False, UNDEFINED, True)
                return Folded([_wrap("void 0", node)], False, UNDEFINED, True)
            if special.kind == "hot":
                self.warn(base, "import.meta.hot is used without a guard and would throw in "
                          "production; guard it with `if (import.meta.hot)`")
        return self._rebuild(node, ctx)

    _member_expression = _chain
    _subscript_expression = _chain
    _call_expression = _chain


def _read(node: Node, read: Node, ctx: Ctx) -> Folded:
    """``node`` is undefined, but evaluating it reads ``read`` first, which may throw."""
    ident: Piece = (read.start_byte, read.end_byte)
    if ctx is Ctx.EFFECT or read == node:
        return Folded([ident], False, UNDEFINED, False)
    return Folded(["(", ident, ", void 0)"], False, UNDEFINED, False)


def _render_known(f: Folded, node: Node) -> str:
    return _wrap(render_value(f.value if f.value is not UNKNOWN else UNDEFINED), node)
