"""Whether a top-level statement does something when its module runs (Rollup's defaults).

The shared rules are :mod:`shaker.js.purity` (``ROLLUP``: ``/*#__PURE__*/`` calls, no
user code in coercions); this module adds what only the linker knows:

- calls of functions annotated ``/*#__NO_SIDE_EFFECTS__*/``, in this module or imported;
- pure built-ins: reading ``Math.max`` or ``Object.prototype.hasOwnProperty``, calling
  ``Object.freeze``/``Symbol``/``Object.create``..., ``new Map()`` and its kind;
- property reads of module-level bindings (the module's own objects) are pure, as are reads
  of known globals; a property read of anything else may run a getter, so it is kept.
"""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from shaker.bundle.analyse import ModuleFacts, Statement
from shaker.js.purity import ROLLUP, Assumptions, annotated_pure, is_pure, is_pure_class
from shaker.js.scope import identifier_name, named

PURE_GLOBALS = frozenset({
    "Math", "Object", "Array", "Symbol", "Number", "String", "Boolean", "JSON", "Reflect",
    "Promise", "Map", "Set", "WeakMap", "WeakSet", "Date", "RegExp", "Error", "TypeError",
    "RangeError", "SyntaxError", "ReferenceError", "Function", "Proxy", "BigInt", "Intl",
    "ArrayBuffer", "DataView", "Uint8Array", "Int8Array", "Uint16Array", "Int16Array",
    "Uint32Array", "Int32Array", "Float32Array", "Float64Array", "Uint8ClampedArray",
    "BigInt64Array", "BigUint64Array", "undefined", "NaN", "Infinity", "globalThis",
    "isNaN", "isFinite", "parseInt", "parseFloat", "encodeURIComponent", "decodeURIComponent",
    "encodeURI", "decodeURI", "WeakRef", "AggregateError", "Atomics",
})
"""Globals that exist in every engine: reading them (and their properties) is pure."""
PURE_CALLS = frozenset({
    "Object.freeze", "Object.create", "Object.assign", "Object.keys", "Object.values",
    "Object.entries", "Object.getPrototypeOf", "Object.getOwnPropertyNames",
    "Object.getOwnPropertyDescriptor", "Object.fromEntries", "Object.is", "Object.seal",
    "Object.preventExtensions", "Object.setPrototypeOf", "Array.isArray", "Array.from",
    "Array.of", "Symbol", "Symbol.for", "String", "Number", "Boolean", "Math.max", "Math.min",
    "Math.floor", "Math.ceil", "Math.round", "Math.abs", "Math.pow", "Math.sqrt",
    "Math.random", "Math.log", "Math.trunc", "Math.sign", "Math.hypot", "Math.fround",
    "Number.isNaN", "Number.isFinite", "Number.isInteger", "parseInt", "parseFloat",
    "isNaN", "isFinite", "BigInt",
})
PURE_CONSTRUCTORS = frozenset({
    "Map", "Set", "WeakMap", "WeakSet", "Date", "RegExp", "Error", "TypeError", "RangeError",
    "Array", "Object", "ArrayBuffer", "Uint8Array", "Int8Array", "Uint16Array", "Int16Array",
    "Uint32Array", "Int32Array", "Float32Array", "Float64Array", "Uint8ClampedArray",
    "DataView", "WeakRef", "Promise", "Symbol",
})

NoSideEffects = Callable[[str], bool]
"""Whether calling this module-level name (own or imported) is annotated pure."""


def _path(node: Node) -> str | None:
    """``Object.prototype.x`` as a dotted string, or None when it is not a plain chain."""
    parts: list[str] = []
    while node.type == "member_expression":
        prop = node.child_by_field_name("property")
        if prop is None or prop.type != "property_identifier" or any(
                c.type == "optional_chain" for c in node.children):
            return None
        parts.append((prop.text or b"").decode())
        obj = node.child_by_field_name("object")
        if obj is None:
            return None
        node = obj
    if node.type != "identifier":
        return None
    parts.append(identifier_name((node.text or b"").decode()))
    return ".".join(reversed(parts))


def assumptions(facts: ModuleFacts, calls_pure: NoSideEffects) -> Assumptions:
    """``ROLLUP`` plus what the linker knows of ``facts``' module."""
    module_names = set(facts.declared) | set(facts.imports)

    def known(node: Node) -> bool | None:
        t = node.type
        if t == "identifier":
            return None  # reading a binding: pure (the shared rule)
        if t in ("member_expression", "subscript_expression"):
            obj = node.child_by_field_name("object")
            while obj is not None and obj.type in ("member_expression", "subscript_expression"):
                if obj.type == "subscript_expression":
                    index = obj.child_by_field_name("index")
                    if index is None or not is_pure(index, rules):
                        return False
                obj = obj.child_by_field_name("object")
            if obj is not None and obj.type in ("call_expression", "new_expression"):
                return is_pure(obj, rules)  # a property of what a pure call of ours made
            if obj is None or obj.type != "identifier":
                return False
            if t == "subscript_expression":
                index = node.child_by_field_name("index")
                if index is None or not is_pure(index, rules):
                    return False
            name = identifier_name((obj.text or b"").decode())
            if name in module_names and name not in facts.imports:
                return True
            if name in facts.imports and facts.imports[name].imported == "*":
                return True  # a namespace's properties are its exports: no getters to run
            if name not in module_names and name not in facts.globals:
                return True  # a function's own local or parameter (inside function bodies)
            return name in PURE_GLOBALS and name not in module_names
        callee = node.child_by_field_name("function" if t == "call_expression"
                                          else "constructor")
        if callee is None:
            return False
        args = node.child_by_field_name("arguments")
        arguments = named(args) if args is not None else []
        if any(a.type == "spread_element" for a in arguments):
            return False
        if ROLLUP.annotations and annotated_pure(node):
            return all(is_pure(a, rules) for a in arguments)
        path = _path(callee)
        if path is None:
            return False
        root = path.split(".", 1)[0]
        if "." not in path and path in module_names:
            if calls_pure(path):
                return all(is_pure(a, rules) for a in arguments)
            return False
        if root in module_names:
            return False
        table = PURE_CALLS if t == "call_expression" else PURE_CONSTRUCTORS
        if path in table:
            return all(is_pure(a, rules) for a in arguments)
        return False

    rules = Assumptions(coercion=True, annotations=True, known=known)
    return rules


def function_node(facts: ModuleFacts, name: str) -> Node | None:
    """The function a module-level ``name`` is declared as, if it is one that is never
    reassigned in place: ``function name() {}``, ``const name = () => ...``."""
    for index in facts.declared.get(name, ()):
        node = facts.statements[index].node
        if node.type == "export_statement":
            node = node.child_by_field_name("declaration") or node
        if node.type == "function_declaration":
            return node
        if node.type == "lexical_declaration" and node.children[0].type == "const":
            for declarator in named(node):
                target = declarator.child_by_field_name("name")
                value = declarator.child_by_field_name("value")
                if target is not None and value is not None and target.text == name.encode() \
                        and value.type in ("arrow_function", "function_expression", "function"):
                    return value
    return None


def calling_is_pure(function: Node, facts: ModuleFacts, rules: Assumptions) -> bool:
    """Whether calling ``function`` does nothing but compute its result (Rollup looks into
    function bodies the same way): its statements declare locals, assign them, branch on
    pure tests and return pure values; everything they call is itself pure."""
    body = function.child_by_field_name("body")
    if body is None:
        return False
    if body.type != "statement_block":
        return is_pure(body, rules)
    module_names = set(facts.declared) | set(facts.imports)

    def local(node: Node) -> bool:
        if node.type != "identifier":
            return False
        name = identifier_name((node.text or b"").decode())
        return name not in module_names and name not in facts.globals

    def pure_statement(node: Node) -> bool:
        t = node.type
        if t in ("function_declaration", "empty_statement", "comment"):
            return True
        if t in ("lexical_declaration", "variable_declaration"):
            return all(d.child_by_field_name("value") is None
                       or is_pure(d.child_by_field_name("value"), rules)  # type: ignore[arg-type]
                       for d in named(node) if d.type == "variable_declarator")
        if t == "return_statement":
            return all(is_pure(c, rules) for c in named(node))
        if t == "statement_block":
            return all(pure_statement(c) for c in named(node))
        if t == "if_statement":
            parts = [node.child_by_field_name(f) for f in ("condition", "consequence",
                                                           "alternative")]
            condition, consequence, alternative = parts
            if condition is None or consequence is None or not is_pure(condition, rules):
                return False
            if not pure_statement(consequence):
                return False
            return alternative is None or all(pure_statement(c) for c in named(alternative))
        if t == "expression_statement":
            expr = named(node)[0] if named(node) else None
            if expr is None:
                return True
            if expr.type in ("assignment_expression", "augmented_assignment_expression"):
                left = expr.child_by_field_name("left")
                right = expr.child_by_field_name("right")
                return left is not None and local(left) and right is not None \
                    and is_pure(right, rules)
            return expr.type not in ("member_expression", "subscript_expression") \
                and is_pure(expr, rules)
        return False

    return all(pure_statement(c) for c in named(body))


def statement_effects(stmt: Statement, rules: Assumptions) -> bool:
    """Whether running ``stmt`` may do something observable (beyond declaring names)."""
    node = stmt.node
    t = node.type
    if stmt.kind in ("import", "reexport", "export-list"):
        return False
    if t == "export_statement":
        inner = node.child_by_field_name("declaration") or node.child_by_field_name("value")
        if inner is None:
            return False
        node, t = inner, inner.type
        if stmt.kind == "default-expression":
            return not is_pure(node, rules)
    if t in ("function_declaration", "generator_function_declaration", "empty_statement",
             "function_expression", "function", "generator_function"):
        return False
    if t in ("class_declaration", "class"):
        return not is_pure_class(node, rules)
    if t in ("lexical_declaration", "variable_declaration"):
        for declarator in named(node):
            if declarator.type != "variable_declarator":
                continue
            name = declarator.child_by_field_name("name")
            value = declarator.child_by_field_name("value")
            # Destructuring reads properties (getters) and may throw on null.
            if name is not None and name.type != "identifier" and (
                    value is None or value.type != "identifier"):
                return True
            if value is not None and not is_pure(value, rules):
                return True
        return False
    if t == "if_statement":  # `if ("production" !== "production") { ... }`: nothing left
        condition = node.child_by_field_name("condition")
        if condition is None or not is_pure(condition, rules):
            return True
        dead = {(start, end) for start, end, _ in stmt.dead}
        for branch in (node.child_by_field_name("consequence"),
                       node.child_by_field_name("alternative")):
            if branch is None or (branch.start_byte, branch.end_byte) in dead:
                continue
            if branch.type == "else_clause":
                branch = named(branch)[0] if named(branch) else None
            if branch is not None and (branch.type != "statement_block" or named(branch)):
                return True
        return False
    if t == "expression_statement":
        expr = named(node)[0] if named(node) else None
        if expr is None:
            return False
        if stmt.attached_to is not None and expr.type == "assignment_expression":
            right = expr.child_by_field_name("right")
            left = expr.child_by_field_name("left")
            return not (right is not None and is_pure(right, rules)
                        and left is not None and is_pure(left, rules))
        if expr.type in ("member_expression", "subscript_expression"):
            return True  # `o.g;` alone is written for its getter
        return not is_pure(expr, rules)
    return True


__all__ = ["PURE_GLOBALS", "assumptions", "calling_is_pure", "function_node",
           "statement_effects"]
