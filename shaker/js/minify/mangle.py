"""Scope analysis over the whole file, and short names for the bindings that may change.

:mod:`shaker.js.scope` resolves a few names lazily; renaming needs every binding and every
reference at once, so this module builds a complete scope tree in one walk, resolves each
reference afterwards (declarations hoist, so a reference may precede its binding), and then
gives names by *slots*, as esbuild does: a scope's bindings take slots numbered after all of
its ancestors' slots, so a new name can never shadow a binding that the scope can see, and
sibling scopes reuse the same slots (and so the same names, which gzip likes).  Slots are
ranked by how often their bindings are used, and the most used get the shortest names.

What is never renamed (a *pinned* binding keeps its name, and that name is reserved so that
no other binding can take it):

- names no binding declares (globals, ``arguments``), which are reserved everywhere;
- every binding of a scope that contains a direct ``eval(...)`` or a ``with`` statement, and
  of all the scopes around it: the evaluated string or the ``with`` object can name them;
- exported bindings (``export const x``, ``export { x }``, ``export default function f``);
- top-level bindings of a script (``module=False``): they are properties of the global object.

Labels live in their own namespace and are left as they are.
"""

from __future__ import annotations

from collections.abc import Iterator

from shaker.js.minify.tree import N
from shaker.js.scope import identifier_name

__all__ = ["Binding", "Scope", "analyze", "assign_names"]

_FUNCTIONS = frozenset({"function_declaration", "function_expression", "function",
                        "generator_function_declaration", "generator_function",
                        "arrow_function", "method_definition"})
_FUNCTION_DECLS = frozenset({"function_declaration", "generator_function_declaration"})
_FUNCTION_EXPRS = frozenset({"function_expression", "function", "generator_function"})
_REFERENCES = frozenset({"identifier", "shorthand_property_identifier",
                         "shorthand_property_identifier_pattern", "undefined"})
_PATTERNS = frozenset({"object_pattern", "array_pattern", "pair_pattern", "assignment_pattern",
                       "object_assignment_pattern", "rest_pattern"})

# Reserved words (strict and sloppy), and names that must not be declared in strict code.
KEYWORDS = frozenset({
    "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default",
    "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for", "function",
    "if", "import", "in", "instanceof", "new", "null", "return", "super", "switch", "this",
    "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield", "let", "static",
    "implements", "interface", "package", "private", "protected", "public", "arguments",
    "eval", "undefined", "NaN", "Infinity",
})


class Binding:
    """One declared name: how often it is used, and whether (and to what) it is renamed."""

    __slots__ = ("count", "name", "new", "pinned", "slot")

    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0
        self.pinned = False
        self.new: str | None = None
        self.slot = -1


class Scope:
    """A region in which names are declared: a function (``var`` target) or a block."""

    __slots__ = ("children", "is_var", "names", "parent", "pinned")

    def __init__(self, parent: Scope | None, is_var: bool) -> None:
        self.parent = parent
        self.is_var = is_var
        self.names: dict[str, Binding] = {}
        self.children: list[Scope] = []
        self.pinned = False
        if parent is not None:
            parent.children.append(self)

    def var_scope(self) -> Scope:
        """The nearest scope that ``var`` declarations hoist to."""
        scope = self
        while not scope.is_var and scope.parent is not None:
            scope = scope.parent
        return scope

    def lookup(self, name: str) -> Binding | None:
        """The binding ``name`` resolves to from here, or None for a global."""
        scope: Scope | None = self
        while scope is not None:
            found = scope.names.get(name)
            if found is not None:
                return found
            scope = scope.parent
        return None

    def pin_chain(self) -> None:
        """Pin this scope and all around it (a direct ``eval`` or a ``with`` is inside)."""
        scope: Scope | None = self
        while scope is not None and not scope.pinned:
            scope.pinned = True
            scope = scope.parent


class _Analyzer:
    """One walk that builds scopes, declares bindings and records references."""

    def __init__(self, module: bool) -> None:
        self.module = module
        self.strict = module
        self.root = Scope(None, True)
        self.refs: list[tuple[N, Scope]] = []
        self.exported: list[tuple[N, Scope]] = []
        self.pinned_decls: list[Binding] = []
        self.evals: list[Scope] = []

    # -- declarations -----------------------------------------------------------------
    def declare(self, ident: N, scope: Scope) -> Binding:
        name = _name(ident)
        binding = scope.names.get(name)
        if binding is None:
            binding = Binding(name)
            scope.names[name] = binding
        ident.ref = binding
        binding.count += 1
        return binding

    def declare_var(self, ident: N, scope: Scope) -> None:
        """A ``var`` name: it hoists to the function, through blocks and catch clauses."""
        self.declare(ident, scope.var_scope())

    def pattern(self, node: N, scope: Scope, decl: Scope, kind: str) -> None:
        """Declare the names of a binding pattern; visit its default values and keys."""
        t = node.type
        if t in ("identifier", "shorthand_property_identifier_pattern", "undefined"):
            if kind == "var":
                self.declare_var(node, decl)
            else:
                self.declare(node, decl)
        elif t in ("assignment_pattern", "object_assignment_pattern"):
            for kid in node.kids:
                if kid.field == "left":
                    self.pattern(kid, scope, decl, kind)
                elif kid.field == "right":
                    self.visit(kid, scope)
        elif t == "pair_pattern":
            for kid in node.kids:
                if kid.field == "value":
                    self.pattern(kid, scope, decl, kind)
                elif kid.field == "key":
                    self.visit(kid, scope)
        elif t in ("object_pattern", "array_pattern", "rest_pattern"):
            for kid in node.kids:
                if kid.is_named and kid.type != "comment":
                    self.pattern(kid, scope, decl, kind)
        else:  # a member expression target in a for-in head: a plain expression
            self.visit(node, scope)

    # -- the walk ---------------------------------------------------------------------------
    def visit(self, node: N, scope: Scope) -> None:
        t = node.type
        handler = _HANDLERS.get(t)
        if handler is not None:
            handler(self, node, scope)
            return
        if t in _REFERENCES and not node.kids:
            self.refs.append((node, scope))
            return
        for kid in node.kids:
            if kid.is_named:
                self.visit(kid, scope)

    def statements(self, node: N, scope: Scope) -> None:
        """A statement list: function declarations are visible in the whole block."""
        for kid in node.kids:
            if kid.type in _FUNCTION_DECLS:
                name = kid.get("name")
                if name is not None:
                    self.declare_function_name(name, scope)
        for kid in node.kids:
            if kid.is_named:
                self.visit(kid, scope)

    def declare_function_name(self, name: N, scope: Scope) -> None:
        binding = self.declare(name, scope)
        if not self.strict and not scope.is_var:
            # Annex B: in sloppy code a function declared in a block is also a ``var`` of
            # the enclosing function.  One binding for both keeps every use consistent.
            outer = scope.var_scope()
            existing = outer.names.get(binding.name)
            if existing is None:
                outer.names[binding.name] = binding
            elif existing is not binding:
                scope.names[binding.name] = existing
                existing.count += binding.count
                name.ref = existing

    def program(self, node: N, scope: Scope) -> None:
        if not self.strict and _has_use_strict(node):
            self.strict = True
        if not self.module:
            scope.pinned = True
        self.statements(node, scope)

    def block(self, node: N, scope: Scope) -> None:
        parent = node.parent
        if parent is not None and parent.type in _FUNCTIONS | {"class_static_block"}:
            self.statements(node, scope)  # the function's own scope
        else:
            self.statements(node, Scope(scope, False))

    def function(self, node: N, scope: Scope) -> None:
        t = node.type
        name = node.get("name")
        outer = scope
        if name is not None and t in _FUNCTION_EXPRS:
            outer = Scope(scope, False)
            self.declare(name, outer)
        elif name is not None and t == "method_definition":
            self.visit(name, scope)  # a computed key is evaluated outside
        fn = Scope(outer, True)
        was_strict = self.strict
        body = node.get("body")
        if body is not None and body.type == "statement_block" and _has_use_strict(body):
            self.strict = True
        params = node.get("parameters")
        single = node.get("parameter")
        if single is not None:
            self.declare(single, fn)
        if params is not None:
            for p in params.kids:
                if p.is_named and p.type != "comment":
                    self.pattern(p, fn, fn, "param")
        if body is not None:
            if body.type == "statement_block":
                inner = fn
                if params is not None and _has_expressions(params):
                    # Parameter defaults cannot see the body's declarations: give the body
                    # its own scope, in which a ``var`` named like a parameter is that
                    # parameter (the spec copies the value in).
                    inner = Scope(fn, True)
                    hoisted = _var_names_in(body)
                    for pname, binding in fn.names.items():
                        if pname in hoisted:
                            inner.names[pname] = binding
                self.statements(body, inner)
            else:
                self.visit(body, fn)
        self.strict = was_strict

    def function_declaration(self, node: N, scope: Scope) -> None:
        name = node.get("name")
        if name is not None and name.ref is None:
            self.declare_function_name(name, scope)
        self.function(node, scope)

    def class_(self, node: N, scope: Scope) -> None:
        name = node.get("name")
        inner = Scope(scope, False)
        if name is not None:
            if node.type == "class_declaration":
                self.declare(name, scope)
            else:
                self.declare(name, inner)
        was_strict = self.strict
        self.strict = True  # class bodies are strict code
        for kid in node.kids:
            if kid.is_named and kid is not name:
                self.visit(kid, inner)
        self.strict = was_strict

    def static_block(self, node: N, scope: Scope) -> None:
        inner = Scope(scope, True)
        for kid in node.kids:
            if kid.is_named:
                self.visit(kid, inner)

    def variable_declaration(self, node: N, scope: Scope) -> None:
        kind = "var" if node.type == "variable_declaration" else "let"
        for declarator in node.kids:
            if declarator.type != "variable_declarator":
                if declarator.is_named:
                    self.visit(declarator, scope)
                continue
            for kid in declarator.kids:
                if kid.field == "name":
                    self.pattern(kid, scope, scope, kind)
                elif kid.is_named:
                    self.visit(kid, scope)

    def for_statement(self, node: N, scope: Scope) -> None:
        inner = Scope(scope, False)
        for kid in node.kids:
            if kid.is_named:
                self.visit(kid, inner)

    def for_in(self, node: N, scope: Scope) -> None:
        inner = Scope(scope, False)
        kind = node.get("kind")
        left = node.get("left")
        for kid in node.kids:
            if kid is left and kind is not None:
                self.pattern(kid, inner, inner, "var" if kind.type == "var" else "let")
            elif kid is left:
                self.assignment_target(kid, inner)
            elif kid.is_named:
                self.visit(kid, inner)

    def assignment_target(self, node: N, scope: Scope) -> None:
        self.visit(node, scope)

    def catch(self, node: N, scope: Scope) -> None:
        inner = Scope(scope, False)
        for kid in node.kids:
            if kid.field == "parameter":
                self.pattern(kid, inner, inner, "let")
            elif kid.is_named:
                self.visit(kid, inner)

    def switch_body(self, node: N, scope: Scope) -> None:
        inner = Scope(scope, False)
        cases = [k for k in node.kids if k.type in ("switch_case", "switch_default")]
        for case in cases:
            for kid in case.kids:
                if kid.type in _FUNCTION_DECLS:
                    name = kid.get("name")
                    if name is not None:
                        self.declare_function_name(name, inner)
        for kid in node.kids:
            if kid.is_named:
                self.visit(kid, inner)

    def import_statement(self, node: N, scope: Scope) -> None:
        for clause in node.kids:
            if clause.type != "import_clause":
                continue
            for part in clause.kids:
                if part.type == "identifier":
                    self.declare(part, scope)
                elif part.type == "namespace_import":
                    for ident in part.kids:
                        if ident.type == "identifier":
                            self.declare(ident, scope)
                elif part.type == "named_imports":
                    for spec in part.kids:
                        if spec.type != "import_specifier":
                            continue
                        local = spec.get("alias") or spec.get("name")
                        if local is not None and local.type == "identifier":
                            self.declare(local, scope)

    def export_statement(self, node: N, scope: Scope) -> None:
        if node.get("source") is not None:
            return  # `export { a as b } from "m"` names no local binding
        decl = node.get("declaration")
        for kid in node.kids:
            if kid.type == "export_clause":
                for spec in kid.kids:
                    local = spec.get("name") if spec.type == "export_specifier" else None
                    if local is not None and local.type == "identifier":
                        self.refs.append((local, scope))
                        self.exported.append((local, scope))
            elif kid is decl:
                self.visit(kid, scope)
                for ident in _declared_names(kid):
                    if isinstance(ident.ref, Binding):
                        self.pinned_decls.append(ident.ref)
            elif kid.field == "value" and kid.type in _FUNCTION_EXPRS | {"class"}:
                self.visit(kid, scope)
                name = kid.get("name")
                if name is not None and isinstance(name.ref, Binding):
                    self.pinned_decls.append(name.ref)
            elif kid.is_named:
                self.visit(kid, scope)

    def call(self, node: N, scope: Scope) -> None:
        fn = node.get("function")
        if fn is not None and fn.type == "identifier" and fn.text == "eval":
            self.evals.append(scope)
        for kid in node.kids:
            if kid.is_named:
                self.visit(kid, scope)

    def with_statement(self, node: N, scope: Scope) -> None:
        self.evals.append(scope)
        for kid in node.kids:
            if kid.is_named:
                self.visit(kid, scope)

    def skip(self, node: N, scope: Scope) -> None:
        """Nodes whose identifiers name no binding (labels, property names)."""

    def member(self, node: N, scope: Scope) -> None:
        for kid in node.kids:
            if kid.is_named and kid.field != "property":
                self.visit(kid, scope)

    def pair(self, node: N, scope: Scope) -> None:
        for kid in node.kids:
            if kid.is_named and not (kid.field == "key" and kid.type != "computed_property_name"):
                self.visit(kid, scope)

    def field_definition(self, node: N, scope: Scope) -> None:
        for kid in node.kids:
            if kid.is_named and not (kid.field == "property"
                                     and kid.type != "computed_property_name"):
                self.visit(kid, scope)


_HANDLERS = {
    "program": _Analyzer.program,
    "statement_block": _Analyzer.block,
    "function_declaration": _Analyzer.function_declaration,
    "generator_function_declaration": _Analyzer.function_declaration,
    "function_expression": _Analyzer.function,
    "function": _Analyzer.function,
    "generator_function": _Analyzer.function,
    "arrow_function": _Analyzer.function,
    "method_definition": _Analyzer.function,
    "class_declaration": _Analyzer.class_,
    "class": _Analyzer.class_,
    "class_static_block": _Analyzer.static_block,
    "variable_declaration": _Analyzer.variable_declaration,
    "lexical_declaration": _Analyzer.variable_declaration,
    "for_statement": _Analyzer.for_statement,
    "for_in_statement": _Analyzer.for_in,
    "catch_clause": _Analyzer.catch,
    "switch_body": _Analyzer.switch_body,
    "import_statement": _Analyzer.import_statement,
    "export_statement": _Analyzer.export_statement,
    "call_expression": _Analyzer.call,
    "with_statement": _Analyzer.with_statement,
    "member_expression": _Analyzer.member,
    "pair": _Analyzer.pair,
    "field_definition": _Analyzer.field_definition,
    "labeled_statement": _Analyzer.member,  # its label is a statement_identifier anyway
    "break_statement": _Analyzer.skip,
    "continue_statement": _Analyzer.skip,
    "meta_property": _Analyzer.skip,
    "namespace_export": _Analyzer.skip,
    "comment": _Analyzer.skip,
    "string": _Analyzer.skip,
    "regex": _Analyzer.skip,
    "number": _Analyzer.skip,
}


def _name(ident: N) -> str:
    """The name an identifier spells (``\\u0061`` and ``a`` are one name)."""
    text = ident.text or ""
    return identifier_name(text)


def _has_use_strict(block: N) -> bool:
    """Whether a program or function body starts with a ``"use strict"`` directive."""
    for stmt in block.kids:
        if stmt.type in ("comment", "hash_bang_line", "{"):
            continue
        if stmt.type != "expression_statement":
            return False
        expr = stmt.kids[0] if stmt.kids else None
        if expr is None or expr.type != "string":
            return False
        if expr.end - expr.start == 12 and _string_text(expr) == "use strict":
            return True
    return False


def _string_text(node: N) -> str:
    return "".join(k.text or "" for k in node.kids if k.type == "string_fragment")


def _has_expressions(params: N) -> bool:
    """Whether parameters contain default values (which are evaluated in their own scope)."""
    stack = list(params.kids)
    while stack:
        node = stack.pop()
        if node.type in ("assignment_pattern", "object_assignment_pattern",
                         "computed_property_name"):
            return True
        stack.extend(node.kids)
    return False


def _var_names_in(body: N) -> set[str]:
    """Names ``body`` declares with ``var`` or a function (outside nested functions)."""
    found: set[str] = set()
    stack = list(body.kids)
    while stack:
        node = stack.pop()
        t = node.type
        if t in _FUNCTION_DECLS:
            name = node.get("name")
            if name is not None:
                found.add(_name(name))
            continue
        if t in _FUNCTIONS or t in ("class", "class_declaration"):
            continue
        if t == "variable_declaration" or (t == "for_in_statement" and node.get("kind")
                                             is not None):
            found.update(_name(ident) for ident in _pattern_idents(node))
        stack.extend(node.kids)
    return found


def _pattern_idents(node: N) -> Iterator[N]:
    stack = [node]
    while stack:
        cur = stack.pop()
        if cur.type in ("identifier", "shorthand_property_identifier_pattern"):
            parent = cur.parent
            if parent is not None and (cur.field in ("name", "left", "value")
                                       or parent.type in _PATTERNS):
                yield cur
            continue
        if cur.type in _FUNCTIONS:
            continue
        stack.extend(k for k in cur.kids if (k.field != "right" and k.field != "value")
                     or cur.type in _PATTERNS)


def _declared_names(decl: N) -> Iterator[N]:
    """The identifiers an exported declaration binds."""
    if decl.type in ("lexical_declaration", "variable_declaration"):
        for declarator in decl.kids:
            if declarator.type == "variable_declarator":
                name = declarator.get("name")
                if name is not None:
                    yield from _binding_idents(name)
    else:
        name = decl.get("name")
        if name is not None:
            yield name


def _binding_idents(node: N) -> Iterator[N]:
    t = node.type
    if t in ("identifier", "shorthand_property_identifier_pattern", "undefined"):
        yield node
    elif t in ("assignment_pattern", "object_assignment_pattern"):
        left = node.get("left")
        if left is not None:
            yield from _binding_idents(left)
    elif t == "pair_pattern":
        value = node.get("value")
        if value is not None:
            yield from _binding_idents(value)
    elif t in ("object_pattern", "array_pattern", "rest_pattern"):
        for kid in node.kids:
            if kid.is_named:
                yield from _binding_idents(kid)


class Analysis:
    """The result of :func:`analyze`: the scope tree and every name no binding declares."""

    def __init__(self, root: Scope, globals_: set[str],
                 refs: list[tuple[N, Scope]] | None = None) -> None:
        self.root = root
        self.globals = globals_
        self.refs = refs or []
        """Every reference and the scope it is made from (the linker checks shadowing)."""


def analyze(root: N, module: bool) -> Analysis:
    """Build scopes, resolve every reference (setting ``ident.ref``), pin what must stay."""
    analyzer = _Analyzer(module)
    analyzer.visit(root, analyzer.root)
    globals_: set[str] = set()
    for ident, scope in analyzer.refs:
        name = _name(ident)
        binding = scope.lookup(name)
        if binding is None:
            globals_.add(name)
        else:
            ident.ref = binding
            binding.count += 1
    for ident, _scope in analyzer.exported:
        if isinstance(ident.ref, Binding):
            ident.ref.pinned = True
    for binding in analyzer.pinned_decls:
        binding.pinned = True
    for scope in analyzer.evals:
        scope.pin_chain()
    return Analysis(analyzer.root, globals_, analyzer.refs)


def _scopes(root: Scope) -> Iterator[Scope]:
    stack = [root]
    while stack:
        scope = stack.pop()
        yield scope
        stack.extend(scope.children)


def name_sequence(alphabet: str, reserved: set[str]) -> Iterator[str]:
    """Identifier names, shortest first, in ``alphabet`` order, skipping ``reserved``."""
    first = [c for c in alphabet if not c.isdigit()]
    length = 1
    while True:
        for name in _names_of_length(first, alphabet, length):
            if name not in reserved and name not in KEYWORDS:
                yield name
        length += 1


def _names_of_length(first: list[str], rest: str, length: int) -> Iterator[str]:
    if length == 1:
        yield from first
        return
    for prefix in _names_of_length(first, rest, length - 1):
        for c in rest:
            yield prefix + c


_DEFAULT_ALPHABET = "etnsoiarlucdhpfmgbyvxwkTESAIONRLCDUPFMqjzBGHVWKYXQJZ_$0123456789"


def alphabet_for(code: str) -> str:
    """Identifier characters ordered by how often they occur in ``code`` (helps gzip)."""
    counts = {c: code.count(c) for c in _DEFAULT_ALPHABET}
    return "".join(sorted(_DEFAULT_ALPHABET, key=lambda c: -counts[c]))


def assign_names(analysis: Analysis, alphabet: str) -> None:
    """Give every binding that may change a new name (``Binding.new``)."""
    reserved = set(analysis.globals)
    for scope in _scopes(analysis.root):
        for binding in scope.names.values():
            if scope.pinned or binding.pinned:
                binding.pinned = True
                reserved.add(binding.name)
    slot_counts: list[int] = []
    stack: list[tuple[Scope, int]] = [(analysis.root, 0)]
    while stack:
        scope, next_slot = stack.pop()
        own = [b for b in scope.names.values() if not b.pinned and b.slot < 0]
        own.sort(key=lambda b: -b.count)
        for binding in own:
            binding.slot = next_slot
            if next_slot == len(slot_counts):
                slot_counts.append(0)
            slot_counts[next_slot] += binding.count
            next_slot += 1
        stack.extend((child, next_slot) for child in scope.children)
    order = sorted(range(len(slot_counts)), key=lambda s: -slot_counts[s])
    names = name_sequence(alphabet, reserved)
    slot_names = [""] * len(slot_counts)
    for slot in order:
        slot_names[slot] = next(names)
    for scope in _scopes(analysis.root):
        for binding in scope.names.values():
            if binding.slot >= 0:
                binding.new = slot_names[binding.slot]
