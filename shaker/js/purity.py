"""One definition of "evaluating this has no side effect", under stated assumptions.

Two callers need it with different risks.  The HMR strip removes code a user wrote and must
never change behaviour (``EXACT``): converting a value to a primitive may run user code
(``valueOf``, ``toString``), so ``a + b`` is not pure there.  Tree-shaking decides whether a
module with nothing imported from it can be left out, and follows Rollup's defaults
(``ROLLUP``): coercion is assumed to run no user code, ``/*#__PURE__*/`` calls are pure.  In
both, reading a property is an effect (a getter may run), and so is any call not annotated.
Template literals are pure when their substitutions are, under both (every minifier assumes
it).

>>> from shaker.source import Source
>>> from shaker.js.parse import parse
>>> def pure(code, assume=EXACT):
...     statement = parse(Source("m.js", code.encode())).root_node.named_children[0]
...     return is_pure(statement.named_children[0], assume)
>>> pure("a === b"), pure("a + b"), pure("a + b", ROLLUP), pure("a.b", ROLLUP)
(True, False, True, False)
>>> pure("(/*#__PURE__*/ f())"), pure("(/*#__PURE__*/ f())", ROLLUP), pure("(class {x = 1})")
(False, True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tree_sitter import Node

from shaker.js.scope import named


@dataclass(frozen=True)
class Assumptions:
    """What evaluating an expression is assumed not to do."""

    coercion: bool
    """Converting to a primitive (``a + b``, ``-a``, ``a < b``) runs no user code."""
    annotations: bool
    """A call or ``new`` marked ``/*#__PURE__*/`` (or ``/* @__PURE__ */``) has no effect."""
    known: Callable[[Node], bool | None] | None = None
    """Asked first for identifiers, member reads, calls and ``new``: True (pure), False, or
    None (decide by the rules here).  The linker answers from what it knows of the bundle:
    built-ins, ``/*#__NO_SIDE_EFFECTS__*/`` functions, module-level bindings."""


EXACT = Assumptions(coercion=False, annotations=False)
ROLLUP = Assumptions(coercion=True, annotations=True)

_LEAVES = frozenset({
    "number", "string", "true", "false", "null", "undefined", "identifier", "this", "super",
    "regex", "function_expression", "function", "arrow_function", "generator_function",
})
_ALL_CHILDREN = frozenset({"parenthesized_expression", "sequence_expression",
                           "ternary_expression", "array"})
_ASKED = frozenset({"identifier", "member_expression", "call_expression", "new_expression",
                    "subscript_expression"})
_EXACT_BINARY = frozenset({"&&", "||", "??", "===", "!=="})
_EXACT_UNARY = frozenset({"!", "void", "typeof"})


def is_pure(node: Node, assume: Assumptions = EXACT) -> bool:
    """Whether evaluating ``node`` certainly has no side effect, under ``assume``."""
    t = node.type
    if assume.known is not None and t in _ASKED:
        verdict = assume.known(node)
        if verdict is not None:
            return verdict
    if t in _LEAVES:
        return True
    if t in _ALL_CHILDREN:
        return all(is_pure(c, assume) for c in named(node))
    if t == "template_string":
        return all(is_pure(named(s)[0], assume) for s in node.children
                   if s.type == "template_substitution" and named(s))
    if t == "unary_expression":
        op = node.child_by_field_name("operator")
        arg = node.child_by_field_name("argument")
        if op is None or arg is None or op.type == "delete":
            return False
        return (assume.coercion or op.type in _EXACT_UNARY) and is_pure(arg, assume)
    if t == "binary_expression":
        op = node.child_by_field_name("operator")
        if op is None or op.type in ("in", "instanceof"):  # both throw on the wrong operand
            return False
        if not (assume.coercion or op.type in _EXACT_BINARY):
            return False
        return all(is_pure(c, assume) for c in (node.child_by_field_name("left"),
                                                node.child_by_field_name("right"))
                   if c is not None)
    if t == "object":
        return all(_pure_property(p, assume) for p in named(node))
    if t == "class":
        return is_pure_class(node, assume)
    if t in ("call_expression", "new_expression"):
        return assume.annotations and annotated_pure(node) and all(
            is_pure(a, assume) for a in _arguments(node))
    return False


def is_pure_class(node: Node, assume: Assumptions = EXACT) -> bool:
    """Whether defining the class runs no code: no decorators, static blocks, effectful
    ``extends``, computed keys or static field initialisers."""
    for child in named(node):
        if child.type == "decorator":
            return False
        if child.type == "class_heritage":
            if not all(is_pure(c, assume) for c in named(child)):
                return False
        elif child.type == "class_body" and not all(_pure_member(m, assume)
                                                    for m in named(child)):
            return False
    return True


def annotated_pure(node: Node) -> bool:
    """A ``/*#__PURE__*/`` or ``/* @__PURE__ */`` comment right before a call or ``new``."""
    previous = node.prev_sibling
    if previous is None or previous.type != "comment":
        return False
    text = previous.text or b""
    return b"#__PURE__" in text or b"@__PURE__" in text


def _pure_member(member: Node, assume: Assumptions) -> bool:
    kind = member.type
    if kind == "class_static_block":  # `static {}` with nothing in it runs nothing
        body = member.child_by_field_name("body")
        if body is None:
            return False
        # Under Rollup's assumptions, `this.prototype.isX = true` (three.js) only marks the
        # class being defined, which nothing can see yet.
        return all(assume.annotations and _marks_class(s, assume) for s in named(body))
    if kind not in ("method_definition", "field_definition"):
        return False  # static blocks, decorators, anything unknown
    key = member.child_by_field_name("name") or member.child_by_field_name("property")
    if key is not None and key.type == "computed_property_name" and not all(
            is_pure(c, assume) for c in named(key)):
        return False
    if any(c.type == "decorator" for c in member.children):
        return False
    if kind == "field_definition" and any(c.type == "static" for c in member.children):
        value = member.child_by_field_name("value")
        return value is None or is_pure(value, assume)
    return True


def _marks_class(statement: Node, assume: Assumptions) -> bool:
    """``this.x = <pure>`` or ``this.prototype.x = <pure>`` in a class's static block."""
    if statement.type != "expression_statement" or not named(statement):
        return False
    expr = named(statement)[0]
    if expr.type != "assignment_expression":
        return False
    left = expr.child_by_field_name("left")
    right = expr.child_by_field_name("right")
    if left is None or right is None or left.type != "member_expression":
        return False
    obj = left.child_by_field_name("object")
    if obj is not None and obj.type == "member_expression":
        prop = obj.child_by_field_name("property")
        if prop is None or prop.text != b"prototype":
            return False
        obj = obj.child_by_field_name("object")
    return obj is not None and obj.type == "this" and is_pure(right, assume)


def _pure_property(node: Node, assume: Assumptions) -> bool:
    kind = node.type
    if kind == "shorthand_property_identifier":
        return True
    if kind == "method_definition":
        return _pure_member(node, assume)
    if kind == "pair":
        key = node.child_by_field_name("key")
        value = node.child_by_field_name("value")
        if key is not None and key.type == "computed_property_name" and not all(
                is_pure(c, assume) for c in named(key)):
            return False
        return value is not None and is_pure(value, assume)
    return False  # spread reads every property (getters); anything else is unknown


def _arguments(node: Node) -> list[Node]:
    arguments = node.child_by_field_name("arguments")
    return named(arguments) if arguments is not None else []


__all__ = ["EXACT", "ROLLUP", "Assumptions", "annotated_pure", "is_pure", "is_pure_class"]
