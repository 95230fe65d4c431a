"""React Fast Refresh registration: what ``react-refresh/babel`` adds, as byte-range edits.

React's runtime keeps a component's state across an edit when it can tell that the new
function is "the same component" with "the same hooks". This module adds the two kinds of
calls it needs, in the shape of React's Babel plugin (``ReactFreshBabelPlugin.js``):

- **Registration.** Each top-level component gets a handle and one ``$RefreshReg$`` call at the
  end of the file: ``function App() {…};_c = App;`` … ``$RefreshReg$(_c, "<id> App");``.
  Components are what the plugin counts: functions and arrow/function expressions bound to a
  capitalised top-level name, the same wrapped in calls (``memo(…)``, ``forwardRef(…)``,
  ``hoc1(hoc2(…))``: the inner function is registered as ``Name$memo``), a capitalised
  variable used as a JSX tag (``const Title = styled.h1`…`;`` then ``<Title>``) and
  ``export default memo(…)`` (``%default%``). The registration id carries ``module_id``, so the
  page's ``$RefreshReg$`` is simply ``(type, id) => runtime.register(type, id)`` and modules
  need not swap a global around their evaluation (which top-level ``await`` would break).
- **Hook signatures.** Every function that calls hooks (``useX(…)``, ``obj.useX(…)``) gets
  ``var _s = $RefreshSig$();``, a ``_s();`` as the first statement of its body, and
  ``_s(Fn, "key", forceReset, function () { return [customHooks]; })`` after it (or around
  it, and around each call wrapping it, when it has no name). The key is the plugin's:
  one ``name{lhs(initial)}`` line per hook call in order, where ``lhs`` is the source of the
  destructuring it is assigned to and ``(initial)`` the source of ``useState``'s first or
  ``useReducer``'s second argument; by default it is hashed (base64 SHA-1, as the plugin
  does under Node), so adding, removing or reordering hooks (or editing a ``useState``
  initial value) changes it and editing anything else does not. Custom hooks that are not
  bound where the signature is emitted force a reset, as does a ``@refresh reset`` comment.

**Order in the pipeline: TypeScript erasure → refresh → JSX → the hot transform.** Refresh
runs on JSX source, as the Babel plugin does in Vite (plugin-react runs it before esbuild
lowers JSX): a variable is a component when it is used as a JSX tag, which is only visible
before lowering, and hook keys are then the user's own source. JSX lowering leaves the added
calls alone (they hold no JSX), and its map composes over this one.

The edits are insertions only, on the lines they belong to (the registrations go on one new
last line), so line numbers do not move.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tree_sitter import Node, QueryCursor, Tree

from shaker.diagnostics import Diagnostic
from shaker.js.edits import EditBuffer
from shaker.js.names import spelled
from shaker.js.parse import parse
from shaker.js.queries import query
from shaker.js.scope import Scopes, named
from shaker.source import Source

if TYPE_CHECKING:
    from shaker.js.sourcemap import SourceMap

__all__ = ["BUILTIN_HOOKS", "RefreshResult", "hook_signature_key", "register_refresh"]

BUILTIN_HOOKS = frozenset({"useState", "useReducer", "useEffect", "useLayoutEffect", "useMemo",
                           "useCallback", "useRef", "useContext", "useImperativeHandle",
                           "useDebugValue"})
_FUNCTIONS = frozenset({"function_declaration", "function_expression", "function",
                        "arrow_function", "method_definition", "generator_function_declaration",
                        "generator_function"})
_SIGNED = frozenset({"function_declaration", "function_expression", "function",
                     "arrow_function", "generator_function_declaration",
                     "generator_function"})  # the plugin's visitors: no methods
_EXPORTS = ("export_statement",)


@dataclass(frozen=True)
class RefreshResult:
    """The module with registrations and signatures, and what the dev server needs to know."""

    code: str
    map: SourceMap | None = None
    components: list[str] = field(default_factory=list)  # registration ids, without module_id
    has_hooks: bool = False  # some function got a hook signature
    boundary_candidate: bool = False  # it exports something, and only components
    changed: bool = False
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass
class _Hook:
    name: str  # `useState` for both `useState(…)` and `React.useState(…)`
    key: str
    callee: Node


def _is_hook_name(name: str) -> bool:
    return len(name) > 3 and name.startswith("use") and "A" <= name[3] <= "Z"


def _is_component_name(name: str) -> bool:
    return bool(name) and "A" <= name[0] <= "Z"


def hook_signature_key(hooks: list[tuple[str, str]]) -> str:
    """The plugin's signature key for ``(hook name, key)`` pairs, before hashing.

    >>> print(hook_signature_key([("useState", "[n, setN](0)"), ("useEffect", "")]))
    useState{[n, setN](0)}
    useEffect{}
    """
    return "\n".join(f"{name}{{{key}}}" for name, key in hooks)


def _hash(key: str) -> str:
    return base64.b64encode(hashlib.sha1(key.encode("utf-8")).digest()).decode()


class _Refresh:
    """The edits for one module; see the module docstring."""

    def __init__(self, source: Source, tree: Tree, module_id: str, full_signatures: bool
                 ) -> None:
        self.source = source
        self.code = source.code
        self.tree = tree
        self.root = tree.root_node
        self.module_id = module_id
        self.full_signatures = full_signatures
        self.scopes = Scopes(tree, source.code)
        self.inserts: list[tuple[int, int, int, str]] = []  # (pos, rank, order, text)
        self.registrations: list[tuple[str, str]] = []  # (handle, persistent id)
        self.signature_vars: dict[int, list[str]] = {}  # insertion point -> `_s` names
        self.taken: set[str] = set()
        self.hooks: dict[int, list[_Hook]] = {}  # function node id -> its hook calls
        self.force_reset = False
        self._order = 0
        self._after: set[int] = set()  # statement ends that already got a `;`

    # -- helpers --------------------------------------------------------------------------
    def text(self, node: Node) -> str:
        return self.code[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def insert(self, pos: int, text: str, rank: int = 0) -> None:
        """Queue an insertion; at one position lower ranks come first, then call order."""
        self._order += 1
        self.inserts.append((pos, rank, self._order, text))

    def fresh(self, base: str) -> str:
        """Babel's ``generateUidIdentifier``: ``_c``, ``_c2``… not spelled in the file."""
        n = 1
        name = base
        while name in self.taken or spelled(self.code, name):
            n += 1
            name = f"{base}{n}"
        self.taken.add(name)
        return name

    def after_statement(self, statement: Node, text: str) -> None:
        """Insert a statement right after ``statement``, on its line, ASI-safe both ways."""
        end = statement.end_byte
        sep = "" if self.code[end - 1:end] == b";" or end in self._after else ";"
        self._after.add(end)
        self.insert(end, f"{sep}{text};", rank=1)

    # -- hooks ----------------------------------------------------------------------------
    def collect(self) -> None:
        for _, match in QueryCursor(query("refresh")).matches(self.root):
            if "comment" in match:
                if b"@refresh reset" in self.code[match["comment"][0].start_byte:
                                                  match["comment"][0].end_byte]:
                    self.force_reset = True
                continue
            call = match["call"][0]
            name = self.text(match["callee"][0])
            if not _is_hook_name(name):
                continue
            fn = call.parent
            while fn is not None and fn.type not in _FUNCTIONS:
                fn = fn.parent
            if fn is None:
                continue
            key = ""
            parent = call.parent
            if parent is not None and parent.type == "variable_declarator" and (
                    parent.child_by_field_name("value") == call):
                lhs = parent.child_by_field_name("name")
                key = self.text(lhs) if lhs is not None else ""
            args_node = call.child_by_field_name("arguments")
            args = named(args_node) if args_node is not None else []
            if name == "useState" and args:
                key += "(" + self.text(args[0]) + ")"
            elif name == "useReducer" and len(args) > 1:
                key += "(" + self.text(args[1]) + ")"
            callee = call.child_by_field_name("function")
            assert callee is not None
            self.hooks.setdefault(fn.id, []).append(_Hook(name, key, callee))
        for calls in self.hooks.values():
            calls.sort(key=lambda h: h.callee.start_byte)

    def signatures(self) -> int:
        """Emit the signature of every function with hook calls; returns how many."""
        count = 0
        stack = [self.root]
        functions: list[Node] = []
        wanted = set(self.hooks)
        if not wanted:
            return 0
        while stack:  # the functions that own hook calls, found by walking down to them
            node = stack.pop()
            if node.id in wanted and node.type in _SIGNED:
                functions.append(node)
            stack.extend(c for c in node.children if c.child_count or c.id in wanted)
        for fn in sorted(functions, key=lambda n: n.start_byte):
            if fn.type.endswith("_declaration") and fn.child_by_field_name("name") is None:
                continue
            self.signature(fn, self.hooks[fn.id])
            count += 1
        return count

    def signature(self, fn: Node, hooks: list[_Hook]) -> None:
        handle = self.fresh("_s")
        self.declare_signature(fn, handle)
        self.first_statement(fn, f"{handle}();")
        key = hook_signature_key([(h.name, h.key) for h in hooks])
        custom = [h.callee for h in hooks if h.name not in BUILTIN_HOOKS]
        parent = fn.parent
        if fn.type.endswith("function_declaration") or (
                parent is not None and parent.type == "variable_declarator"
                and parent.child_by_field_name("value") == fn):
            statement = self.statement_of(fn)
            if fn.type.endswith("function_declaration"):
                name_node = fn.child_by_field_name("name")
            else:
                assert parent is not None
                name_node = parent.child_by_field_name("name")
            assert name_node is not None
            args = self.signature_args(key, custom, statement)
            self.after_statement(statement, f"{handle}({self.text(name_node)}{args})")
            return
        # Anonymous: wrap the function, and each call it is an argument of, in _s(…).
        args = self.signature_args(key, custom, self.statement_of(fn))
        for target in [fn, *self.hoc_calls(fn)]:
            self.insert(target.start_byte, f"{handle}(", rank=2)
            self.insert(target.end_byte, f"{args})", rank=0)

    def signature_args(self, key: str, custom: list[Node], statement: Node) -> str:
        force = self.force_reset
        in_scope: list[str] = []
        for callee in custom:
            binding = callee
            if callee.type == "member_expression":
                obj = callee.child_by_field_name("object")
                binding = obj if obj is not None and obj.type == "identifier" else callee
            if binding.type == "identifier" and self.bound_at(statement, self.text(binding)):
                in_scope.append(self.text(callee))
            else:
                force = True  # the hook is out of reach: it may have changed, so remount
        value = key if self.full_signatures else _hash(key)
        out = f", {json.dumps(value, ensure_ascii=False)}"
        if force or in_scope:
            out += ", true" if force else ", false"
        if in_scope:
            out += f", function () {{ return [{', '.join(in_scope)}]; }}"
        return out

    def bound_at(self, node: Node, name: str) -> bool:
        for scope in self.scopes.scope_chain(node):
            if self.scopes.lookup(scope, name) is not None:
                return True
        return False

    def hoc_calls(self, fn: Node) -> list[Node]:
        """The calls ``fn`` is (transitively) the argument of: ``hoc1(hoc2(fn))``."""
        calls: list[Node] = []
        node = fn
        while True:
            parent = node.parent
            while parent is not None and parent.type == "parenthesized_expression":
                node, parent = parent, parent.parent
            if parent is None:
                return calls
            if parent.type == "assignment_expression" and (
                    parent.child_by_field_name("right") == node):
                node = parent
                continue
            if parent.type == "arguments" and parent.parent is not None and (
                    parent.parent.type == "call_expression"):
                node = parent.parent
                calls.append(node)
                continue
            return calls

    def statement_of(self, node: Node) -> Node:
        """The statement holding ``node`` whose parent is a block or the program."""
        cur = node
        while cur.parent is not None and cur.parent.type not in ("statement_block", "program"):
            cur = cur.parent
        return cur

    def declare_signature(self, fn: Node, handle: str) -> None:
        """``var _s = $RefreshSig$()`` at the top of the scope around ``fn`` (Babel's
        ``scope.parent.push``): the enclosing block, or line 1 for the module."""
        block = fn.parent
        while block is not None and block.type not in ("statement_block", "program"):
            block = block.parent
        if block is None or block.type == "program":
            pos = _prologue_end(self.root, self.code)
        else:
            pos = _body_start(block, self.code)
        self.signature_vars.setdefault(pos, []).append(handle)

    def first_statement(self, fn: Node, text: str) -> None:
        body = fn.child_by_field_name("body")
        assert body is not None
        if body.type == "statement_block":
            self.insert(_body_start(body, self.code), text, rank=1)
        else:  # an arrow's expression body becomes a block that returns it
            self.insert(body.start_byte, "{ " + text + " return ", rank=3)
            self.insert(body.end_byte, "; }", rank=-1)

    # -- registration -------------------------------------------------------------------
    def register(self, target: Node, persistent_id: str, *, in_place: bool,
                 statement: Node | None = None, name: str = "") -> None:
        handle = self.fresh("_c")
        self.registrations.append((handle, persistent_id))
        if in_place:
            self.insert(target.start_byte, f"{handle} = ", rank=1)
        else:
            assert statement is not None
            self.after_statement(statement, f"{handle} = {name}")

    def registrations_pass(self) -> None:
        for statement in named(self.root):
            decl = statement
            is_default = False
            if statement.type in _EXPORTS:
                is_default = any(c.type == "default" for c in statement.children)
                inner = statement.child_by_field_name("declaration")
                if inner is None:
                    value = statement.child_by_field_name("value")
                    if is_default and value is not None and value.type == "call_expression":
                        self.find_inner("%default%", value, statement, default=True)
                    continue
                decl = inner
            if decl.type in ("function_declaration", "generator_function_declaration"):
                name_node = decl.child_by_field_name("name")
                if name_node is not None and _is_component_name(self.text(name_node)):
                    name = self.text(name_node)
                    self.register(decl, name, in_place=False, statement=statement, name=name)
            elif decl.type in ("lexical_declaration", "variable_declaration"):
                declarators = [d for d in named(decl) if d.type == "variable_declarator"]
                if len(declarators) == 1:
                    self.declarator(declarators[0], statement)

    def declarator(self, declarator: Node, statement: Node) -> None:
        name_node = declarator.child_by_field_name("name")
        init = declarator.child_by_field_name("value")
        if name_node is None or init is None or name_node.type != "identifier":
            return
        name = self.text(name_node)
        if not _is_component_name(name):
            return
        t = init.type
        args = init.child_by_field_name("arguments") if t == "call_expression" else None
        tagged = args is not None and args.type == "template_string"  # styled.div`…`
        if t == "call_expression" and not tagged:
            callee = init.child_by_field_name("function")
            if callee is None or callee.type not in ("identifier", "member_expression"):
                return  # `import()` and anything more complicated
            if callee.type == "identifier" and self.text(callee).startswith(("require",
                                                                              "import")):
                return
        elif not tagged and t not in ("arrow_function", "function_expression", "function"):
            return
        if not tagged and self.find_inner(name, init, statement):
            return
        if self.used_as_component(name_node):
            self.register(init, name, in_place=False, statement=statement, name=name)

    def find_inner(self, inferred: str, node: Node, statement: Node, *, default: bool = False
                   ) -> bool:
        """The plugin's ``findInnerComponents``: register the components in ``node``."""
        while node.type == "parenthesized_expression":
            inner = [c for c in named(node)]
            if len(inner) != 1:
                return False
            node = inner[0]
        t = node.type
        declarator = node.parent is not None and node.parent.type == "variable_declarator"
        if t == "identifier":
            return _is_component_name(self.text(node))  # `hoc(Foo)`: registered where defined
        if t == "arrow_function":
            body = node.child_by_field_name("body")
            if body is not None and body.type == "arrow_function":
                return False
        if t in ("arrow_function", "function_expression", "function", "generator_function"):
            if declarator:
                self.register(node, inferred, in_place=False, statement=statement,
                              name=inferred)
            else:
                self.register(node, inferred, in_place=True)
            return True
        if t == "call_expression":
            args = node.child_by_field_name("arguments")
            callee = node.child_by_field_name("function")
            if args is None or args.type != "arguments" or callee is None:
                return False
            first = named(args)
            if not first or callee.type not in ("identifier", "member_expression"):
                return False
            if not self.find_inner(f"{inferred}${self.text(callee)}", first[0], statement):
                return False
            if declarator:
                self.register(node, inferred, in_place=False, statement=statement,
                              name=inferred)
            else:
                self.register(node, inferred, in_place=True)
            return True
        return False

    def used_as_component(self, name_node: Node) -> bool:
        """Whether the top-level binding is used as a JSX tag or passed to a JSX factory."""
        name = self.text(name_node)
        for ref in self.scopes.occurrences(name, self.root):
            if ref == name_node:
                continue
            parent = ref.parent
            if parent is None:
                continue
            if parent.type in ("jsx_opening_element", "jsx_self_closing_element") and (
                    parent.child_by_field_name("name") == ref):
                pass
            elif parent.type == "arguments" and parent.parent is not None and (
                    parent.parent.type == "call_expression"):
                callee = parent.parent.child_by_field_name("function")
                if callee is None:
                    continue
                if callee.type == "member_expression":
                    callee = callee.child_by_field_name("property")
                if callee is None or self.text(callee) not in ("createElement", "jsx",
                                                               "jsxDEV", "jsxs"):
                    continue
            else:
                continue
            binding = self.scopes.resolve(ref)
            if binding is not None and binding.scope == self.root:
                return True
        return False

    # -- exports ------------------------------------------------------------------------
    def boundary_candidate(self) -> bool:
        """Whether the module exports something and every export is a registered component:
        only then can an edit be applied without re-running its importers."""
        components = {pid.split("$")[0] for _, pid in self.registrations}
        exported = 0
        for statement in named(self.root):
            if statement.type not in _EXPORTS:
                continue
            children = statement.children
            if any(c.type == "*" for c in children) or statement.child_by_field_name("source"):
                return False  # re-exports: unknown here
            decl = statement.child_by_field_name("declaration")
            value = statement.child_by_field_name("value")
            if any(c.type == "default" for c in children):
                exported += 1
                if decl is not None:
                    name_node = decl.child_by_field_name("name")
                    if name_node is None or self.text(name_node) not in components:
                        return False
                elif value is not None:
                    if value.type == "identifier":
                        if self.text(value) not in components:
                            return False
                    elif "%default%" not in components:
                        return False
                continue
            if decl is not None:
                names: list[str] = []
                if decl.type in ("lexical_declaration", "variable_declaration"):
                    for d in named(decl):
                        n = d.child_by_field_name("name")
                        names.append(self.text(n) if n is not None else "")
                else:
                    n = decl.child_by_field_name("name")
                    names.append(self.text(n) if n is not None else "")
                exported += len(names)
                if any(name not in components for name in names):
                    return False
                continue
            for clause in named(statement):
                if clause.type != "export_clause":
                    continue
                for spec in named(clause):
                    local = spec.child_by_field_name("name")
                    exported += 1
                    if local is None or self.text(local) not in components:
                        return False
        return exported > 0

    # -- output -------------------------------------------------------------------------
    def finish(self) -> None:
        for pos, names in self.signature_vars.items():
            decls = ", ".join(f"{h} = $RefreshSig$()" for h in names)
            prefix = ""
            if pos == _prologue_end(self.root, self.code):
                prefix = _prologue_prefix(self.root, self.code)
            self.insert(pos, f"{prefix}var {decls};", rank=-2)
        if self.registrations:
            handles = ", ".join(h for h, _ in self.registrations)
            calls = "".join(f"$RefreshReg$({h}, {json.dumps(f'{self.module_id} {pid}')});"
                            for h, pid in self.registrations)
            newline = "\r\n" if b"\r\n" in self.code else "\n"
            # On a line of its own (a last line that is a `//` comment would swallow it)
            first = "" if self.code.endswith((b"\n", b"\r")) or not self.code else newline
            self.insert(len(self.code), f"{first}var {handles};{calls}{newline}", rank=5)


def _body_start(block: Node, code: bytes) -> int:
    """Just after a block's ``{`` and its directive prologue (``"use strict"`` stays first)."""
    pos = block.start_byte + 1
    for child in named(block):
        if child.type == "expression_statement" and child.named_child_count == 1 and (
                child.named_children[0].type == "string"):
            pos = child.end_byte
            continue
        break
    return pos


def _prologue_end(root: Node, code: bytes) -> int:
    pos = 3 if code.startswith(b"\xef\xbb\xbf") else 0
    for child in root.children:
        if child.type == "hash_bang_line":
            nl = code.find(b"\n", child.end_byte)
            pos = nl + 1 if nl >= 0 else child.end_byte
            continue
        if child.type == "comment":
            continue
        if child.type == "expression_statement" and child.named_child_count == 1 and (
                child.named_children[0].type == "string"):
            pos = child.end_byte
            continue
        break
    return pos


def _prologue_prefix(root: Node, code: bytes) -> str:
    """What must precede text inserted at the prologue end: a newline after a hashbang with
    no line break, a ``;`` after a directive without one."""
    pos = _prologue_end(root, code)
    if pos and code[pos - 1:pos] not in (b";", b"\n", b"\xbf"):
        return "\n" if code.startswith(b"#!") and b"\n" not in code[:pos] else ";"
    return ""


def register_refresh(source: Source, module_id: str, *, tree: Tree | None = None,
                     sourcemap: bool = True, full_signatures: bool = False) -> RefreshResult:
    """Add React Fast Refresh registrations and hook signatures to ``source`` (JSX allowed).

    ``module_id`` prefixes every registration id (the dev server's URL of the module is a
    good one). ``full_signatures`` writes signature keys out instead of hashing them.

    >>> r = register_refresh(Source("a.jsx", b"export function App() { return <p/>; }\\n"), "/a")
    >>> print(r.code)
    export function App() { return <p/>; };_c = App;
    var _c;$RefreshReg$(_c, "/a App");
    <BLANKLINE>
    >>> r.components, r.boundary_candidate
    (['App'], True)
    """
    if tree is None:
        tree = parse(source)
    state = _Refresh(source, tree, module_id, full_signatures)
    state.collect()
    state.registrations_pass()
    signatures = state.signatures()
    if not state.registrations and not signatures:
        return RefreshResult(source.text)
    state.finish()
    buf = EditBuffer(source.code)
    for pos, _, _, text in sorted(state.inserts):
        buf.insert(pos, text)
    map_ = buf.generate_map(source=source.filename) if sourcemap else None
    return RefreshResult(
        buf.apply_text(), map_, [pid for _, pid in state.registrations], signatures > 0,
        state.boundary_candidate(), True)
