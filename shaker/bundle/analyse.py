"""One module, read once for the linker: its imports, exports and top-level statements.

The scope tree is the minifier's (:func:`shaker.js.minify.mangle.analyze`): every identifier
is resolved to its binding, so the linker knows, for each top-level statement, which
module-level names it declares and which it reads, and for each place a module-level name is
spelled, the scope it is spelled in (a new name must not be shadowed there).  Pure: code in,
facts out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tree_sitter import Node

from shaker.js.minify.mangle import Binding, Scope, analyze
from shaker.js.minify.tree import PUNCTUATION, N, build
from shaker.js.parse import parse
from shaker.js.scope import identifier_name
from shaker.source import Source

_FUNCTIONS = frozenset({"function_declaration", "function_expression", "function",
                        "generator_function_declaration", "generator_function",
                        "arrow_function", "method_definition", "class_static_block"})
_DECLARATIONS = frozenset({"function_declaration", "generator_function_declaration",
                           "class_declaration", "lexical_declaration", "variable_declaration"})


@dataclass(frozen=True)
class Import:
    """``import { imported as local } from "spec"``; ``imported`` is ``*`` for a namespace."""

    local: str
    source: str | None  # module id, None for an external
    spec: str
    imported: str


@dataclass(frozen=True)
class Export:
    """An export name: a local binding, or a re-export (``imported`` ``*``: a namespace)."""

    local: str | None = None
    source: str | None = None
    spec: str = ""
    imported: str = ""

    @property
    def is_reexport(self) -> bool:
        return self.local is None


@dataclass(eq=False)
class Occurrence:
    """A place the code spells a module-level name (a declaration or a reference)."""

    start: int
    end: int
    name: str
    shorthand: bool  # `{ x }`: written `x: <new name>` when renamed
    scope: Scope | None  # None for declarations at the top level
    statement: int


@dataclass(eq=False)
class Member:
    """A static read ``x.prop`` of an import: the binding ``prop`` names when ``x`` is a
    namespace used only this way, else ``x`` renamed as any other use."""

    start: int
    end: int
    object_end: int
    namespace: str
    prop: str
    statement: int
    scope: Scope | None


@dataclass(eq=False)
class Statement:
    """A top-level statement and what the linker needs of it."""

    index: int
    start: int
    end: int
    node: Node
    kind: str  # import, reexport, export-list, default-expression, default-anonymous, code
    declares: list[str] = field(default_factory=list)
    reads: set[str] = field(default_factory=set)
    prefix: tuple[int, int] | None = None  # `export ` / `export default ` to delete
    name_at: int = -1  # where an anonymous default function or class gets its name
    needs_semicolon: bool = False
    attached_to: str | None = None  # `A.b = pure`: kept exactly when `A` is
    alias: str | None = None  # `export default name`: the name, if it is a binding
    dead: list[tuple[int, int, str]] = field(default_factory=list)
    """Branches a constant test never takes: (start, end, what replaces them)."""
    effects: bool = True


@dataclass(frozen=True)
class DynamicImport:
    start: int  # the string literal's range
    end: int
    source: str | None
    spec: str
    call_start: int = -1  # the whole `import(...)`
    call_end: int = -1


@dataclass(eq=False)
class ModuleFacts:
    id: str
    code: bytes
    name: str
    statements: list[Statement] = field(default_factory=list)
    imports: dict[str, Import] = field(default_factory=dict)
    exports: dict[str, Export] = field(default_factory=dict)
    stars: list[tuple[str | None, str]] = field(default_factory=list)
    static_deps: list[str | None] = field(default_factory=list)
    static_specs: list[str] = field(default_factory=list)
    dynamic: list[DynamicImport] = field(default_factory=list)
    occurrences: list[Occurrence] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    value_uses: set[str] = field(default_factory=set)
    """Import bindings used other than as ``x.prop`` (a namespace must then exist)."""
    declared: dict[str, list[int]] = field(default_factory=dict)
    """Module-level name → indexes of the statements that declare it."""
    attached: dict[str, list[int]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    no_side_effects: set[str] = field(default_factory=set)
    """Local functions annotated ``/*#__NO_SIDE_EFFECTS__*/``: calls to them are pure."""
    top_level_await: bool = False
    side_effects: bool | None = None
    tree: object = None


def _string_value(node: N) -> str:
    text = "".join(k.text or "" for k in _leaves(node))
    inner = text[1:-1]
    if "\\" not in inner:
        return inner
    import json

    try:
        return str(json.loads('"' + inner.replace('"', '\\"') + '"'))
    except ValueError:  # pragma: no cover - odd escapes; the raw text is a fine key
        return inner


def _leaves(node: N) -> list[N]:
    out: list[N] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.kids:
            stack.extend(reversed(n.kids))
        else:
            out.append(n)
    return out


def _name_text(node: N) -> str:
    """An export or import name: an identifier, or a string (``export { a as "b c" }``)."""
    if node.type == "string":
        return _string_value(node)
    return identifier_name(node.text or "")


def analyse_module(module_id: str, code: str, imports: dict[str, str | None],
                   name: str = "module", side_effects: bool | None = None) -> ModuleFacts:
    """Read one ESM module; raises :class:`~shaker.errors.ShakerSyntaxError` if it does not
    parse."""
    data = code.encode("utf-8", "surrogatepass")
    tree = parse(Source(module_id, data))
    root = build(tree, data, PUNCTUATION)
    analysis = analyze(root, module=True)
    facts = ModuleFacts(module_id, data, name, side_effects=side_effects, tree=tree)
    facts.globals = analysis.globals
    ref_scope: dict[int, Scope] = {id(ident): scope for ident, scope in analysis.refs}
    top: dict[str, Binding] = analysis.root.names
    top_ids = {id(b) for b in top.values()}

    def target(spec: str) -> str | None:
        return imports.get(spec)

    ts_children = tree.root_node.children
    written: set[str] = set()
    constants: dict[str, object] = {}  # `const DEV = "production" !== "production"`

    def known(leaf: N) -> object:
        """The value of a module-level constant this identifier reads, else _UNKNOWN."""
        ref = leaf.ref
        if isinstance(ref, Binding) and top.get(ref.name) is ref:
            return constants.get(ref.name, _UNKNOWN)
        return _UNKNOWN
    for kid, ts in zip(root.kids, ts_children, strict=True):
        if not kid.is_named or kid.type in ("comment", "hash_bang_line"):
            continue
        stmt = Statement(len(facts.statements), kid.start, kid.end, ts, "code")
        facts.statements.append(stmt)
        _statement(facts, stmt, kid, target)
        # Module-level names: declarations and references in this statement, outside the
        # branches a constant test never takes (`if ("production" !== "production")`).
        leaves, specials = _live(kid, stmt.dead, known)
        for leaf in leaves:
            ref = leaf.ref
            if ref is None or id(ref) not in top_ids or leaf.type not in (
                    "identifier", "shorthand_property_identifier",
                    "shorthand_property_identifier_pattern"):
                continue
            assert isinstance(ref, Binding)
            scope = ref_scope.get(id(leaf))
            shorthand = leaf.type != "identifier"
            occurrence = Occurrence(leaf.start, leaf.end, ref.name, shorthand, scope,
                                    stmt.index)
            if scope is None:  # a declaration
                facts.occurrences.append(occurrence)
                continue
            if stmt.kind == "export-list":
                continue  # `export { a }`: an export, not a read; the statement goes
            if _written(leaf):
                written.add(ref.name)
            if ref.name in facts.imports:
                member = _static_member(leaf)
                if member is not None:  # `ns.prop`: the binding `prop` if `ns` is a namespace
                    facts.members.append(Member(member.start, member.end, leaf.end, ref.name,
                                                member.kids[-1].text or "", stmt.index,
                                                scope))
                    stmt.reads.add(ref.name)
                    continue
                facts.value_uses.add(ref.name)
            facts.occurrences.append(occurrence)
            stmt.reads.add(ref.name)
        for declared in stmt.declares:
            facts.declared.setdefault(declared, []).append(stmt.index)
        _record_constants(kid, constants, known)
        _attach(facts, stmt, kid, top)
        for node in specials:
            if node.type == "call_expression":
                args = node.get("arguments")
                strings = args.named() if args is not None else []
                if strings and strings[0].type == "string":
                    spec = _string_value(strings[0])
                    facts.dynamic.append(DynamicImport(strings[0].start, strings[0].end,
                                                       target(spec), spec, node.start,
                                                       node.end))
            elif not _inside_function(node):
                facts.top_level_await = True
    _default_aliases(facts, written)
    return facts


_UNKNOWN = object()


Known = Callable[[N], object]


def _no_constants(leaf: N) -> object:
    return _UNKNOWN


def _record_constants(statement: N, constants: dict[str, object], known: Known) -> None:
    """``const NAME = <constant>`` at the top level (a ``const`` is never reassigned)."""
    node = statement.get("declaration") if statement.type == "export_statement" else statement
    if node is None or node.type != "lexical_declaration" or not node.kids \
            or node.kids[0].type != "const":
        return
    for declarator in node.kids:
        target = declarator.get("name") if declarator.type == "variable_declarator" else None
        value = declarator.get("value") if target is not None else None
        if target is not None and value is not None and target.type == "identifier":
            found = _constant(value, known)
            if found is not _UNKNOWN:
                constants[identifier_name(target.text or "")] = found


def _constant(node: N, known: Known = _no_constants) -> object:
    """The value of a constant expression (``"production" !== "production"``, ``!0``), or
    ``_UNKNOWN``.  Strings, numbers, booleans and null only: no coercion is guessed."""
    t = node.type
    if t == "identifier":
        return known(node)
    if t == "string":
        return _string_value(node)
    if t == "number":
        try:
            return float(node.text or "")
        except ValueError:
            return _UNKNOWN
    if t in ("true", "false"):
        return t == "true"
    if t == "null":
        return None
    if t == "parenthesized_expression" and len(node.kids) == 1:
        return _constant(node.kids[0], known)
    if t == "unary_expression" and len(node.kids) == 2 and node.kids[0].type == "!":
        value = _constant(node.kids[1], known)
        return _UNKNOWN if value is _UNKNOWN else not _truthy(value)
    if t == "binary_expression" and len(node.kids) == 3:
        op = node.kids[1].type
        left = _constant(node.kids[0], known)
        if left is _UNKNOWN:
            return _UNKNOWN
        if (op == "&&" and not _truthy(left)) or (op == "||" and _truthy(left)):
            return left
        right = _constant(node.kids[2], known)
        if right is _UNKNOWN:
            return _UNKNOWN
        if op in ("&&", "||"):
            return right
        if op in ("===", "!==", "==", "!="):
            if type(left) is not type(right) and op in ("==", "!="):
                return _UNKNOWN  # loose equality across types: not guessed
            same = type(left) is type(right) and left == right
            return same if op in ("===", "==") else not same
    return _UNKNOWN


def _truthy(value: object) -> bool:
    return bool(value) and value == value  # NaN is falsy, as "" and 0


def _dead_branch(node: N, known: Known) -> tuple[N, str] | None:
    """The part of ``node`` a constant test never runs, and what to write instead."""
    t = node.type
    if t in ("if_statement", "ternary_expression"):
        condition = node.get("condition")
        value = _constant(condition, known) if condition is not None else _UNKNOWN
        if value is _UNKNOWN:
            return None
        if _truthy(value):
            alternative = node.get("alternative")
            if alternative is None:
                return None
            return alternative, "" if t == "if_statement" else "void 0"
        consequence = node.get("consequence")
        if consequence is None:
            return None
        return consequence, "{}" if t == "if_statement" else "void 0"
    if t == "binary_expression" and len(node.kids) == 3 and node.kids[1].type in ("&&", "||"):
        value = _constant(node.kids[0], known)
        if value is _UNKNOWN or _truthy(value) == (node.kids[1].type == "&&"):
            return None
        return node.kids[2], "void 0"
    return None


def _live(statement: N, dead: list[tuple[int, int, str]], known: Known = _no_constants
          ) -> tuple[list[N], list[N]]:
    """The leaves of ``statement`` outside dead branches (recorded in ``dead``), and the
    ``import()`` calls and ``await``s among its live nodes."""
    leaves: list[N] = []
    specials: list[N] = []
    stack = [statement]
    while stack:
        node = stack.pop()
        kids = node.kids
        if not kids:
            leaves.append(node)
            continue
        t = node.type
        if t in ("if_statement", "ternary_expression", "binary_expression"):
            pruned = _dead_branch(node, known)
            if pruned is not None:
                skip, replacement = pruned
                dead.append((skip.start, skip.end, replacement))
                stack.extend(k for k in kids if k is not skip)
                continue
        if (t == "call_expression" and kids[0].type == "import") or t == "await_expression" \
                or (t == "for_in_statement" and any(k.type == "await" for k in kids)):
            specials.append(node)
        stack.extend(kids)
    return leaves, specials


def _walk(root: N) -> list[N]:
    out: list[N] = []
    stack = [root]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(n.kids)
    return out


def _head(node: N, count: int) -> list[N]:
    """The first ``count`` nodes of ``node``'s subtree, in source order (where an
    annotation comment can be), without walking the rest."""
    out: list[N] = []
    stack = [node]
    while stack and len(out) < count:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(n.kids))
    return out


_WRITES = frozenset({"assignment_expression", "augmented_assignment_expression"})
_PATTERNS = frozenset({"object_pattern", "array_pattern", "pair_pattern", "rest_pattern",
                       "assignment_pattern", "object_assignment_pattern"})


def _written(leaf: N) -> bool:
    """Whether this reference assigns the binding (``x = 1``, ``x++``, ``[x] = a``,
    ``for (x of a)``); destructuring targets are counted whatever their depth."""
    parent = leaf.parent
    if parent is None:
        return False
    if parent.type == "update_expression":
        return True
    if parent.type in _WRITES or parent.type == "for_in_statement":
        return parent.kids[0] is leaf or leaf.field == "left"
    return parent.type in _PATTERNS or leaf.type == "shorthand_property_identifier_pattern"


def _default_aliases(facts: ModuleFacts, written: set[str]) -> None:
    """``export default name`` of an import, or of a binding nothing assigns again, exports
    that binding itself (Rollup does the same): no ``const x_default = x`` copy."""
    for stmt in facts.statements:
        name = stmt.alias
        if stmt.kind != "default-expression" or name is None:
            continue
        if name in facts.imports or (name in facts.declared and name not in written):
            stmt.kind = "export-list"
            stmt.declares = []
            stmt.reads = set()
            facts.declared["default"].remove(stmt.index)
            if not facts.declared["default"]:
                del facts.declared["default"]
            facts.exports["default"] = Export(name)


def _inside_function(node: N) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type in _FUNCTIONS:
            return True
        parent = parent.parent
    return False


def _static_member(leaf: N) -> N | None:
    """``ns.prop`` read (not written, not ``ns?.prop``, not ``ns.prop()`` with ``this`` use
    concerns: a namespace's functions do not see their namespace as ``this`` in ESM)."""
    parent = leaf.parent
    if parent is None or parent.type != "member_expression" or parent.kids[0] is not leaf:
        return None
    prop = parent.kids[-1]
    if prop.type != "property_identifier" or any(k.type == "optional_chain"
                                                 for k in parent.kids):
        return None
    outer = parent.parent
    if outer is not None and outer.type == "unary_expression" and outer.kids[0].type == "delete":
        return None  # `delete ns.a` must stay a delete of a property (false, or a TypeError)
    if outer is not None and outer.type in ("assignment_expression",
                                            "augmented_assignment_expression",
                                            "update_expression") and outer.kids[0] is parent:
        return None
    return parent


def _statement(facts: ModuleFacts, stmt: Statement, node: N,
               resolve: Callable[[str], str | None]) -> None:
    """Fill in the kind, imports, exports and declarations of one top-level statement."""
    t = node.type
    if t == "import_statement":
        stmt.kind = "import"
        source = node.get("source")
        spec = _string_value(source) if source is not None else ""
        module = resolve(spec)
        facts.static_deps.append(module)
        facts.static_specs.append(spec)
        for item in node.kids:
            if item.type != "import_clause":
                continue
            for part in item.kids:
                if part.type == "identifier":
                    local = identifier_name(part.text or "")
                    facts.imports[local] = Import(local, module, spec, "default")
                elif part.type == "namespace_import":
                    ident = next(k for k in part.kids if k.type == "identifier")
                    local = identifier_name(ident.text or "")
                    facts.imports[local] = Import(local, module, spec, "*")
                elif part.type == "named_imports":
                    for s in part.kids:
                        if s.type != "import_specifier":
                            continue
                        name = s.get("name")
                        alias = s.get("alias")
                        imported = _name_text(name) if name is not None else "default"
                        local_node = alias or name
                        assert local_node is not None
                        local = identifier_name(local_node.text or "")
                        facts.imports[local] = Import(local, module, spec, imported)
        return
    if t != "export_statement":
        stmt.declares = _declared(node)
        if t in _DECLARATIONS:
            _annotated(facts, node, stmt.declares)
        return
    source = node.get("source")
    if source is not None:
        stmt.kind = "reexport"
        spec = _string_value(source)
        module = resolve(spec)
        facts.static_deps.append(module)
        facts.static_specs.append(spec)
        for kid in node.kids:
            if kid.type == "*":
                facts.stars.append((module, spec))
            elif kid.type == "namespace_export":
                name = next(k for k in kid.kids if k.type in ("identifier", "string"))
                facts.exports[_name_text(name)] = Export(None, module, spec, "*")
            elif kid.type == "export_clause":
                for s in kid.kids:
                    if s.type != "export_specifier":
                        continue
                    name = s.get("name")
                    alias = s.get("alias")
                    assert name is not None
                    facts.exports[_name_text(alias or name)] = Export(
                        None, module, spec, _name_text(name))
        return
    clause: N | None = next((k for k in node.kids if k.type == "export_clause"), None)
    if clause is not None:
        stmt.kind = "export-list"
        for s in clause.kids:
            if s.type != "export_specifier":
                continue
            name = s.get("name")
            alias = s.get("alias")
            assert name is not None
            facts.exports[_name_text(alias or name)] = Export(identifier_name(name.text or ""))
        return
    declaration = node.get("declaration")
    is_default = any(k.type == "default" for k in node.kids)
    if declaration is not None:
        stmt.prefix = (node.start, declaration.start)
        stmt.declares = _declared(declaration)
        if is_default:
            facts.exports["default"] = Export(stmt.declares[0])
        else:
            for declared in stmt.declares:
                facts.exports[declared] = Export(declared)
        _annotated(facts, node, stmt.declares)
        return
    value = node.get("value")
    assert value is not None and is_default
    stmt.prefix = (node.start, value.start)
    facts.exports["default"] = Export("default")
    stmt.declares = ["default"]
    if value.type in ("function_expression", "function", "generator_function", "class") \
            and value.get("name") is None:
        stmt.kind = "default-anonymous"
        anchor = value.get("parameters") or value.get("body")
        if value.type == "class":
            anchor = next((k for k in value.kids if k.type in ("class_heritage", "class_body")),
                          None)
        assert anchor is not None
        stmt.name_at = anchor.start
    else:
        stmt.kind = "default-expression"
        if value.type == "identifier":
            stmt.alias = identifier_name(value.text or "")
        stmt.needs_semicolon = facts.code[node.end - 1:node.end] != b";"
        if value.type in ("arrow_function", "function_expression", "function"):
            _annotated(facts, node, ["default"])


def _declared(node: N) -> list[str]:
    """Module-level names a declaration statement declares."""
    t = node.type
    if t in ("function_declaration", "generator_function_declaration", "class_declaration"):
        name = node.get("name")
        return [identifier_name(name.text or "")] if name is not None else []
    if t in ("lexical_declaration", "variable_declaration"):
        out: list[str] = []
        for declarator in node.kids:
            if declarator.type == "variable_declarator":
                target = declarator.get("name")
                if target is not None:
                    out.extend(identifier_name(leaf.text or "") for leaf in _leaves(target)
                               if leaf.type in ("identifier",
                                                "shorthand_property_identifier_pattern")
                               and _is_pattern_binding(leaf, target))
        return out
    return []


def _is_pattern_binding(leaf: N, pattern: N) -> bool:
    """Whether ``leaf`` in a destructuring ``pattern`` is a name it binds (not a key, not a
    default value)."""
    node = leaf
    while node is not pattern:
        parent = node.parent
        assert parent is not None
        if parent.type in ("pair_pattern",) and node.field == "key":
            return False
        if parent.type in ("assignment_pattern", "object_assignment_pattern") \
                and node.field == "right":
            return False
        if parent.type == "computed_property_name":
            return False
        node = parent
    return True


def _no_side_effects_comment(text: str | None) -> bool:
    return bool(text) and ("#__NO_SIDE_EFFECTS__" in text  # type: ignore[operator]
                           or "@__NO_SIDE_EFFECTS__" in text)  # type: ignore[operator]


def _annotated(facts: ModuleFacts, node: N, names: list[str]) -> None:
    """``/*#__NO_SIDE_EFFECTS__*/`` before a function (after ``export`` or before it, or
    before ``const f = function``/``() =>``): calls of ``names`` have no effect."""
    sibling = node.parent.kids if node.parent is not None else []
    at = next((i for i, k in enumerate(sibling) if k is node), -1)
    before = []
    while at > 0 and sibling[at - 1].type == "comment":
        at -= 1
        before.append(sibling[at])
    inner = [k for k in _head(node, 8) if k.type == "comment"]
    if any(_no_side_effects_comment(c.text) for c in before + inner):
        if node.type in ("lexical_declaration", "variable_declaration") or (
                node.type == "export_statement" and node.get("declaration") is not None
                and node.get("declaration").type in (  # type: ignore[union-attr]
                    "lexical_declaration", "variable_declaration")):
            decl = node if node.type != "export_statement" else node.get("declaration")
            assert decl is not None
            for declarator in decl.kids:
                value = declarator.get("value") if declarator.type == "variable_declarator" \
                    else None
                target = declarator.get("name") if value is not None else None
                if value is not None and target is not None and target.type == "identifier" \
                        and value.type in ("function_expression", "function", "arrow_function"):
                    facts.no_side_effects.add(identifier_name(target.text or ""))
            return
        facts.no_side_effects.update(names)


def _attach(facts: ModuleFacts, stmt: Statement, node: N, top: dict[str, Binding]) -> None:
    """``A.b = value`` and ``A.prototype.c = value`` go with ``A``'s declaration.

    Only for ``A`` declared in this module (not an import: assigning to an import's property
    changes another module's object)."""
    if node.type != "expression_statement" or not node.kids:
        return
    expr = node.kids[0]
    if expr.type != "assignment_expression":
        return
    left = expr.kids[0]
    if left.type != "member_expression":
        return
    obj = left
    while obj.type == "member_expression":
        obj = obj.kids[0]
    if obj.type != "identifier":
        return
    name = identifier_name(obj.text or "")
    if name not in top or name in facts.imports or name not in facts.declared:
        return
    stmt.attached_to = name


def previous_comments(statements: list[Statement], code: bytes) -> dict[int, int]:
    """For each statement, where the comments right before it start (for removal with it)."""
    out: dict[int, int] = {}
    for stmt in statements:
        start = stmt.start
        sibling = stmt.node.prev_sibling
        while sibling is not None and sibling.type == "comment":
            start = sibling.start_byte
            sibling = sibling.prev_sibling
        out[stmt.index] = start
    return out


__all__ = ["DynamicImport", "Export", "Import", "Member", "ModuleFacts", "Occurrence",
           "Statement", "analyse_module", "previous_comments"]
