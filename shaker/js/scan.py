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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from tree_sitter import Node, Tree

from shaker.diagnostics import Diagnostic, Severity
from shaker.js.ancestry import Ancestry
from shaker.js.queries import captures
from shaker.js.scope import Binding, Scopes, named, pattern_names
from shaker.js.values import UNDEFINED, parse_constant, render_value
from shaker.source import Source


@dataclass(frozen=True)
class Special:
    """A node whose production value is known: ``import.meta.hot``, an env key, a define."""

    node: Node
    kind: Literal["hot", "const", "text"]
    value: object = UNDEFINED  # for "hot" and "const"
    text: str = ""  # for "text": an expression to substitute (object literal, define value)


@dataclass(frozen=True)
class AliasDecl:
    """A declaration that only exists to name ``import.meta`` or ``import.meta.hot``."""

    binding: Binding
    declarator: Node
    element: Node | None = None  # the `hot` element of `const { hot } = import.meta`


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


def unparen(node: Node, parent_of: Callable[[Node], Node | None] | None = None) -> Node:
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
        raw = node.text.decode("utf-8", "replace")
        if "\\" not in raw:
            return raw[1:-1]
        try:  # JSON covers the common escapes; anything exotic is treated as unknown
            return json.loads('"' + raw[1:-1].replace('"', '\\"').replace("\\'", "'") + '"')
        except ValueError:
            return None
    if node.type == "template_string":
        if any(c.type == "template_substitution" for c in node.children):
            return None
        raw = node.text.decode("utf-8", "replace")
        return raw[1:-1] if "\\" not in raw else None
    return None


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
        self.parent = scopes.parent

    # -- import.meta -------------------------------------------------------------------
    def run(self) -> ScanResult:
        bases = import_meta_nodes(self.tree, self.source.code, self.scopes.ancestry)
        bases.reverse()
        while bases:
            self._base(bases.pop(), bases)
        if self.define:
            self._defines()
        if self.development:
            for ref in self.result.hot_refs:
                self._accept_facts(ref)
        return self.result

    def _base(self, base: Node, queue: list[Node]) -> None:
        """``base`` evaluates to ``import.meta``; classify how it is used."""
        outer = unparen(base, self.parent)
        parent = self.parent(outer)
        if parent is None:
            return
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
                    references = list(self.scopes.references(binding))
                    self.scopes.ancestry.index(references)
                    queue[:0] = references[::-1]  # popped from the end: in source order
            elif name.type == "object_pattern":
                self._destructure(parent, name)

    def _member_key(self, node: Node) -> str | None:
        if node.type == "member_expression":
            prop = node.child_by_field_name("property")
            if prop is None or prop.type != "property_identifier":
                return None
            return identifier_name(prop.text.decode())
        index = node.child_by_field_name("index")
        return string_value(index) if index is not None else None

    def _constant_binding(self, declarator: Node, name: Node) -> Binding | None:
        """The binding declared by ``name`` if it can never hold another value."""
        binding = self.scopes.resolve(name)
        if binding is None or binding.declaration != name:
            return None
        decl = declarator.parent
        if decl is not None and decl.type == "lexical_declaration":
            kind = decl.child_by_field_name("kind")
            if kind is not None and kind.type == "const":
                return binding
        return None if self.scopes.is_reassigned(binding) else binding

    def _destructure(self, declarator: Node, pattern: Node) -> None:
        for element in named(pattern):
            if element.type == "shorthand_property_identifier_pattern" and element.text == b"hot":
                local = element
            elif element.type == "pair_pattern":
                key = element.child_by_field_name("key")
                value = element.child_by_field_name("value")
                key_text = None
                if key is not None:
                    key_text = key.text.decode() if key.type == "property_identifier" \
                        else string_value(key)
                if key_text != "hot" or value is None:
                    continue
                if value.type != "identifier":
                    self._unsupported(element, "destructuring `hot` into a pattern")
                    continue
                local = value
            elif element.type == "object_assignment_pattern":
                left = element.child_by_field_name("left")
                if left is not None and left.text == b"hot":
                    self._unsupported(element, "a default value for `hot` from import.meta")
                continue
            else:
                continue
            binding = self.scopes.resolve(local) if local.type == "identifier" else \
                self._pattern_binding(local)
            if binding is None:
                continue
            if self.scopes.is_reassigned(binding):
                self._unsupported(element, "`hot` destructured from import.meta is reassigned")
                continue
            self.result.alias_decls.append(AliasDecl(binding, declarator, element))
            self._alias_refs(binding)

    def _pattern_binding(self, ident: Node) -> Binding | None:
        name = ident.text.decode()
        for scope in self.scopes.scope_chain(ident):
            decl = self.scopes.lookup(scope, name)
            if decl is not None:
                return Binding(scope, name, decl)
        return None

    # -- import.meta.hot ---------------------------------------------------------------
    def _hot(self, node: Node) -> None:
        """``node`` evaluates to ``import.meta.hot``."""
        if node.id in self._seen_hot:
            return
        self._seen_hot.add(node.id)
        outer = unparen(node, self.parent)
        parent = self.parent(outer)
        if parent is not None and _is_write_target(parent, outer):
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
                    self._alias_refs(binding)

    def _alias_refs(self, binding: Binding) -> None:
        for ref in self.scopes.references(binding):
            parent = ref.parent
            if parent is not None and parent.type == "export_specifier":
                self.result.kept_alias_refs.append(ref)
            else:
                self._hot(ref)

    # -- import.meta.env and define ----------------------------------------------------
    def _env(self, env: Node) -> None:
        self.result.uses_env = True
        if not self.fold_env:
            return
        outer = unparen(env)
        parent = outer.parent
        if parent is not None and _is_write_target(parent, outer):
            return
        if parent is not None and parent.type in ("member_expression", "subscript_expression") \
                and parent.child_by_field_name("object") == outer:
            key = self._member_key(parent)
            if key is not None:
                grand = unparen(parent).parent
                if grand is not None and _is_write_target(grand, unparen(parent)):
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
                    parent = node.parent
                    if parent is None or parent.type != "member_expression" or (
                        parent.child_by_field_name("object") != node
                    ):
                        break
                    prop = parent.child_by_field_name("property")
                    if prop is None or prop.text.decode() != part:
                        break
                    node = parent
                else:
                    outer = unparen(node)
                    if outer.parent is not None and (
                        _is_write_target(outer.parent, outer)
                        or outer.parent.type == "export_specifier"
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
        method = prop.text.decode() if prop is not None else ""
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


def _is_write_target(parent: Node, child: Node) -> bool:
    t = parent.type
    if t in ("assignment_expression", "augmented_assignment_expression"):
        return parent.child_by_field_name("left") == child
    if t == "update_expression":
        return True
    if t == "unary_expression":
        op = parent.child_by_field_name("operator")
        return op is not None and op.type == "delete"
    if t == "for_in_statement":
        return parent.child_by_field_name("left") == child
    return False


def import_meta_nodes(tree: Tree, code: bytes, ancestry: Ancestry | None = None) -> list[Node]:
    """Every ``import.meta`` node, in source order.

    The ``meta`` keyword cannot be escaped, so each one is a literal ``meta`` in the bytes:
    finding those and asking the tree what sits there is much cheaper than a query over
    the whole tree (most files mention ``meta`` a handful of times).
    """
    ancestry = ancestry or Ancestry(tree)
    positions = []
    pos = code.find(b"meta")
    while pos >= 0:
        positions.append((pos, pos + 4))
        pos = code.find(b"meta", pos + 4)
    out = []
    for node in ancestry.deepest(positions):  # one walk, not one descent from the root each
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
