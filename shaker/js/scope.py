"""Lexical scopes, just enough to resolve the names the strip cares about.

shaker never builds a full scope tree: most files have a handful of interesting names
(aliases of ``import.meta.hot``, imports used by removed code, hoisted ``var``s).  For
each such name we find its occurrences with a byte search, confirm each one on the tree,
and walk up from it to the nearest scope that declares the name.  Declarations of a scope
are computed once per scope node and cached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tree_sitter import Node, Tree

from shaker.js.ancestry import Ancestry
from shaker.js.names import is_ident_byte

FUNCTION_TYPES = frozenset(
    {
        "function_declaration", "function_expression", "function", "arrow_function",
        "method_definition", "generator_function_declaration", "generator_function",
    }
)
_BLOCK_SCOPES = frozenset(
    {"statement_block", "for_statement", "for_in_statement", "catch_clause", "switch_body",
     "class_static_block", "class_declaration", "class"}
)
_LEXICAL_DECLS = frozenset({"lexical_declaration", "class_declaration", "function_declaration",
                            "generator_function_declaration"})
# Identifier node types that can be a read or write of a binding.
REFERENCE_TYPES = frozenset({"identifier", "shorthand_property_identifier",
                             "shorthand_property_identifier_pattern"})
# ... and those that can declare one.
_DECLARING_TYPES = frozenset({"identifier", "shorthand_property_identifier_pattern"})
# Leaves whose text is a name (escapes allowed), property keys included.
_NAME_TYPES = frozenset({"identifier", "shorthand_property_identifier",
                         "shorthand_property_identifier_pattern", "property_identifier",
                         "private_property_identifier", "statement_identifier"})
# Scopes that `var` hoists to (functions are looked up through their own node).
_VAR_SCOPES = FUNCTION_TYPES | {"program", "class_static_block"}
# How to find a node's parent: ``Scopes.parent`` where there is one (``Node.parent`` is
# O(depth): see ``shaker.js.ancestry``).
ParentOf = Callable[[Node], "Node | None"]


def identifier_name(text: str) -> str:
    """An identifier's name with ``\\uXXXX``/``\\u{X}`` escapes decoded: ``\\u0068ot`` is hot."""
    if "\\" not in text:
        return text
    out = []
    i = 0
    while i < len(text):
        if text.startswith("\\u{", i):
            end = text.index("}", i)
            out.append(chr(int(text[i + 3:end], 16)))
            i = end + 1
        elif text.startswith("\\u", i):
            out.append(chr(int(text[i + 2:i + 6], 16)))
            i += 6
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def name_of(node: Node) -> str:
    """The name an identifier-like node spells, escapes decoded (``h\\u006ft`` is ``hot``)."""
    text = (node.text or b"").decode("utf-8", "surrogatepass")
    return identifier_name(text) if "\\" in text else text


def named(node: Node) -> list[Node]:
    """Named children without comments (tree-sitter keeps comments as named extras)."""
    return [c for c in node.named_children if c.type != "comment"]


def pattern_names(pattern: Node) -> Iterator[Node]:
    """The identifier nodes a binding pattern declares, in source order."""
    t = pattern.type
    if t in ("identifier", "shorthand_property_identifier_pattern"):
        yield pattern
    elif t == "pair_pattern":
        value = pattern.child_by_field_name("value")
        if value is not None:
            yield from pattern_names(value)
    elif t in ("assignment_pattern", "object_assignment_pattern"):
        left = pattern.child_by_field_name("left")
        if left is not None:
            yield from pattern_names(left)
    elif t in ("object_pattern", "array_pattern", "rest_pattern"):
        for child in named(pattern):
            yield from pattern_names(child)


def _tree_parent(node: Node) -> Node | None:
    return node.parent


def function_of(node: Node, parent_of: ParentOf = _tree_parent) -> Node | None:
    """The nearest enclosing function-like node, or None at module level."""
    cur = parent_of(node)
    while cur is not None:
        if cur.type in FUNCTION_TYPES:
            return cur
        cur = parent_of(cur)
    return None


@dataclass(frozen=True)
class Binding:
    """A declared name: the scope node that owns it and the declaring identifier."""

    scope: Node
    name: str
    declaration: Node


class Scopes:
    """Name resolution over one tree, with per-scope declaration caches."""

    def __init__(self, tree: Tree, code: bytes) -> None:
        self.tree = tree
        self.code = code
        self.root = tree.root_node
        self.ancestry = Ancestry(tree)
        """O(1) parents (tree-sitter's ``node.parent`` is O(depth)): see ``shaker.js.ancestry``."""
        self.parent: ParentOf = self.ancestry.parent
        self._decls: dict[int, dict[str, Node]] = {}
        self._vars: dict[tuple[int, str], Node | None] = {}
        self._escaped: list[Node] | None = None
        self._refs: dict[tuple[int, str, int], list[Node]] = {}
        self._has_escapes = b"\\u" in code

    def escaped_identifiers(self) -> list[Node]:
        """Identifier-like nodes spelled with a ``\\u`` escape, in source order (cached).

        A byte search for a name misses these (``h\\u006ft`` is ``hot``), so every name
        lookup also checks this list; it is empty unless the file contains ``\\u``.
        """
        if self._escaped is None:
            found: dict[int, Node] = {}
            code = self.code
            pos = code.find(b"\\u")
            while pos >= 0:
                node = self.root.descendant_for_byte_range(pos, pos + 2)
                if node is not None and node.child_count == 0 and node.type in _NAME_TYPES:
                    found.setdefault(node.start_byte, node)
                pos = code.find(b"\\u", pos + 2)
            self._escaped = [found[k] for k in sorted(found)]
        return self._escaped

    # -- declarations -------------------------------------------------------------------
    def declarations(self, scope: Node) -> dict[str, Node]:
        """Names declared directly in ``scope`` mapped to their declaring identifier."""
        cached = self._decls.get(scope.id)
        if cached is not None:
            return cached
        out: dict[str, Node] = {}
        t = scope.type
        if t == "program":
            self._collect_block(scope, out)
        elif t in FUNCTION_TYPES:
            if t in ("function_expression", "function", "generator_function"):
                name = scope.child_by_field_name("name")
                if name is not None:
                    out[name_of(name)] = name
            params = scope.child_by_field_name("parameters")
            if params is not None:
                for p in named(params):
                    for ident in pattern_names(p):
                        out.setdefault(name_of(ident), ident)
            single = scope.child_by_field_name("parameter")
            if single is not None:
                out[name_of(single)] = single
            body = scope.child_by_field_name("body")
            if body is not None and body.type == "statement_block":
                self._collect_block(body, out)
        elif t in ("statement_block", "class_static_block", "switch_body"):
            if t == "switch_body":
                for case in named(scope):
                    self._collect_block(case, out)
            else:
                self._collect_block(scope, out)
        elif t in ("for_statement", "for_in_statement"):
            init = scope.child_by_field_name("initializer")
            if init is not None and init.type == "lexical_declaration":
                self._collect_declaration(init, out)
            left = scope.child_by_field_name("left")
            kind = scope.child_by_field_name("kind")
            if left is not None and kind is not None and kind.type in ("let", "const"):
                for ident in pattern_names(left):
                    out.setdefault(name_of(ident), ident)
        elif t == "catch_clause":
            param = scope.child_by_field_name("parameter")
            if param is not None:
                for ident in pattern_names(param):
                    out.setdefault(name_of(ident), ident)
        elif t in ("class_declaration", "class"):
            name = scope.child_by_field_name("name")
            if name is not None:
                out[name_of(name)] = name
        self._decls[scope.id] = out
        return out

    def _collect_block(self, block: Node, out: dict[str, Node]) -> None:
        for stmt in block.named_children:
            if stmt.type == "export_statement":
                decl = stmt.child_by_field_name("declaration")
                if decl is None:
                    continue
                stmt = decl
            if stmt.type == "import_statement":
                for ident in import_bindings(stmt):
                    out.setdefault(name_of(ident), ident)
            elif stmt.type in _LEXICAL_DECLS:
                self._collect_declaration(stmt, out)

    def _collect_declaration(self, decl: Node, out: dict[str, Node]) -> None:
        if decl.type in ("lexical_declaration", "variable_declaration"):
            for declarator in decl.named_children:
                if declarator.type == "variable_declarator":
                    name = declarator.child_by_field_name("name")
                    if name is not None:
                        for ident in pattern_names(name):
                            out.setdefault(name_of(ident), ident)
        else:
            name = decl.child_by_field_name("name")
            if name is not None:
                out.setdefault(name_of(name), name)

    def lookup(self, scope: Node, name: str) -> Node | None:
        """The identifier declaring ``name`` directly in ``scope``, if any.

        ``var`` declarations hoist from anywhere in a function, so instead of collecting
        them all (a walk over the whole function), we look at the occurrences of this one
        name inside the scope and keep one that declares it with ``var`` and hoists here.
        """
        found = self.declarations(scope).get(name)
        if found is not None or scope.type not in _VAR_SCOPES:
            return found
        key = (scope.id, name)
        if key in self._vars:
            return self._vars[key]
        owner = None if scope.type == "program" else scope
        result = None
        for ident in self.occurrences(name, scope, _DECLARING_TYPES):
            if _var_declaration_of(ident) and hoist_target(ident, self.parent) == owner:
                result = ident
                break
        self._vars[key] = result
        return result

    # -- resolution ----------------------------------------------------------------------
    def scope_chain(self, node: Node) -> Iterator[Node]:
        """Scopes enclosing ``node`` from the innermost out, ending with the program."""
        parent_of = self.parent
        cur = parent_of(node)
        child = node
        while cur is not None:
            t = cur.type
            if t in FUNCTION_TYPES or t == "program":
                yield cur
            elif t in _BLOCK_SCOPES:
                parent = parent_of(cur)
                # A function body block belongs to its function's scope; a class name is
                # visible inside the class body, not in its heritage.
                function_body = (t == "statement_block" and parent is not None
                                 and parent.type in FUNCTION_TYPES)
                if not function_body and (t not in ("class_declaration", "class")
                                          or child.type == "class_body"):
                    yield cur
            child = cur
            cur = parent_of(cur)

    def resolve(self, ident: Node) -> Binding | None:
        """The binding an identifier refers to, or None for a global."""
        name = name_of(ident)
        for scope in self.scope_chain(ident):
            decl = self.lookup(scope, name)
            if decl is not None:
                return Binding(scope, name, decl)
        return None

    def occurrences(self, name: str, within: Node,
                    types: frozenset[str] = REFERENCE_TYPES) -> Iterator[Node]:
        """Identifier nodes spelled ``name`` inside ``within`` (strings/comments excluded)."""
        needle = name.encode()
        end = within.end_byte
        escaped = [n for n in self.escaped_identifiers()
                   if within.start_byte <= n.start_byte and n.end_byte <= end
                   and n.type in types and name_of(n) == name] if self._has_escapes else []
        if escaped:
            yield from sorted([*self._plain_occurrences(needle, within, types), *escaped],
                              key=lambda n: n.start_byte)
            return
        yield from self._plain_occurrences(needle, within, types)

    def _plain_occurrences(self, needle: bytes, within: Node, types: frozenset[str]
                           ) -> Iterator[Node]:
        code = self.code
        end = within.end_byte
        ranges = []
        pos = code.find(needle, within.start_byte, end)
        while pos >= 0:
            after = pos + len(needle)
            if (pos == 0 or not is_ident_byte(code[pos - 1])) and (
                after >= len(code) or not is_ident_byte(code[after])
            ):
                ranges.append((pos, after))
            pos = code.find(needle, after, end)
        # One walk for all of them, which also indexes their parents (shaker.js.ancestry).
        for (start, stop), node in zip(ranges, self.ancestry.deepest(ranges), strict=True):
            if node.type in types and node.start_byte == start and node.end_byte == stop:
                yield node

    def references(self, binding: Binding) -> list[Node]:
        """Every identifier that resolves to ``binding``, its declaration excluded.

        Only the inner declarations of the same name are resolved: an occurrence refers to
        the binding unless it lies in the scope of one of them.
        """
        key = (binding.scope.id, binding.name, binding.declaration.id)
        cached = self._refs.get(key)
        if cached is not None:
            return list(cached)
        # Where an inner declaration of the same name shadows this binding: the range of
        # its scope (a class name: the class body only).
        shadows: list[tuple[int, int]] = []
        for node in self.occurrences(binding.name, binding.scope, _DECLARING_TYPES):
            if node == binding.declaration or not is_declaration_site(node):
                continue
            owner = self.parent(node)
            if owner is not None and owner.type in ("class_declaration", "class") and (
                    owner.child_by_field_name("name") == node and owner != binding.scope):
                # a class's own name is bound again inside its body
                body = owner.child_by_field_name("body")
                if body is not None:
                    shadows.append((body.start_byte, body.end_byte))
            found = self.resolve(node)
            if found is None or found.scope == binding.scope:
                continue
            scope = found.scope
            if scope.type in ("class_declaration", "class"):
                body = scope.child_by_field_name("body")
                scope = body if body is not None else scope
            shadows.append((scope.start_byte, scope.end_byte))
        slow = binding.name == "arguments"  # implicitly declared by every function
        out = []
        for node in self.occurrences(binding.name, binding.scope):
            if node == binding.declaration or is_declaration_site(node):
                continue
            if slow:
                found = self.resolve(node)
                if found is None or found.scope != binding.scope:
                    continue
            elif any(a <= node.start_byte and node.end_byte <= b for a, b in shadows):
                continue
            out.append(node)
        self._refs[key] = out
        return list(out)

    def redeclared(self, binding: Binding) -> bool:
        """Whether another declaration (a second ``var``, a function) names the binding."""
        for node in self.occurrences(binding.name, binding.scope, _DECLARING_TYPES):
            if node != binding.declaration and is_declaration_site(node):
                found = self.resolve(node)
                if found is not None and found.scope == binding.scope:
                    return True
        return False

    def is_reassigned(self, binding: Binding) -> bool:
        """Whether any reference writes to the binding."""
        return any(is_write(ref) for ref in self.references(binding))


def var_names(region: Node, owner: Node | None, parent_of: ParentOf = _tree_parent
              ) -> list[Node]:
    """Identifiers declared by ``var`` inside ``region`` whose hoisting target is ``owner``.

    ``owner`` is the function (or class static block) the names hoist to; None means the
    module.  Declarations inside nested functions hoist elsewhere and are skipped.
    """
    from shaker.js.queries import captures

    found = captures("var_declarations", region)
    out: list[Node] = []
    for decl in sorted([*found.get("var", ()), *found.get("for_var", ())],
                       key=lambda n: n.start_byte):
        target = _static_block_of(decl, parent_of) or function_of(decl, parent_of)
        if target != owner:
            continue
        if decl.type == "variable_declaration":
            for declarator in named(decl):
                name = declarator.child_by_field_name("name")
                if declarator.type == "variable_declarator" and name is not None:
                    out.extend(pattern_names(name))
        else:
            out.extend(pattern_names(decl))
    return out


def _var_declaration_of(ident: Node) -> bool:
    """Whether ``ident`` is a name declared by ``var`` (directly or in a pattern)."""
    cur = ident
    parent = cur.parent
    while parent is not None and parent.type in ("object_pattern", "array_pattern",
                                                 "pair_pattern", "assignment_pattern",
                                                 "object_assignment_pattern", "rest_pattern"):
        if parent.type == "pair_pattern" and parent.child_by_field_name("value") != cur:
            return False
        if parent.type in ("assignment_pattern", "object_assignment_pattern") and (
            parent.child_by_field_name("left") != cur
        ):
            return False
        cur, parent = parent, parent.parent
    if parent is None:
        return False
    if parent.type == "variable_declarator":
        decl = parent.parent
        return parent.child_by_field_name("name") == cur and decl is not None and (
            decl.type == "variable_declaration")
    if parent.type == "for_in_statement":
        kind = parent.child_by_field_name("kind")
        return parent.child_by_field_name("left") == cur and kind is not None and (
            kind.type == "var")
    return False


def hoist_target(node: Node, parent_of: ParentOf = _tree_parent) -> Node | None:
    """Where a ``var`` at ``node`` hoists to: its function, static block, or None (module)."""
    return _static_block_of(node, parent_of) or function_of(node, parent_of)


def _static_block_of(node: Node, parent_of: ParentOf = _tree_parent) -> Node | None:
    cur = parent_of(node)
    while cur is not None and cur.type not in FUNCTION_TYPES:
        if cur.type == "class_static_block":
            return cur
        cur = parent_of(cur)
    return None


def import_bindings(stmt: Node) -> Iterator[Node]:
    """Local identifiers bound by an import statement."""
    for clause in named(stmt):
        if clause.type != "import_clause":
            continue
        for part in named(clause):
            if part.type == "identifier":
                yield part
            elif part.type == "namespace_import":
                for ident in named(part):
                    if ident.type == "identifier":
                        yield ident
            elif part.type == "named_imports":
                for spec in named(part):
                    if spec.type == "import_specifier":
                        local = spec.child_by_field_name("alias") or spec.child_by_field_name(
                            "name"
                        )
                        if local is not None and local.type == "identifier":
                            yield local


_PATTERNS = frozenset({"array_pattern", "object_pattern", "pair_pattern", "assignment_pattern",
                       "object_assignment_pattern", "rest_pattern"})


def pattern_target_root(node: Node, parent_of: ParentOf = _tree_parent) -> Node | None:
    """What a binding or assignment pattern that ``node`` is a *target* of belongs to.

    ``node`` is a target when destructuring stores into it: a shorthand entry, the value of
    ``key: target``, the left of ``target = default``, an array element, a rest argument.
    Returns the node the outermost pattern hangs from (a declarator, parameters, a catch
    clause, a ``for``-in/of head, an assignment), or None if ``node`` is not a target (a
    default value or a key is a read).
    """
    cur = node
    parent = parent_of(node)
    while parent is not None and parent.type in _PATTERNS:
        t = parent.type
        if t == "pair_pattern" and parent.child_by_field_name("value") != cur:
            return None
        if t in ("assignment_pattern", "object_assignment_pattern") and (
                parent.child_by_field_name("left") != cur):
            return None
        cur, parent = parent, parent_of(parent)
    return parent


def _declares(root: Node, child: Node) -> bool:
    """Whether a pattern ``child`` hanging from ``root`` declares (rather than assigns)."""
    t = root.type
    if t == "variable_declarator":
        return root.child_by_field_name("name") == child
    if t in ("formal_parameters", "catch_clause"):
        return True
    if t == "for_in_statement":
        return root.child_by_field_name("left") == child and (
            root.child_by_field_name("kind") is not None)
    return False


def _outermost_pattern(node: Node) -> Node:
    cur = node
    while cur.parent is not None and cur.parent.type in _PATTERNS:
        cur = cur.parent
    return cur


def is_declaration_site(node: Node) -> bool:
    """True for an identifier that declares rather than references a name."""
    parent = node.parent
    if parent is None:
        return False
    t = parent.type
    if t in ("function_declaration", "function_expression", "class_declaration", "class",
             "generator_function_declaration", "generator_function", "method_definition"):
        return parent.child_by_field_name("name") == node
    if t in ("variable_declarator", "for_in_statement"):
        return _declares(parent, node)
    if t in ("formal_parameters", "import_clause", "namespace_import", "import_specifier",
             "catch_clause"):
        return True
    if t == "arrow_function":
        return parent.child_by_field_name("parameter") == node
    if t in _PATTERNS:
        root = pattern_target_root(node)
        return root is not None and _declares(root, _outermost_pattern(node))
    return False


def is_write(ident: Node) -> bool:
    """Whether an identifier occurrence is an assignment target (destructuring included)."""
    parent = ident.parent
    if parent is None:
        return False
    t = parent.type
    if t in ("assignment_expression", "augmented_assignment_expression"):
        return parent.child_by_field_name("left") == ident
    if t == "update_expression":
        return True
    if t == "for_in_statement":
        return parent.child_by_field_name("left") == ident
    if t in _PATTERNS:
        root = pattern_target_root(ident)
        if root is None:
            return False
        top = _outermost_pattern(ident)
        if root.type in ("assignment_expression", "for_in_statement"):
            return root.child_by_field_name("left") == top
        return _declares(root, top)  # a declaration with an initial value writes too
    return False
