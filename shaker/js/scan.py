"""Find every ``import.meta.hot`` site and the facts around it, on the syntax tree.

The scan decides *what* is special; ``strip`` and ``inject`` decide what to do about it.
It recognises every spelling of ``import.meta.hot`` that evaluates to it at run time:

- ``import.meta.hot``, ``import.meta?.hot``, ``import.meta['hot']``, comments between tokens;
- aliases of ``import.meta`` (``const m = import.meta; m.hot``) and destructuring
  (``const { hot } = import.meta``);
- aliases of the hot context itself (``const hot = import.meta.hot``), through any number of
  hops, respecting shadowing; ``let``/``var`` aliases count only if never reassigned.

It also finds ``import.meta.env.*`` and user ``define`` keys (constants to fold), the
module's import specifiers, and — for development — the ``accept()``/``decline()`` calls.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from tree_sitter import Node, Tree

from shaker.diagnostics import Diagnostic, Severity
from shaker.js.ancestry import Ancestry
from shaker.js.order import Order
from shaker.js.queries import captures
from shaker.js.scope import (
    Binding,
    ParentOf,
    Scopes,
    name_of,
    named,
    pattern_names,
    pattern_target_root,
)
from shaker.js.values import UNDEFINED, parse_constant, render_value
from shaker.source import Source


@dataclass(frozen=True)
class Special:
    """A node whose production value is known: ``import.meta.hot``, an env key, a define."""

    node: Node
    kind: Literal["hot", "const", "text"]
    value: object = UNDEFINED  # for "hot" and "const"
    text: str = ""  # for "text": an expression to substitute (object literal, define value)
    # A "hot" alias read that may run before its `let`/`const` declaration (TDZ): its value
    # is undefined, but evaluating it must still read this identifier, which may throw.
    read: Node | None = None


@dataclass(frozen=True)
class AliasDecl:
    """A declaration that only exists to name ``import.meta`` or ``import.meta.hot``."""

    binding: Binding
    declarator: Node
    element: Node | None = None  # the `hot` element of `const { hot } = import.meta`


@dataclass(frozen=True)
class HotElement:
    """One ``hot`` entry of ``{ …, hot: target = default, … } = import.meta``."""

    element: Node
    target: Node  # what receives the value: a name or a nested pattern
    default: Node | None
    alias: AliasDecl | None  # a plain name never written: its reads fold


@dataclass(frozen=True)
class Destructure:
    """A declarator that destructures ``hot`` from ``import.meta``; production rewrites it
    into declarators without ``hot`` (``const { hot: h = 5 } = import.meta`` → ``const h = 5``).
    """

    declarator: Node
    pattern: Node
    elements: tuple[HotElement, ...]
    merge: bool = False  # a rest element: keep the other entries together, before `hot`'s


@dataclass(frozen=True)
class ImportRecord:
    """One module dependency: its specifier and where the string literal sits."""

    specifier: str
    kind: Literal["static", "dynamic", "reexport", "hot-accept"]
    start: int  # byte range of the string literal, quotes included
    end: int
    attributes: tuple[int, int] | None = None  # ``with { type: "json" }`` after the string


@dataclass
class ScanResult:
    """Everything the strip and inject phases need to know about one module."""

    specials: dict[int, Special] = field(default_factory=dict)
    hot_refs: list[Node] = field(default_factory=list)
    alias_decls: list[AliasDecl] = field(default_factory=list)
    destructures: list[Destructure] = field(default_factory=list)
    kept_alias_refs: list[Node] = field(default_factory=list)
    hot_written: Node | None = None
    uses_env: bool = False
    self_accepting: bool = False
    accepted_deps: list[ImportRecord] = field(default_factory=list)
    declines: bool = False
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def uses_hot(self) -> bool:
        return bool(self.hot_refs) or self.hot_written is not None


def unparen(node: Node, parent_of: ParentOf | None = None) -> Node:
    """The outermost parenthesized expression around ``node`` (or ``node`` itself);
    ``parent_of`` is ``Scopes.parent`` where there is one (``node.parent`` is O(depth))."""
    parent = parent_of(node) if parent_of is not None else node.parent
    while parent is not None and parent.type == "parenthesized_expression":
        node = parent
        parent = parent_of(node) if parent_of is not None else node.parent
    return node


def string_value(node: Node) -> str | None:
    """The value of a string literal or substitution-free template, else None."""
    if node.type == "string":
        raw = (node.text or b"").decode("utf-8", "surrogatepass")
        return unescape(raw[1:-1]) if "\\" in raw else raw[1:-1]
    if node.type == "template_string":
        if any(c.type == "template_substitution" for c in node.children):
            return None
        raw = (node.text or b"").decode("utf-8", "surrogatepass")
        if "\r" in raw:
            return None  # a template's CR and CRLF read as LF: not worth modelling
        return unescape(raw[1:-1]) if "\\" in raw else raw[1:-1]
    return None


_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v"}


def unescape(body: str) -> str | None:
    """The value of a string literal's body (escapes decoded), or None if it uses an escape
    a module cannot hold (legacy octal)."""
    out: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        if i + 1 >= n:
            return None
        e = body[i + 1]
        i += 2
        if e in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[e])
        elif e == "x":
            try:
                out.append(chr(int(body[i:i + 2], 16)))
            except ValueError:
                return None
            i += 2
        elif e == "u":
            if body.startswith("{", i):
                end = body.find("}", i)
                if end < 0:
                    return None
                digits, i = body[i + 1:end], end + 1
            else:
                digits, i = body[i:i + 4], i + 4
            try:
                code = int(digits, 16)
            except ValueError:
                return None
            if 0xDC00 <= code <= 0xDFFF and out and "\ud800" <= out[-1] <= "\udbff":
                high = ord(out.pop())  # the second half of a surrogate pair
                code = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)
            out.append(chr(code))
        elif e == "0" and not (i < n and body[i].isdigit()):
            out.append("\0")
        elif e.isdigit():
            return None
        elif e == "\r":
            i += 1 if body.startswith("\n", i) else 0  # line continuation
        elif e in "\n\u2028\u2029":
            pass
        else:
            out.append(e)
    if any("\ud800" <= c <= "\udfff" for c in out):
        return None  # a lone surrogate: no Python str compares like it
    return "".join(out)


class Scanner:
    """One pass over a parsed module; see :func:`scan`."""

    def __init__(self, tree: Tree, source: Source, scopes: Scopes, *, env: dict[str, object],
                 define: dict[str, str], fold_env: bool, development: bool) -> None:
        self.tree = tree
        self.source = source
        self.scopes = scopes
        self.env = env
        self.define = define
        self.fold_env = fold_env
        self.development = development
        self.result = ScanResult()
        self._seen_hot: set[int] = set()
        self.order = Order(scopes)
        self.parent = scopes.parent

    # -- import.meta -------------------------------------------------------------------
    def run(self) -> ScanResult:
        bases = deque(import_meta_nodes(self.tree, self.source.code, self.scopes.ancestry))
        while bases:
            self._base(bases.popleft(), bases)
        if self.define:
            self._defines()
        if self.development:
            for ref in self.result.hot_refs:
                self._accept_facts(ref)
        return self.result

    def _base(self, base: Node, queue: deque[Node]) -> None:
        """``base`` evaluates to ``import.meta``; classify how it is used."""
        outer = unparen(base, self.parent)
        parent = self.parent(outer)
        if parent is None:
            return
        _check_not_declared(self.source, base, self.parent)
        pt = parent.type
        if pt in ("member_expression", "subscript_expression") and (
            parent.child_by_field_name("object") == outer
        ):
            key = self._member_key(parent)
            if key == "hot":
                self._hot(parent)
            elif key == "env":
                self._env(parent)
        elif pt == "variable_declarator" and parent.child_by_field_name("value") == outer:
            name = parent.child_by_field_name("name")
            if name is None:
                return
            if name.type == "identifier":
                binding = self._constant_binding(parent, name)
                if binding is not None:
                    self.result.alias_decls.append(AliasDecl(binding, parent))
                    for ref in self.scopes.references(binding):
                        if self._runs_after(ref, binding, parent):
                            queue.append(ref)
                        else:
                            self._guarded_meta(ref)
            elif name.type == "object_pattern":
                self._destructure(parent, name)
        elif pt in ("assignment_pattern", "object_assignment_pattern", "assignment_expression"
                    ) and parent.child_by_field_name("right") == outer:
            left = parent.child_by_field_name("left")
            if left is None or left.type != "object_pattern" or not any(
                    self._hot_entry(e) is not None for e in named(left)):
                return
            holder = self.parent(unparen(parent, self.parent))
            if pt == "assignment_expression" and (holder is None
                                                  or holder.type != "expression_statement"):
                self._unsupported(parent, "destructuring `hot` from import.meta in an "
                                  "expression whose value is used")
                return
            # A default value or a statement: destructure a copy without `hot` instead.
            self.result.hot_refs.append(base)
            self.result.specials[base.id] = Special(
                base, "hot", text="{ __proto__: null, ...import.meta, hot: void 0 }")

    def _runs_after(self, ref: Node, binding: Binding, declarator: Node) -> bool:
        """Whether ``ref`` certainly reads the binding after ``declarator`` ran (no TDZ)."""
        decl = self.parent(declarator)
        if decl is None or decl.type != "lexical_declaration":
            return True  # `var`: undefined before its declaration runs, as after
        return self.order.after(ref, binding, declarator)

    def _guarded_meta(self, ref: Node) -> None:
        """``ref`` names ``import.meta`` but may run in its alias's TDZ: ``ref.hot`` keeps
        the read of ``ref`` and is undefined otherwise."""
        outer = unparen(ref, self.parent)
        parent = self.parent(outer)
        if parent is not None and parent.type in ("member_expression", "subscript_expression") \
                and parent.child_by_field_name("object") == outer \
                and self._member_key(parent) == "hot":
            outer_member = unparen(parent, self.parent)
            grand = self.parent(outer_member)
            if grand is not None and _is_write_target(grand, outer_member):
                return
            self.result.hot_refs.append(parent)
            self.result.specials[parent.id] = Special(parent, "hot", read=ref)

    def _member_key(self, node: Node) -> str | None:
        if node.type == "member_expression":
            prop = node.child_by_field_name("property")
            if prop is None or prop.type != "property_identifier":
                return None
            return name_of(prop)
        index = node.child_by_field_name("index")
        return string_value(index) if index is not None else None

    def _constant_binding(self, declarator: Node, name: Node) -> Binding | None:
        """The binding declared by ``name`` if it can never hold another value."""
        binding = self.scopes.resolve(name)
        if binding is None or binding.declaration != name:
            return None
        decl = self.parent(declarator)
        if decl is not None and decl.type == "lexical_declaration":
            kind = decl.child_by_field_name("kind")
            if kind is not None and kind.type == "const":
                return binding
        if self.scopes.is_reassigned(binding) or self.scopes.redeclared(binding):
            return None
        return binding

    def _hot_entry(self, element: Node) -> tuple[Node, Node | None] | None:
        """``(target, default)`` if ``element`` of an object pattern reads key ``hot``."""
        t = element.type
        if t == "shorthand_property_identifier_pattern":
            return (element, None) if name_of(element) == "hot" else None
        if t == "object_assignment_pattern":
            left = element.child_by_field_name("left")
            right = element.child_by_field_name("right")
            if left is not None and left.type == "shorthand_property_identifier_pattern" and (
                    name_of(left) == "hot"):
                return left, right
            return None
        if t != "pair_pattern":
            return None
        key = element.child_by_field_name("key")
        value = element.child_by_field_name("value")
        if key is None or value is None or property_key(key) != "hot":
            return None
        if value.type == "assignment_pattern":
            left = value.child_by_field_name("left")
            if left is None:
                return None
            return left, value.child_by_field_name("right")
        return value, None

    def _destructure(self, declarator: Node, pattern: Node) -> None:
        elements: list[HotElement] = []
        for element in named(pattern):
            entry = self._hot_entry(element)
            if entry is None:
                continue
            target, default = entry
            alias = None
            if default is None and target.type in ("identifier",
                                                   "shorthand_property_identifier_pattern"):
                binding = self._constant_binding(declarator, target)
                if binding is not None:
                    alias = AliasDecl(binding, declarator, element)
                    self.result.alias_decls.append(alias)
                    self._alias_refs(binding, declarator)
            elif self.development:
                # The module reads import.meta.hot; in development it is always defined, so
                # a default never applies and a plain name still names the hot context.
                self.result.hot_refs.append(target)
                if target.type in ("identifier", "shorthand_property_identifier_pattern"):
                    binding = self._constant_binding(declarator, target)
                    if binding is not None:
                        self._alias_refs(binding, declarator)
            elements.append(HotElement(element, target, default, alias))
        if not elements:
            return
        rest = any(e.type == "rest_pattern" for e in named(pattern))
        if rest and any(e.default is not None and not _is_literal(e.default) for e in elements):
            # `{ hot: h = f(), ...rest }`: splitting the pattern would change what `rest`
            # collects, and moving `f()` after the other entries could change behaviour.
            self._unsupported(elements[0].element, "a computed default for `hot` beside a "
                              "rest element")
            self.result.alias_decls = [a for a in self.result.alias_decls
                                       if a.declarator != declarator]
            return
        self.result.destructures.append(Destructure(declarator, pattern, tuple(elements), rest))

    # -- import.meta.hot ---------------------------------------------------------------
    def _hot(self, node: Node) -> None:
        """``node`` evaluates to ``import.meta.hot``."""
        if node.id in self._seen_hot:
            return
        self._seen_hot.add(node.id)
        outer = unparen(node, self.parent)
        parent = self.parent(outer)
        if parent is not None and _is_write_target(parent, outer, delete=False):
            if self.result.hot_written is None:
                self.result.hot_written = node
            return
        self.result.hot_refs.append(node)
        self.result.specials[node.id] = Special(node, "hot")
        if parent is not None and parent.type == "variable_declarator" and (
            parent.child_by_field_name("value") == outer
        ):
            name = parent.child_by_field_name("name")
            if name is not None and name.type == "identifier":
                binding = self._constant_binding(parent, name)
                if binding is not None:
                    self.result.alias_decls.append(AliasDecl(binding, parent))
                    self._alias_refs(binding, parent)

    def _alias_refs(self, binding: Binding, declarator: Node) -> None:
        for ref in self.scopes.references(binding):
            parent = self.parent(ref)
            if parent is not None and parent.type == "export_specifier":
                self.result.kept_alias_refs.append(ref)
            elif self._runs_after(ref, binding, declarator):
                self._hot(ref)
            elif ref.id not in self._seen_hot:
                self._seen_hot.add(ref.id)
                self.result.hot_refs.append(ref)
                self.result.specials[ref.id] = Special(ref, "hot", read=ref)

    # -- import.meta.env and define ----------------------------------------------------
    def _env(self, env: Node) -> None:
        self.result.uses_env = True
        if not self.fold_env:
            return
        outer = unparen(env, self.parent)
        parent = self.parent(outer)
        if parent is not None and _is_write_target(parent, outer):
            return
        if parent is not None and parent.type in ("member_expression", "subscript_expression") \
                and parent.child_by_field_name("object") == outer:
            key = self._member_key(parent)
            if key is not None:
                outer_member = unparen(parent, self.parent)
                grand = self.parent(outer_member)
                if grand is not None and _is_write_target(grand, outer_member):
                    return
                value = self.env.get(key, UNDEFINED)
                self.result.specials[parent.id] = Special(parent, "const", value)
                return
        literal = "{" + ", ".join(
            f"{json.dumps(k)}: {render_value(v)}" for k, v in sorted(self.env.items())
        ) + "}"
        self.result.specials[env.id] = Special(env, "text", text=literal)

    def _defines(self) -> None:
        root = self.tree.root_node
        for key, value_text in self.define.items():
            parts = key.split(".")
            if parts[0] == "import":  # import.meta.* keys are handled as env / keep_hot
                continue
            constant = parse_constant(value_text)
            for ident in self.scopes.occurrences(parts[0], root):
                if ident.type != "identifier" or self.scopes.resolve(ident) is not None:
                    continue
                node = ident
                for part in parts[1:]:
                    parent = self.parent(node)
                    if parent is None or parent.type != "member_expression" or (
                        parent.child_by_field_name("object") != node
                    ):
                        break
                    prop = parent.child_by_field_name("property")
                    if prop is None or name_of(prop) != part:
                        break
                    node = parent
                else:
                    outer = unparen(node, self.parent)
                    holder = self.parent(outer)
                    if holder is not None and (
                        _is_write_target(holder, outer) or holder.type == "export_specifier"
                    ):
                        continue
                    if node.id in self.result.specials:
                        continue
                    if constant is not None:
                        self.result.specials[node.id] = Special(node, "const", constant.value)
                    else:
                        self.result.specials[node.id] = Special(node, "text", text=value_text)

    # -- development facts -------------------------------------------------------------
    def _accept_facts(self, ref: Node) -> None:
        outer = unparen(ref, self.parent)
        member = self.parent(outer)
        if member is None or member.type != "member_expression" or (
            member.child_by_field_name("object") != outer
        ):
            return
        prop = member.child_by_field_name("property")
        method = name_of(prop) if prop is not None else ""
        if method == "decline":
            self.result.declines = True
            return
        if method not in ("accept", "acceptExports"):
            return
        call = self.parent(member)
        if call is None or call.type != "call_expression" or (
            call.child_by_field_name("function") != member
        ):
            return
        if method == "acceptExports":
            self.result.self_accepting = True
            return
        args_node = call.child_by_field_name("arguments")
        args = named(args_node) if args_node is not None else []
        first = args[0] if args else None
        if first is None or first.type not in ("string", "template_string", "array"):
            self.result.self_accepting = True
            return
        elements = named(first) if first.type == "array" else [first]
        for element in elements:
            dep = string_value(element)
            if dep is None:
                self.result.diagnostics.append(Diagnostic.at(
                    self.source, element.start_byte,
                    "import.meta.hot.accept() can only accept string literals or an Array of "
                    "string literals",
                    severity=Severity.ERROR, id="hot-accept-dynamic"))
                continue
            self.result.accepted_deps.append(
                ImportRecord(dep, "hot-accept", element.start_byte, element.end_byte))

    def _unsupported(self, node: Node, what: str) -> None:
        self.result.diagnostics.append(Diagnostic.at(
            self.source, node.start_byte, f"shaker does not rewrite {what}; it is left as is",
            severity=Severity.WARNING, id="hot-unsupported"))


def _check_not_declared(source: Source, base: Node, parent_of: ParentOf) -> None:
    """``function f(import.meta.hot)``, ``const [import.meta.x] = a``: tree-sitter takes a
    member expression as a declared name; V8 rejects it (only names are declared)."""
    node = base
    parent = parent_of(node)
    while parent is not None and parent.type in (
            "member_expression", "subscript_expression") and (
            parent.child_by_field_name("object") == node):
        node = parent
        parent = parent_of(node)
    if parent is None:
        return
    declared = parent.type == "formal_parameters"
    if not declared and parent.type in _PATTERN_TYPES:
        root = pattern_target_root(node, parent_of)
        declared = root is not None and (
            root.type in ("variable_declarator", "formal_parameters", "catch_clause")
            or (root.type == "for_in_statement"
                and root.child_by_field_name("kind") is not None))
    if declared:
        from shaker.errors import ShakerSyntaxError

        raise ShakerSyntaxError(Diagnostic.at(
            source, base.start_byte, "Unexpected token 'import'",
            severity=Severity.ERROR), source)


_PATTERN_TYPES = frozenset({"array_pattern", "object_pattern", "pair_pattern", "rest_pattern",
                            "assignment_pattern", "object_assignment_pattern"})


def _is_literal(node: Node) -> bool:
    return node.type in ("number", "string", "true", "false", "null", "undefined") or (
        node.type == "template_string" and not any(
            c.type == "template_substitution" for c in node.children))


def property_key(key: Node) -> str | None:
    """The name a property key stands for (``hot``, ``"hot"``, ``h\\u006ft``,
    ``["hot"]``), or None when it is not known before run time."""
    t = key.type
    if t in ("property_identifier", "shorthand_property_identifier_pattern"):
        return name_of(key)
    if t == "computed_property_name":
        inner = named(key)
        return string_value(inner[0]) if len(inner) == 1 else None
    return string_value(key)


def _is_write_target(parent: Node, child: Node, *, delete: bool = True) -> bool:
    """Whether ``child`` is assigned (or, with ``delete``, deleted) by ``parent``.

    ``delete import.meta.hot`` deletes a property that does not exist in production: it is
    ``true`` and changes nothing, so for ``hot`` it is a read (see ``fold``), not a write.
    """
    t = parent.type
    if t in ("assignment_expression", "augmented_assignment_expression"):
        return parent.child_by_field_name("left") == child
    if t == "update_expression":
        return True
    if t == "unary_expression":
        op = parent.child_by_field_name("operator")
        return delete and op is not None and op.type == "delete"
    if t == "for_in_statement":
        return parent.child_by_field_name("left") == child
    return False


def import_meta_nodes(tree: Tree, code: bytes, ancestry: Ancestry | None = None) -> list[Node]:
    """Every ``import.meta`` node, in source order.

    The ``meta`` keyword cannot be escaped, so each one is a literal ``meta`` in the bytes:
    finding those and asking the tree what sits there is much cheaper than a query over
    the whole tree (most files mention ``meta`` a handful of times).  ``ancestry`` finds
    them all in one walk and records their parents (``Scopes.ancestry``).
    """
    ancestry = ancestry or Ancestry(tree)
    positions = []
    pos = code.find(b"meta")
    while pos >= 0:
        positions.append((pos, pos + 4))
        pos = code.find(b"meta", pos + 4)
    out = []
    for node in ancestry.deepest(positions):
        if node.type == "meta" and (meta := ancestry.parent(node)) is not None:
            first = meta.child(0)
            if meta.type == "meta_property" and first is not None and first.type == "import":
                out.append(meta)
    return out


def module_imports(tree: Tree, code: bytes) -> list[ImportRecord]:
    """Static imports, re-exports and literal dynamic imports, in source order."""
    from shaker.js.parse import attribute_clause

    found = captures("imports", tree.root_node)
    out = []
    for kind in ("static", "reexport", "dynamic"):
        for node in found.get(kind, ()):
            value = string_value(node)
            if value is not None:
                clause = attribute_clause(code, node.end_byte) if kind != "dynamic" else None
                out.append(ImportRecord(value, kind, node.start_byte, node.end_byte, clause))
    out.sort(key=lambda r: r.start)
    return out


def scan(tree: Tree, source: Source, scopes: Scopes, *, env: dict[str, object],
         define: dict[str, str], fold_env: bool, development: bool) -> ScanResult:
    """Collect the special nodes and facts of one parsed module."""
    return Scanner(tree, source, scopes, env=env, define=define, fold_env=fold_env,
                   development=development).run()


__all__ = [
    "AliasDecl",
    "ImportRecord",
    "ScanResult",
    "Special",
    "module_imports",
    "pattern_names",
    "scan",
]
