"""TypeScript to JavaScript: types erased in place, the few value-level constructs lowered.

Types are erased by **blanking**: each erased character becomes a space (a newline stays a
newline, and a character that is two UTF-16 units becomes two spaces), so every line and
every UTF-16 column of the JavaScript that remains is where it was in the TypeScript.  This
is the approach of ts-blank-space and of Node's type stripping, and it is byte-compared with
ts-blank-space in the tests, including its three exceptions: a ``;`` where erasing a statement
or a modifier would let the next line continue the previous one (automatic semicolon
insertion), and the ``(``/``)`` it moves around an arrow function whose type annotations
span lines.  Nothing needs a source map then (``TypeScriptResult.map`` is None).

Beyond erasure, what esbuild also accepts is lowered, as esbuild does: ``enum`` and
namespaces with values become esbuild's IIFEs, a ``const enum`` used only as ``E.X`` in its
file is inlined and removed, constructor parameter properties become assignments, and
imports used only as types are removed (``verbatim_module_syntax`` turns that off).  Those
edits move text, so the result then carries a source map from the one :class:`EditBuffer`.
CommonJS forms (``import x = require()``, ``export =``) and import aliases of values are
refused: an ES module cannot express them.

The parser is tree-sitter-typescript; four of its gaps are worked around before anything is
decided, and one silent misparse is corrected after parsing (see :func:`parse_typescript`).
Every decision is taken on the syntax tree; the bytes are read only to copy them, to find
an identifier's occurrences for the tree to confirm, and to find where a line ends.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import tree_sitter_typescript
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

from shaker.diagnostics import Diagnostic, Severity
from shaker.errors import ShakerSyntaxError
from shaker.js.edits import EditBuffer
from shaker.js.names import is_ident_byte
from shaker.js.parse import check_tree
from shaker.js.sourcemap import SourceMap
from shaker.source import Source

__all__ = [
    "TYPESCRIPT_SUFFIXES",
    "TypeScriptOptions",
    "TypeScriptResult",
    "parse_typescript",
    "strip_types",
]


# File suffix -> whether it uses the TSX grammar (TypeScriptOptions.tsx).
TYPESCRIPT_SUFFIXES: dict[str, bool] = {".ts": False, ".mts": False, ".cts": False,
                                        ".tsx": True}


@dataclass(frozen=True)
class TypeScriptOptions:
    """How to read one TypeScript file.

    ``tsx`` picks the TSX grammar (``.tsx`` files: ``<T>`` opens JSX, so there are no ``<T>x``
    assertions).  ``experimental_decorators`` is tsconfig's ``experimentalDecorators``.
    ``verbatim_module_syntax`` is tsconfig's ``verbatimModuleSyntax``: imports are kept as
    written (only ``type`` ones go), instead of removing those used only as types.
    ``jsx_factory``/``jsx_fragment_factory`` are tsconfig's ``jsxFactory`` and
    ``jsxFragmentFactory``: in a file with JSX, the import of their first name (``React``)
    is a use, as the classic JSX transform that runs later will reference it.
    """

    tsx: bool = False
    experimental_decorators: bool = False
    verbatim_module_syntax: bool = False
    jsx_factory: str = "React.createElement"
    jsx_fragment_factory: str = "React.Fragment"


@dataclass(frozen=True)
class TypeScriptResult:
    """The JavaScript, its source map when an edit moved text (else None), and warnings."""

    code: str
    map: SourceMap | None
    diagnostics: list[Diagnostic] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# The grammar
# ---------------------------------------------------------------------------------------------


@cache
def _language(tsx: bool) -> Language:
    """tree-sitter-typescript's ``tsx`` or ``typescript`` grammar, loaded once."""
    if tsx:
        return Language(tree_sitter_typescript.language_tsx())
    return Language(tree_sitter_typescript.language_typescript())


@cache
def _parser(tsx: bool) -> Parser:
    return Parser(_language(tsx))


@cache
def _query(tsx: bool) -> Query:
    """The erasure query (``grammars/typescript/erase.scm``, plus ``ts_only.scm`` for .ts)."""
    folder = resources.files("shaker.grammars").joinpath("typescript")
    text = folder.joinpath("erase.scm").read_text()
    if not tsx:
        text += "\n" + folder.joinpath("ts_only.scm").read_text()
    compiled: Query = Query(_language(tsx), text)
    return compiled


@cache
def _jsx_query() -> Query:
    """Any JSX element (the TSX grammar only)."""
    compiled: Query = Query(_language(True),
                            "[(jsx_element) (jsx_self_closing_element)] @jsx")
    return compiled


@dataclass(frozen=True)
class Parsed:
    """A parsed TypeScript file and what the parser boundary learned about it.

    ``type_only_exports`` are the starts of ``export type * from`` statements, which the
    grammar cannot parse: the word ``type`` is blanked in the parsed copy, so the tree shows a
    plain re-export that must be erased whole.
    """

    tree: Tree
    type_only_exports: frozenset[int]


def parse_typescript(source: Source, tsx: bool = False) -> Parsed:
    """Parse ``source`` with tree-sitter-typescript or raise :class:`ShakerSyntaxError`.

    tree-sitter-typescript 0.23 lacks four valid forms; each shows as an ERROR node of a
    known shape, and the byte that upsets the grammar is replaced in a copy of the source
    (same length, so every offset still holds; the output is cut from the original bytes)
    before parsing again:

    - variance annotations on type parameters (``<in T, out U>``, TS 4.7): ``in``/``out``
      parse as a parameter named ``in`` followed by an ERROR; being types, they are erased
      anyway;
    - ``export type * from "m"`` (TS 5.0): ``type`` is an ERROR; the statement is erased;
    - ``accessor`` after another modifier (``static accessor x``): ``accessor`` is taken as
      the field's name and the real name is an ERROR; the keyword stays in the output;
    - interface members without separators whose next line starts with ``<`` or ``[``
      (a call or index signature): a ``;`` is put after the member (see
      :func:`_member_separators`).

    After parsing, ``x as a.b.C`` (a type of three or more names) is silently read as
    ``(x as a.b).C``; :meth:`_Eraser._misparse` corrects that from the tree.
    """
    code = source.code
    text = code.replace(b"\0", b" ") if b"\0" in code else code
    parser = _parser(tsx)
    tree = parser.parse(text)
    type_only: set[int] = set()
    for _ in range(8):  # each round fixes every gap it sees; nesting may need another
        if not tree.root_node.has_error:
            break
        masks = _grammar_gaps(text, tree.root_node, type_only)
        if not masks:
            break
        buf = bytearray(text)
        for start, end, fill in masks:
            buf[start:end] = fill * (end - start)
        text = bytes(buf)
        tree = parser.parse(text)
    check_tree(source, tree.root_node)
    return Parsed(tree, frozenset(type_only))


def _grammar_gaps(code: bytes, root: Node, type_only: set[int]) -> list[tuple[int, int, bytes]]:
    """Bytes to replace for the grammar's known gaps (see :func:`parse_typescript`)."""
    masks: list[tuple[int, int, bytes]] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if not node.has_error:
            continue
        if node.is_error:
            parent = node.parent
            if parent is not None and parent.type == "export_statement" and (
                _text(code, node) == b"type"
            ):
                masks.append((node.start_byte, node.end_byte, b" "))
                type_only.add(parent.start_byte)
            elif parent is not None and parent.type == "public_field_definition":
                name = parent.child_by_field_name("name")
                if name is not None and _text(code, name) == b"accessor":
                    masks.append((name.start_byte, name.end_byte, b" "))
            if masks:
                stack.extend(node.children)
                continue
            lists = _enclosing(node, "type_parameters")
            if lists is not None:
                masks.extend(_variance_words(code, lists))
            else:
                masks.extend(_member_separators(code, node))
        stack.extend(node.children)
    return masks


def _enclosing(node: Node, kind: str) -> Node | None:
    cur: Node | None = node
    while cur is not None and cur.type != kind:
        cur = cur.parent
    return cur


def _variance_words(code: bytes, params: Node) -> Iterator[tuple[int, int, bytes]]:
    """``in``/``out`` before a type parameter's name (the grammar has no variance)."""
    leaves = _leaves(params)
    for leaf, nxt in itertools.pairwise(leaves):
        if _text(code, leaf) in (b"in", b"out") and nxt.type in ("identifier",
                                                                 "type_identifier"):
            yield leaf.start_byte, leaf.end_byte, b" "


def _member_separators(code: bytes, error: Node) -> Iterator[tuple[int, int, bytes]]:
    """A ``;`` where a type member ends a line and the next starts with ``<`` or ``[``.

    tree-sitter-typescript inserts no automatic separator before a call signature
    (``<T>(x: T): T``) or an index signature on the next line of an interface, since ``<``
    and ``[`` could continue the type before (``T<U>``, ``T[]``), as they never do across a
    line in TypeScript; code formatted without semicolons hits this.  In the ERROR and in the
    node just before it (where the ``<`` may have been taken as type arguments), a line that
    starts with one of them right after a type gets a ``;`` after that type, in place of the
    blank that follows it.
    """
    inside = _leaves(error)
    before = _leaves(error.prev_sibling) if error.prev_sibling is not None else []
    leaves = [leaf for leaf in before + inside if leaf.type != "comment"]
    broken = {leaf.id for leaf in inside}  # in the ERROR, a type's name may read as a value
    for prev, leaf in itertools.pairwise(leaves):
        if leaf.type not in ("<", "[") or prev.end_point[0] == leaf.start_point[0]:
            continue
        line_start = code.rfind(b"\n", 0, leaf.start_byte) + 1
        if code[line_start:leaf.start_byte].strip() or not (
            prev.id in broken or _in_type(prev)
        ):
            continue
        last = code[prev.end_byte - 1:prev.end_byte]
        if not (last.isalnum() or last in (b"_", b"$", b")", b"]", b"}", b">")):
            continue
        if code[prev.end_byte:prev.end_byte + 1] in (b" ", b"\t", b"\r", b"\n"):
            yield prev.end_byte, prev.end_byte + 1, b";"


def _in_type(leaf: Node) -> bool:
    """Whether ``leaf`` ends a type (a name, keyword or bracket inside a type node)."""
    cur = leaf.parent
    for _ in range(3):
        if cur is None:
            return False
        if cur.type.endswith("_type") or cur.type in (
            "type_annotation", "type_arguments", "type_identifier", "object_type",
            "property_signature", "call_signature", "method_signature"
        ):
            return True
        cur = cur.parent
    return leaf.type == "type_identifier"


def _leaves(node: Node) -> list[Node]:
    out: list[Node] = []
    stack = [node]
    while stack:
        cur = stack.pop()
        if cur.child_count == 0:
            out.append(cur)
        else:
            stack.extend(reversed(cur.children))
    return out


def _content_end(node: Node) -> int:
    """Where ``node``'s last token ends: a statement that ends at an automatic semicolon
    holds the comments before it in tree-sitter, but not in TypeScript's tree."""
    cur = node
    while cur.child_count:
        for child in reversed(cur.children):
            if child.type != "comment" and child.end_byte > child.start_byte:
                cur = child
                break
        else:
            return cur.start_byte
    return cur.end_byte


def _text(code: bytes, node: Node) -> bytes:
    return code[node.start_byte:node.end_byte]


# ---------------------------------------------------------------------------------------------
# Node classes
# ---------------------------------------------------------------------------------------------

_FUNCTIONS = frozenset(
    {"function_declaration", "function_expression", "arrow_function", "method_definition",
     "generator_function_declaration", "generator_function", "function"}
)
# Children that are erased, so a walk backwards over siblings never stops at them.
_TYPE_NODES = frozenset(
    {"type_annotation", "type_parameters", "type_arguments", "implements_clause",
     "accessibility_modifier", "override_modifier", "type_identifier", "comment",
     "type_predicate_annotation", "asserts_annotation"}
)
# Parents whose children form a list of statements (or of class members).
_LISTS = frozenset({"program", "statement_block", "class_body", "switch_case",
                    "switch_default"})
# Ancestors below which an identifier is a type, not a value.
_TYPE_CONTEXTS = frozenset(
    {"type_annotation", "type_arguments", "type_parameters", "type_alias_declaration",
     "interface_declaration", "implements_clause", "extends_type_clause", "type_query",
     "nested_type_identifier", "ambient_declaration", "function_signature",
     "method_signature", "abstract_method_signature", "index_signature",
     "type_predicate_annotation", "asserts_annotation", "import_alias"}
)
_IMPORT_REFUSAL = (
    "`import {name} = require(...)` is CommonJS, which an ES module cannot express; "
    "write `import {name} from \"...\"` (or `import * as {name} from \"...\"`) instead"
)
_EXPORT_ASSIGN_REFUSAL = (
    "`export =` is CommonJS, which an ES module cannot express; write `export default` "
    "instead"
)
_ALIAS_REFUSAL = (
    "`import {name} = ...` aliases a namespace value, which shaker does not lower; "
    "write `const {name} = ...` instead"
)


def _is_list_element(node: Node) -> bool:
    """Whether ``node`` is a statement of a statement list or a class member.

    A ``case`` label's test is a child of the case but not one of its statements.
    """
    parent = node.parent
    if parent is None or parent.type not in _LISTS:
        return False
    if parent.type in ("switch_case", "switch_default"):
        value = parent.child_by_field_name("value")
        return value is None or value.id != node.id
    return True


def _list_element(node: Node) -> Node | None:
    """The innermost statement (or class member) that contains ``node``."""
    cur: Node | None = node
    while cur is not None and not _is_list_element(cur):
        cur = cur.parent
    return cur


def _has_token(node: Node, token: str) -> bool:
    """Whether ``node`` has the anonymous child ``token`` (a keyword or punctuation)."""
    return any(not c.is_named and c.type == token for c in node.children)


def _token(node: Node, token: str) -> Node | None:
    return next((c for c in node.children if not c.is_named and c.type == token), None)


# ---------------------------------------------------------------------------------------------
# Blanking
# ---------------------------------------------------------------------------------------------

_BLANK = bytes(b if b in (10, 13) else 32 for b in range(256))
# Edit kinds: blanks keep every UTF-16 position; "text" replaces bytes by new text.
BLANK, SEMI, OPEN, CLOSE, TEXT = range(5)


def blank_text(chunk: bytes, first: str = "", last: str = "") -> bytes:
    """``chunk`` as spaces, one per UTF-16 unit, newlines kept; ``first``/``last`` replace
    the first or last unit (ts-blank-space's ``;``, ``(`` and ``)``)."""
    if chunk.isascii():
        out = chunk.translate(_BLANK)
    else:
        out = "".join(
            c if c in "\r\n" else (" " if ord(c) < 0x10000 else "  ")
            for c in chunk.decode("utf-8", "replace")
        ).encode()
    if first:
        out = first.encode() + out[1:]
    if last:
        out = out[:-1] + last.encode()
    return out


@dataclass
class _Edit:
    start: int
    end: int
    kind: int
    text: str = ""



Handler = Callable[[Node], None]


class _Eraser:
    """One file's erasure and lowering: decisions on the tree, edits on the original bytes."""

    def __init__(self, source: Source, parsed: Parsed, options: TypeScriptOptions) -> None:
        self.source = source
        self.code = source.code
        self.root = parsed.tree.root_node
        self.type_only_exports = parsed.type_only_exports
        self.options = options
        self.elide = not options.verbatim_module_syntax
        self.edits: list[_Edit] = []
        self.diagnostics: list[Diagnostic] = []
        # Erased ranges, kept sorted by start, for "is this node inside something erased".
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._longest = 0
        self._blanked: dict[int, bool] = {}
        self._instantiated: dict[int, bool] = {}
        self.as_ends: dict[int, int] = {}  # as_expression id -> end of its real type
        self.unused_bindings: set[int] = set()  # starts of import bindings to remove
        self.removed_statements: set[int] = set()  # starts of imports/exports removed whole
        self.local_types: set[bytes] = set()
        self._has_jsx: bool | None = None
        self.lowering = _Lowering(self)

    # -- recording --------------------------------------------------------------------
    def blank(self, start: int, end: int, kind: int = BLANK) -> None:
        """Erase ``[start, end)`` keeping positions (``kind``: SEMI, OPEN, CLOSE variants)."""
        if end > start:
            self.edits.append(_Edit(start, end, kind))
            self._mark(start, end)

    def replace(self, start: int, end: int, text: str) -> None:
        """Replace ``[start, end)`` by ``text`` (an insertion when empty): text moves."""
        self.edits.append(_Edit(start, end, TEXT, text))
        if end > start:
            self._mark(start, end)

    def _mark(self, start: int, end: int) -> None:
        i = bisect_right(self._starts, start)
        self._starts.insert(i, start)
        self._ends.insert(i, end)
        self._longest = max(self._longest, end - start)

    def erased(self, node: Node) -> bool:
        """Whether ``node`` lies inside a range already erased or replaced.

        Ranges are kept sorted by start; only those starting within the longest range's
        length before ``node`` can contain it, so the look back is short.
        """
        start, end = node.start_byte, node.end_byte
        i = bisect_right(self._starts, start)
        floor = start - self._longest
        while i:
            i -= 1
            if self._starts[i] < floor:
                return False
            if self._ends[i] >= end and self._ends[i] > start:
                return True
        return False

    def error(self, node: Node, message: str) -> ShakerSyntaxError:
        """A located refusal: TypeScript that is valid but has no ES module form."""
        diag = Diagnostic.at(self.source, node.start_byte, message, severity=Severity.ERROR,
                             id="typescript-unsupported")
        return ShakerSyntaxError(diag, self.source)

    # -- the walk ---------------------------------------------------------------------
    def run(self) -> None:
        """Analyse, then act on every captured node in document order, outer nodes first."""
        self._analyse()
        cursor = QueryCursor(_query(self.options.tsx))
        found: list[tuple[int, int, int, str, Node]] = []
        for name, nodes in cursor.captures(self.root).items():
            rank = _RANKS.get(name, 0)
            for node in nodes:
                found.append((node.start_byte, -node.end_byte, rank, name, node))
        found.sort(key=lambda item: item[:3])
        handlers = self._handlers()
        for _, _, _, name, node in found:
            if not self.erased(node):
                handlers[name](node)
        self.lowering.finish()

    def _handlers(self) -> dict[str, Handler]:
        return {
            "misparse": self._misparse,
            "type": self._type,
            "generics": self._generics,
            "as": self._as,
            "non_null": self._non_null,
            "prefix_assertion": self._prefix_assertion,
            "declaration": self._declaration,
            "import_alias": self._import_alias,
            "enum": self.lowering.enum,
            "namespace": self.lowering.namespace,
            "member_signature": self._member_signature,
            "modifier": self._modifier,
            "field": self._field,
            "optional": self._exact,
            "this_parameter": self._this_parameter,
            "implements": self._exact,
            "import": self._import,
            "export": self._export,
            "decorator": self.lowering.decorator,
        }

    # -- statements and ASI -----------------------------------------------------------
    def blank_statement(self, stmt: Node) -> None:
        """Erase a whole statement or member, starting with ``;`` where ts-blank-space does."""
        start, end = self.member_start(stmt), self.member_end(stmt)
        self.blank(start, end, SEMI if self.semicolon_needed(stmt) else BLANK)

    def semicolon_needed(self, stmt: Node) -> bool:
        """ts-blank-space's ``semicolonNeeded`` when it reaches ``stmt``.

        It is true after JavaScript that does not end in ``;``, false at the start of a file
        or of a function body, and erased code leaves it as it was: so walk back over erased
        siblings to the last JavaScript before ``stmt``, climbing out of blocks and class
        bodies (whose ``{`` is no node of TypeScript's tree) until one is found.
        """
        cur = stmt
        while True:
            prev = cur.prev_named_sibling
            if cur.parent is not None and cur.parent.type == "class_body":
                while prev is not None and prev.type in ("decorator", "comment"):
                    prev = prev.prev_named_sibling  # a member's own decorators
            while prev is not None:
                if self._visited(prev):
                    return self._end_byte(prev) != 0x3B
                prev = prev.prev_named_sibling
            parent = cur.parent
            if parent is None or parent.type == "program":
                return False
            if parent.type == "statement_block" and parent.parent is not None and (
                parent.parent.type in _FUNCTIONS
            ):
                return False
            cur = parent

    def _visited(self, node: Node) -> bool:
        """Whether ts-blank-space visits ``node`` as JavaScript (so it sets the state)."""
        t = node.type
        if t in _TYPE_NODES:
            return False
        if t == "class_heritage":
            return any(c.type == "extends_clause" for c in node.named_children)
        return not self.is_blanked(node)

    def _end_byte(self, node: Node) -> int:
        end = self.member_end(node)
        return self.code[end - 1] if end else 0

    def member_start(self, node: Node) -> int:
        """Where a statement or member starts, its decorators included."""
        start = node.start_byte
        if node.parent is not None and node.parent.type == "class_body":
            prev = node.prev_named_sibling
            while prev is not None and prev.type == "decorator":
                start = prev.start_byte
                prev = prev.prev_named_sibling
        return start

    def member_end(self, node: Node) -> int:
        """Where a statement or member ends: a class member owns the ``;`` after it."""
        if node.parent is not None and node.parent.type == "class_body":
            nxt = node.next_sibling
            if nxt is not None and nxt.type == ";" and not nxt.is_named:
                return nxt.end_byte
        return _content_end(node)

    def is_blanked(self, node: Node) -> bool:
        """Whether the statement or member ``node`` is erased whole."""
        cached = self._blanked.get(node.id)
        if cached is None:
            cached = self._blanked[node.id] = self._compute_blanked(node)
        return cached

    def _compute_blanked(self, node: Node) -> bool:
        t = node.type
        if t in ("interface_declaration", "type_alias_declaration", "ambient_declaration",
                 "function_signature", "method_signature", "abstract_method_signature",
                 "index_signature", "import_alias"):
            return True
        if t == "public_field_definition":
            return _has_token(node, "declare") or _has_token(node, "abstract")
        if t in ("import_statement", "export_statement"):
            if node.start_byte in self.removed_statements or _has_token(node, "type"):
                return True
            if node.start_byte in self.type_only_exports or _has_token(node, "namespace"):
                return True
            decl = node.child_by_field_name("declaration")
            return decl is not None and (
                self.is_blanked(decl) or (decl.type in ("internal_module", "module")
                and not self.instantiated(decl)))
        if t == "expression_statement":
            inner = node.named_children
            return len(inner) == 1 and inner[0].type in ("internal_module", "module") and (
                not self.instantiated(inner[0]))
        if t in ("internal_module", "module"):
            return not self.instantiated(node)
        if t == "enum_declaration":
            return self.lowering.removed_enum(node)
        return False

    def instantiated(self, module: Node) -> bool:
        """Whether a namespace holds values (TypeScript's "instantiated" namespace)."""
        cached = self._instantiated.get(module.id)
        if cached is None:
            cached = self._instantiated[module.id] = self._compute_instantiated(module)
        return cached

    def _compute_instantiated(self, module: Node) -> bool:
        name = module.child_by_field_name("name")
        if name is None or name.type == "string":
            return False  # `module "x" {}` and `global {}` declare types only
        body = module.child_by_field_name("body")
        if body is None:
            return False
        for stmt in body.named_children:
            inner = stmt
            if stmt.type == "export_statement":
                decl = stmt.child_by_field_name("declaration")
                if decl is None:
                    return True
                if decl.type == "import_alias":
                    return True
                inner = decl
            elif stmt.type == "expression_statement" and len(stmt.named_children) == 1:
                inner = stmt.named_children[0]
            if inner.type == "comment":
                continue
            if inner.type in ("internal_module", "module"):
                if self.instantiated(inner):
                    return True
                continue
            if inner.type in ("interface_declaration", "type_alias_declaration",
                              "ambient_declaration", "import_alias", "function_signature"):
                continue
            return True
        return False

    # -- analysis before the walk -----------------------------------------------------
    def _analyse(self) -> None:
        """Which imports and local exports name only types (decided before any edit)."""
        top = self.root.named_children
        type_names: set[bytes] = set()
        value_names: set[bytes] = set()
        for stmt in top:
            decl = stmt
            if stmt.type == "export_statement":
                inner = stmt.child_by_field_name("declaration")
                if inner is None:
                    continue
                decl = inner
            if decl.type in ("interface_declaration", "type_alias_declaration"):
                name = decl.child_by_field_name("name")
                if name is not None:
                    type_names.add(_text(self.code, name))
            elif decl.type in ("function_declaration", "generator_function_declaration",
                               "class_declaration", "abstract_class_declaration",
                               "enum_declaration"):
                name = decl.child_by_field_name("name")
                if name is not None:
                    value_names.add(_text(self.code, name))
            elif decl.type in ("lexical_declaration", "variable_declaration"):
                for d in decl.named_children:
                    name = d.child_by_field_name("name")
                    if name is not None:
                        value_names.update(_pattern_texts(self.code, name))
            elif decl.type == "import_statement":
                self._analyse_import(decl, value_names)
            elif decl.type in ("internal_module", "module") or (
                decl.type == "expression_statement" and decl.named_children
                and decl.named_children[0].type == "internal_module"
            ):
                module = decl if decl.type != "expression_statement" else decl.named_children[0]
                name = module.child_by_field_name("name")
                if name is not None and self.instantiated(module):
                    value_names.add(_text(self.code, name).split(b".")[0])
        self.local_types = type_names - value_names

    def _analyse_import(self, stmt: Node, value_names: set[bytes]) -> None:
        if _has_token(stmt, "type"):
            return
        clause = next((c for c in stmt.named_children if c.type == "import_clause"), None)
        if clause is None:
            return
        total = removed = 0
        for binding, name in _import_bindings(clause):
            total += 1
            if binding.type == "import_specifier" and _has_token(binding, "type"):
                removed += 1
            elif self.elide and not self.value_used(_text(self.code, name), stmt) and not (
                    self._jsx_name(_text(self.code, name))):
                self.unused_bindings.add(binding.start_byte)
                removed += 1
            else:
                value_names.add(_text(self.code, name))
        if self.elide and total and removed == total:
            self.removed_statements.add(stmt.start_byte)

    def _jsx_name(self, name: bytes) -> bool:
        """Whether ``name`` is the JSX factory's root and the file has JSX."""
        options = self.options
        roots = {options.jsx_factory.split(".")[0], options.jsx_fragment_factory.split(".")[0]}
        if not options.tsx or name.decode() not in roots:
            return False
        if self._has_jsx is None:
            cursor = QueryCursor(_jsx_query())
            self._has_jsx = bool(cursor.captures(self.root))
        return self._has_jsx

    def value_used(self, name: bytes, skip: Node) -> bool:
        """Whether ``name`` is read anywhere outside ``skip`` in a value position.

        Occurrences are found in the bytes and each is confirmed on the tree: an identifier
        (or shorthand property) that no type, ``declare`` or erased namespace encloses.
        Declarations of the same name are skipped, and so are reads of a parameter or a
        block's ``let``/``const``/``function``/``class`` of the same name (a ``var`` hoisted
        out of a nested block is not seen: such a read keeps the import, the safe side).
        """
        code = self.code
        size = len(name)
        pos = code.find(name)
        while pos >= 0:
            end = pos + size
            if (pos == 0 or not is_ident_byte(code[pos - 1])) and (
                end == len(code) or not is_ident_byte(code[end])
            ) and not skip.start_byte <= pos < skip.end_byte:
                node = self.root.descendant_for_byte_range(pos, end)
                if node is not None and node.start_byte == pos and node.end_byte == end and (
                    node.type in ("identifier", "shorthand_property_identifier")
                ) and not _declares(node) and not self.in_type_context(node) and not (
                    _shadowed(code, node, name)
                ):
                    return True
            pos = code.find(name, pos + 1)
        return False

    def in_type_context(self, node: Node) -> bool:
        """Whether ``node`` sits where only types are (so erasing it leaves no reference)."""
        child = node
        parent = node.parent
        while parent is not None:
            t = parent.type
            if t in _TYPE_CONTEXTS:
                return True
            if t in ("as_expression", "satisfies_expression") and (
                parent.named_children and parent.named_children[0].id != child.id
            ):
                return True
            if t == "export_specifier" and _has_token(parent, "type"):
                return True
            if t == "export_statement":
                return _has_token(parent, "type") or parent.start_byte in self.type_only_exports
            if t in ("internal_module", "module") and not self.instantiated(parent):
                return True
            child = parent
            parent = parent.parent
        return False

    # -- handlers ---------------------------------------------------------------------
    def _exact(self, node: Node) -> None:
        self.blank(node.start_byte, node.end_byte)

    def _misparse(self, member: Node) -> None:
        """``x as a.b.C`` parsed as ``(x as a.b).C``: the type runs to the end of the chain.

        An ``as`` (or ``satisfies``) expression without parentheses can never be the object
        of a member access, since ``as`` binds looser than ``.``: such a tree is always the
        grammar's misparse of a qualified type of three or more names, so the type is taken
        to end where the chain of ``.name`` accesses ends.
        """
        inner = member.child_by_field_name("object")
        if inner is None:
            return
        top = member
        while top.parent is not None and top.parent.type == "member_expression" and (
            top.parent.child_by_field_name("object") == top
        ):
            top = top.parent
        self.as_ends[inner.id] = top.end_byte

    def _type(self, node: Node) -> None:
        parent = node.parent
        if parent is not None and parent.type == "arrow_function":
            params = parent.child_by_field_name("parameters")
            if params is not None and self._spans_lines_to_arrow(params, node):
                # `)` moves to the end of the return type, so `=>` stays on its line
                self.blank(params.end_byte - 1, node.end_byte, CLOSE)
                return
        self.blank(node.start_byte, node.end_byte)

    def _spans_lines_to_arrow(self, params: Node, return_type: Node) -> bool:
        """Whether a newline lies between the last parameter and ``=>``."""
        last = params.children[-2] if params.child_count > 2 else params.children[0]
        return b"\n" in self.code[last.end_byte:return_type.end_byte]

    def _generics(self, node: Node) -> None:
        parent = node.parent
        if node.type == "type_parameters" and parent is not None and parent.type in _FUNCTIONS:
            params = parent.child_by_field_name("parameters")
            if params is not None and b"\n" in self.code[node.start_byte + 1:params.start_byte + 1]:
                # `(` moves to where `<` was, so the parameters stay on the arrow's line
                self.blank(node.start_byte, node.end_byte, OPEN)
                self.blank(params.start_byte, params.start_byte + 1)
                return
        self.blank(node.start_byte, node.end_byte)

    def _as(self, node: Node) -> None:
        named = [c for c in node.named_children if c.type != "comment"]
        if not named:
            return
        expression = named[0]
        end = self.as_ends.get(node.id, node.end_byte)
        stmt = _list_element(node)
        kind = BLANK
        if stmt is not None and end == self.member_end(stmt) and self.code[end:end + 1] != b";":
            kind = SEMI
        self.lowering.check_grouping(node, expression, end)
        self.blank(expression.end_byte, end, kind)

    def _non_null(self, node: Node) -> None:
        self.blank(node.end_byte - 1, node.end_byte)

    def _prefix_assertion(self, node: Node) -> None:
        """``<T>x``: ts-blank-space refuses it; erasing ``<T>`` is what esbuild does."""
        assertion = node.parent
        stmt = _list_element(node)
        if assertion is not None and stmt is not None and (
            stmt.start_byte == node.start_byte and self.semicolon_needed(stmt)
        ):
            self.blank(node.start_byte, node.end_byte, SEMI)
        else:
            self.blank(node.start_byte, node.end_byte)

    def _declaration(self, node: Node) -> None:
        parent = node.parent
        stmt = parent if parent is not None and parent.type == "export_statement" else node
        if node.type == "function_signature":
            self.blank(stmt.start_byte, stmt.end_byte)  # an overload: no `;` (ts-blank-space)
        else:
            self.blank_statement(stmt)

    def _member_signature(self, node: Node) -> None:
        if node.parent is not None and node.parent.type == "class_body":
            self.blank(self.member_start(node), self.member_end(node))

    def _modifier(self, node: Node) -> None:
        parent = node.parent
        if parent is None:
            return
        if parent.type in ("required_parameter", "optional_parameter"):
            self.lowering.parameter_property(parent)
            self._exact(node)
            return
        self._member_modifier(node, parent)

    def _member_modifier(self, node: Node, member: Node) -> None:
        """Erase a class member's modifier; the first one, before a computed name, becomes
        ``;`` so the ``[`` cannot continue the member above (ts-blank-space's rule)."""
        name = member.child_by_field_name("name")
        first = member.children[0].id == node.id
        if first and name is not None and name.type == "computed_property_name" and (
            self.member_start(member) == member.start_byte
        ):
            self.blank(node.start_byte, node.end_byte, SEMI)
        else:
            self._exact(node)

    def _field(self, node: Node) -> None:
        if self.is_blanked(node):
            self.blank_statement(node)
            return
        for child in node.children:
            if child.is_named:
                continue
            if child.type == "readonly":
                self._member_modifier(child, node)
            elif child.type in ("?", "!"):
                self._exact(child)

    def _this_parameter(self, node: Node) -> None:
        nxt = node.next_sibling
        end = nxt.end_byte if nxt is not None and nxt.type == "," else node.end_byte
        self.blank(node.start_byte, end)

    def _import(self, node: Node) -> None:
        require = next((c for c in node.named_children if c.type == "import_require_clause"),
                       None)
        if require is not None and not _has_token(node, "type"):
            name = require.named_children[0] if require.named_children else require
            raise self.error(node, _IMPORT_REFUSAL.format(name=_text(self.code, name).decode()))
        if self.is_blanked(node):
            self.blank_statement(node)
            return
        clause = next((c for c in node.named_children if c.type == "import_clause"), None)
        if clause is None:
            return
        for binding, _name in _import_bindings(clause):
            if binding.start_byte in self.unused_bindings or (
                binding.type == "import_specifier" and _has_token(binding, "type")
            ):
                self._blank_with_comma(binding)

    def _blank_with_comma(self, node: Node) -> None:
        """Erase a list item and the comma after it, or (last of an import clause) before it."""
        nxt = node.next_sibling
        if nxt is not None and nxt.type == ",":
            self.blank(node.start_byte, nxt.end_byte)
            return
        prev = node.prev_sibling
        if node.type == "namespace_import" and prev is not None and prev.type == ",":
            self.blank(prev.start_byte, node.end_byte)
            return
        self.blank(node.start_byte, node.end_byte)

    def _export(self, node: Node) -> None:
        if _has_token(node, "="):
            raise self.error(node, _EXPORT_ASSIGN_REFUSAL)
        if self.is_blanked(node):
            decl = node.child_by_field_name("declaration")
            if decl is None or decl.type not in ("function_signature", "import_alias"):
                self.blank_statement(node)
                return
            if decl.type == "function_signature":
                self.blank(node.start_byte, node.end_byte)
                return
        clause = next((c for c in node.named_children if c.type == "export_clause"), None)
        if clause is None:
            return
        local = node.child_by_field_name("source") is None
        specs = [c for c in clause.named_children if c.type == "export_specifier"]
        removed = []
        for spec in specs:
            name = spec.child_by_field_name("name")
            if _has_token(spec, "type") or (
                self.elide and local and name is not None
                and _text(self.code, name) in self.local_types
            ):
                removed.append(spec)
        if specs and len(removed) == len(specs) and self.elide:
            # verbatimModuleSyntax keeps `export {}` (as ts-blank-space does); tsc drops it
            self.removed_statements.add(node.start_byte)
            self._blanked.pop(node.id, None)
            self.blank_statement(node)
            return
        for spec in removed:
            self._blank_with_comma(spec)

    def _import_alias(self, node: Node) -> None:
        parent = node.parent
        exported = parent is not None and parent.type == "export_statement"
        names = [c for c in node.named_children if c.type == "identifier"]
        name = _text(self.code, names[0]) if names else b""
        if exported or (name and self.value_used(name, node)):
            at = parent if exported and parent is not None else node
            raise self.error(at, _ALIAS_REFUSAL.format(name=name.decode()))
        self.blank_statement(parent if exported and parent is not None else node)


_RANKS = {"misparse": -1}


def _import_bindings(clause: Node) -> Iterator[tuple[Node, Node]]:
    """(node to erase, local name) for each binding of an import clause."""
    for part in clause.named_children:
        if part.type == "identifier":
            yield part, part
        elif part.type == "namespace_import":
            ident = next((c for c in part.named_children if c.type == "identifier"), None)
            if ident is not None:
                yield part, ident
        elif part.type == "named_imports":
            for spec in part.named_children:
                if spec.type != "import_specifier":
                    continue
                local = spec.child_by_field_name("alias") or spec.child_by_field_name("name")
                if local is not None:
                    yield spec, local


def _declares(node: Node) -> bool:
    """Whether the identifier ``node`` is the name a declaration introduces."""
    parent = node.parent
    if parent is None:
        return False
    field_name = {"required_parameter": "pattern", "optional_parameter": "pattern",
                  "variable_declarator": "name", "function_declaration": "name",
                  "generator_function_declaration": "name"}.get(parent.type)
    if field_name is None:
        return False
    declared = parent.child_by_field_name(field_name)
    return declared is not None and declared.id == node.id


def _shadowed(code: bytes, node: Node, name: bytes) -> bool:
    """Whether a scope between ``node`` and the module declares ``name`` again."""
    cur = node.parent
    while cur is not None and cur.type != "program":
        t = cur.type
        declared: Iterable[Node] = ()
        if t in _FUNCTIONS:
            params = cur.child_by_field_name("parameters")
            single = cur.child_by_field_name("parameter")
            declared = [*(params.named_children if params is not None else []),
                        *([single] if single is not None else [])]
            own = cur.child_by_field_name("name")
            if own is not None and t in ("function_expression", "function") and (
                _text(code, own) == name
            ):
                return True
        elif t in ("statement_block", "class_static_block", "switch_case", "switch_default"):
            declared = cur.named_children
        elif t == "catch_clause":
            param = cur.child_by_field_name("parameter")
            declared = [param] if param is not None else []
        elif t in ("for_statement", "for_in_statement"):
            init = cur.child_by_field_name("initializer") or cur.child_by_field_name("left")
            declared = [init] if init is not None else []
        for decl in declared:
            if name in _declared_names(code, decl):
                return True
        cur = cur.parent
    return False


def _declared_names(code: bytes, decl: Node) -> set[bytes]:
    """The names a parameter or a statement declares in its own scope."""
    t = decl.type
    if t in ("required_parameter", "optional_parameter"):
        pattern = decl.child_by_field_name("pattern")
        return set(_pattern_texts(code, pattern)) if pattern is not None else set()
    if t in ("identifier", "object_pattern", "array_pattern", "rest_pattern",
             "assignment_pattern"):
        return set(_pattern_texts(code, decl))
    if t in ("lexical_declaration", "variable_declaration"):
        out: set[bytes] = set()
        for item in decl.named_children:
            target = item.child_by_field_name("name")
            if target is not None:
                out.update(_pattern_texts(code, target))
        return out
    if t in ("function_declaration", "generator_function_declaration", "class_declaration"):
        own = decl.child_by_field_name("name")
        return {_text(code, own)} if own is not None else set()
    return set()


def _pattern_texts(code: bytes, pattern: Node) -> Iterator[bytes]:
    """The names a binding pattern declares (identifiers anywhere inside it)."""
    if pattern.type in ("identifier", "shorthand_property_identifier_pattern"):
        yield _text(code, pattern)
        return
    for child in pattern.named_children:
        if child.type == "pair_pattern":
            value = child.child_by_field_name("value")
            if value is not None:
                yield from _pattern_texts(code, value)
        else:
            yield from _pattern_texts(code, child)


# ---------------------------------------------------------------------------------------------
# Lowering: enum, const enum, namespaces, parameter properties (text moves here)
# ---------------------------------------------------------------------------------------------

EnumValue = int | float | str


class _Lowering:
    """The value-level TypeScript that esbuild accepts and ts-blank-space refuses.

    Output follows esbuild's shapes (``var E = /* @__PURE__ */ ((E) => {...})(E || {})``,
    ``((N) => {...})(N || (N = {}))``), but every edit is local: heads and tails are
    replaced, member statements rewritten where they stand, and the code between them stays
    in place (with its own types erased), so lines do not move and the map stays fine.
    """

    def __init__(self, eraser: _Eraser) -> None:
        self.e = eraser
        self.code = eraser.code
        self._ctors: dict[int, tuple[Node, list[Node]]] = {}
        self._params: set[int] = set()
        self._enum_values: dict[int, dict[str, EnumValue] | None] = {}
        self._removed_enums: dict[int, bool] = {}
        self._let_declared: set[tuple[int, str]] = set()
        self._decorated: dict[int, Node] = {}
        self._helpers: set[str] = set()

    # -- enums ------------------------------------------------------------------------
    def enum(self, node: Node) -> None:
        e = self.e
        if self.removed_enum(node):
            parent = node.parent
            e.blank_statement(parent if parent is not None and parent.type == "export_statement"
                              else node)
            return
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name_node is None or body is None:
            return
        name = _text(self.code, name_node).decode()
        scope = self._namespace_param(node)
        exported = node.parent is not None and node.parent.type == "export_statement"
        if scope is not None and exported and node.parent is not None:
            e.replace(node.parent.start_byte, node.start_byte, "")
            arg = f"{scope}.{name} || ({scope}.{name} = {{}})"
        else:
            arg = f"{name} || {{}}"
        e.replace(node.start_byte, body.start_byte + 1,
                  f"var {name} = /* @__PURE__ */ (({name}) => {{")
        self._enum_members(node, body, name)
        e.replace(body.end_byte - 1, body.end_byte, f"return {name}; }})({arg});")

    def _enum_members(self, node: Node, body: Node, name: str) -> None:
        e = self.e
        known: dict[str, EnumValue] = {}
        previous: EnumValue | None = -1
        for child in body.children:
            if child.type == ",":
                e.replace(child.start_byte, child.end_byte, "")
                continue
            if child.type not in ("property_identifier", "string", "enum_assignment"):
                continue
            key_node = child.child_by_field_name("name") if child.type == "enum_assignment" \
                else child
            value_node = child.child_by_field_name("value") \
                if child.type == "enum_assignment" else None
            if key_node is None:
                continue
            key = _member_name(self.code, key_node)
            quoted = _js_string(key)
            if value_node is None:
                if not isinstance(previous, (int, float)):
                    raise e.error(child, f"enum member {key!r} needs an initializer: the "
                                  "member before it has no constant number value")
                value: EnumValue | None = previous + 1
            else:
                value = _evaluate(self.code, value_node, known, name)
            if value is None:
                # kept in place: its own types are erased by the walk, member names qualified
                assert value_node is not None
                e.replace(child.start_byte, value_node.start_byte, f"{name}[{name}[{quoted}] = ")
                self._qualify_members(value_node, name, set(known) | _all_members(self.code, body))
                e.replace(value_node.end_byte, child.end_byte, f"] = {quoted};")
                previous = None
                continue
            known[key] = value
            previous = value
            if isinstance(value, str):
                text = _text(self.code, value_node) if value_node is not None and (
                    value_node.type == "string") else _js_string(value).encode()
                e.replace(child.start_byte, child.end_byte,
                          f"{name}[{quoted}] = {text.decode()};")
            else:
                e.replace(child.start_byte, child.end_byte,
                          f"{name}[{name}[{quoted}] = {_js_number(value)}] = {quoted};")

    def _qualify_members(self, value: Node, enum_name: str, members: set[str]) -> None:
        """Bare member names in a non-constant initializer refer to the enum's members."""
        stack = [value]
        while stack:
            node = stack.pop()
            if node.type == "identifier":
                text = _text(self.code, node).decode()
                parent = node.parent
                is_property = parent is not None and parent.type == "member_expression" and (
                    parent.child_by_field_name("property") == node)
                if text in members and not is_property:
                    self.e.replace(node.start_byte, node.end_byte, f"{enum_name}.{text}")
                continue
            stack.extend(node.named_children)

    def enum_values(self, node: Node) -> dict[str, EnumValue] | None:
        """Every member's constant value, or None if one is not a constant."""
        if node.id in self._enum_values:
            return self._enum_values[node.id]
        body = node.child_by_field_name("body")
        name_node = node.child_by_field_name("name")
        values: dict[str, EnumValue] | None = {}
        previous: EnumValue | None = -1
        if body is None or name_node is None:
            values = None
        else:
            enum_name = _text(self.code, name_node).decode()
            for child in body.named_children:
                if child.type in ("property_identifier", "string"):
                    if not isinstance(previous, (int, float)) or values is None:
                        values = None
                        break
                    previous = previous + 1
                    values[_member_name(self.code, child)] = previous
                elif child.type == "enum_assignment":
                    key = child.child_by_field_name("name")
                    val = child.child_by_field_name("value")
                    if key is None or val is None or values is None:
                        values = None
                        break
                    result = _evaluate(self.code, val, values, enum_name)
                    if result is None:
                        values = None
                        break
                    values[_member_name(self.code, key)] = result
                    previous = result
        self._enum_values[node.id] = values
        return values

    def removed_enum(self, node: Node) -> bool:
        """Whether a ``const enum`` is inlined everywhere in its file and can go.

        esbuild inlines a same-file const enum's members (``1 /* A */``); the declaration
        goes when it is not exported and every use was such a member access (any other use
        needs the object, so it is then kept as a plain enum).
        """
        cached = self._removed_enums.get(node.id)
        if cached is not None:
            return cached
        self._removed_enums[node.id] = False
        removable = False
        values = self.enum_values(node) if _has_token(node, "const") else None
        name_node = node.child_by_field_name("name")
        parent = node.parent
        if values is not None and name_node is not None and parent is not None and (
            self._namespace_param(node) is None
        ):
            all_inlined = self._inline_uses(node, name_node, values)
            removable = all_inlined and parent.type != "export_statement"
        self._removed_enums[node.id] = removable
        return removable

    def _inline_uses(self, node: Node, name_node: Node, values: dict[str, EnumValue]) -> bool:
        e = self.e
        code = self.code
        name = _text(code, name_node)
        ok = True
        pos = code.find(name)
        while pos >= 0:
            end = pos + len(name)
            if (pos == 0 or not is_ident_byte(code[pos - 1])) and (
                end == len(code) or not is_ident_byte(code[end])
            ) and not node.start_byte <= pos < node.end_byte:
                ident = e.root.descendant_for_byte_range(pos, end)
                if ident is not None and ident.type == "identifier" and (
                    ident.start_byte == pos and ident.end_byte == end
                ) and not e.in_type_context(ident):
                    access = ident.parent
                    key = _member_key(code, access, ident)
                    if access is not None and key is not None and key in values:
                        e.replace(access.start_byte, access.end_byte,
                                  _inlined(values[key], key, access))
                    else:
                        ok = False
            pos = code.find(name, end)
        return ok

    # -- namespaces -------------------------------------------------------------------
    def namespace(self, node: Node) -> None:
        e = self.e
        parent = node.parent
        stmt = parent if parent is not None and parent.type in (
            "expression_statement", "export_statement") else node
        if not e.instantiated(node):
            e.blank_statement(stmt)
            return
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name_node is None or body is None:
            return
        segments = [s.decode() for s in _text(self.code, name_node).split(b".")]
        segments = [s.strip() for s in segments]
        outer = self._namespace_param(stmt)
        exported = stmt.type == "export_statement"
        if outer is not None and exported:
            e.replace(stmt.start_byte, node.start_byte, "")
        head: list[str] = []
        tail: list[str] = []
        for i, seg in enumerate(segments):
            if i == 0:
                scope_node = stmt.parent
                key = (scope_node.id if scope_node is not None else 0, seg)
                if outer is None:
                    declare = "" if self._declared_before(stmt, seg) else f"var {seg}; "
                    arg = f"{seg} || ({seg} = {{}})"
                else:
                    declare = "" if key in self._let_declared else f"let {seg}; "
                    self._let_declared.add(key)
                    arg = (f"{seg} = {outer}.{seg} || ({outer}.{seg} = {{}})" if exported
                           else f"{seg} || ({seg} = {{}})")
            else:
                prev = segments[i - 1]
                declare = f"let {seg}; "
                arg = f"{seg} = {prev}.{seg} || ({prev}.{seg} = {{}})"
            head.append(f"{declare}(({seg}) => {{")
            tail.append(f"}})({arg});")
        e.replace(node.start_byte, body.start_byte + 1, " ".join(head))
        self._namespace_body(body, segments[-1])
        e.replace(body.end_byte - 1, body.end_byte, " ".join(reversed(tail)))

    def _declared_before(self, stmt: Node, name: str) -> bool:
        """Whether the list holding ``stmt`` declares ``name`` with a function or class (which
        a module's ``var`` may not redeclare) or already with ``var``."""
        parent = stmt.parent
        if parent is None:
            return False
        for sibling in parent.named_children:
            if sibling.start_byte >= stmt.start_byte:
                break
            decl = sibling.child_by_field_name("declaration") \
                if sibling.type == "export_statement" else sibling
            if decl is None:
                continue
            if decl.type == "expression_statement" and decl.named_children:
                decl = decl.named_children[0]
            if decl.type in ("function_declaration", "class_declaration", "enum_declaration",
                             "abstract_class_declaration", "internal_module", "module",
                             "generator_function_declaration"):
                declared = decl.child_by_field_name("name")
                if declared is not None and _text(self.code, declared).split(b".")[0] == (
                    name.encode()
                ):
                    return True
        return False

    def _namespace_body(self, body: Node, param: str) -> None:
        """``export`` inside a namespace: variables become properties of the namespace
        object (and every read of them in the body too), declarations are assigned to it."""
        e = self.e
        exported_vars: set[bytes] = set()
        declarators: set[int] = set()
        for stmt in body.named_children:
            if stmt.type != "export_statement":
                continue
            decl = stmt.child_by_field_name("declaration")
            if decl is None or e.is_blanked(stmt):
                continue
            if decl.type in ("lexical_declaration", "variable_declaration"):
                items = [c for c in decl.named_children if c.type == "variable_declarator"]
                if not items:
                    continue
                e.replace(stmt.start_byte, items[0].start_byte, "")
                for item in items:
                    target = item.child_by_field_name("name")
                    if target is None or target.type != "identifier":
                        raise e.error(item, "a destructuring `export` in a namespace is not "
                                      "supported; export each name on its own")
                    exported_vars.add(_text(self.code, target))
                    declarators.add(target.id)
                    e.replace(target.start_byte, target.end_byte,
                              f"{param}.{_text(self.code, target).decode()}")
            elif decl.type in ("function_declaration", "generator_function_declaration",
                               "class_declaration", "abstract_class_declaration"):
                declared = decl.child_by_field_name("name")
                if declared is None:
                    continue
                text = _text(self.code, declared).decode()
                e.replace(stmt.start_byte, decl.start_byte, "")
                e.replace(stmt.end_byte, stmt.end_byte, f" {param}.{text} = {text};")
        if exported_vars:
            self._qualify_exports(body, param, exported_vars, declarators)

    def _qualify_exports(self, body: Node, param: str, names: set[bytes],
                         skip: set[int]) -> None:
        e = self.e
        code = self.code
        for name in names:
            pos = code.find(name, body.start_byte, body.end_byte)
            while pos >= 0:
                end = pos + len(name)
                if not is_ident_byte(code[pos - 1]) and not is_ident_byte(code[end]):
                    node = e.root.descendant_for_byte_range(pos, end)
                    if node is not None and node.start_byte == pos and node.end_byte == end and (
                        node.id not in skip
                    ) and not _declares(node) and not e.in_type_context(node) and not (
                        _shadowed(code, node, name)
                    ):
                        text = name.decode()
                        if node.type == "identifier":
                            e.replace(pos, end, f"{param}.{text}")
                        elif node.type == "shorthand_property_identifier":
                            e.replace(pos, end, f"{text}: {param}.{text}")
                pos = code.find(name, end, body.end_byte)

    def _namespace_param(self, node: Node) -> str | None:
        """The parameter name of the namespace IIFE whose body holds ``node``, if any."""
        cur = node.parent
        while cur is not None and cur.type == "export_statement":
            cur = cur.parent
        if cur is None or cur.type != "statement_block":
            return None
        owner = cur.parent
        if owner is None or owner.type not in ("internal_module", "module"):
            return None
        name = owner.child_by_field_name("name")
        if name is None:
            return None
        return _text(self.code, name).split(b".")[-1].strip().decode()

    # -- parameter properties ---------------------------------------------------------
    def parameter_property(self, param: Node) -> None:
        """``constructor(private x)``: remembered here, assigned in :meth:`finish`."""
        if param.id in self._params:
            return
        self._params.add(param.id)
        params = param.parent
        ctor = params.parent if params is not None else None
        if ctor is None or ctor.type != "method_definition":
            return
        entry = self._ctors.setdefault(ctor.id, (ctor, []))
        entry[1].append(param)

    # -- experimentalDecorators --------------------------------------------------------
    def decorator(self, node: Node) -> None:
        """Note the class a decorator belongs to; parameter decorators need the option."""
        parent = node.parent
        if parent is None:
            return
        if not self.e.options.experimental_decorators:
            if parent.type in ("required_parameter", "optional_parameter"):
                raise self.e.error(node, "a parameter decorator needs tsconfig's "
                                   "\"experimentalDecorators\": true")
            return
        cls: Node | None = parent
        if parent.type == "export_statement":  # `@dec export class C`
            cls = parent.child_by_field_name("declaration")
        while cls is not None and cls.type not in ("class_declaration",
                                                   "abstract_class_declaration", "class"):
            cls = cls.parent
        anonymous_default = cls is not None and cls.type == "class" and (
            cls.parent is not None and cls.parent.type == "export_statement")
        if cls is None or (cls.type == "class" and not anonymous_default):
            raise self.e.error(node, "experimentalDecorators apply to class declarations "
                               "and their members only")
        self._decorated.setdefault(cls.id, cls)

    def _decorate(self, cls: Node) -> None:
        """esbuild's lowering of legacy decorators: the decorators are removed from the class
        and applied after it by ``__decorateClass`` (members first, instance before static,
        then the class itself, which becomes ``let C = class {...}`` so it can be replaced).
        """
        e = self.e
        code = self.code
        name_node = cls.child_by_field_name("name")
        body = cls.child_by_field_name("body")
        if body is None:
            return
        stmt = cls.parent if cls.parent is not None and cls.parent.type == "export_statement" \
            else cls
        default = stmt is not cls and _has_token(stmt, "default")
        name = _text(code, name_node).decode() if name_node is not None else "_default"
        calls: dict[bool, list[str]] = {False: [], True: []}
        ctor_params: list[str] = []
        pending: list[Node] = []
        for child in body.named_children:
            if child.type == "decorator":
                pending.append(child)
                continue
            if child.type not in ("method_definition", "public_field_definition"):
                pending = []
                continue
            decorators = pending + [c for c in child.named_children if c.type == "decorator"]
            pending = []
            params = self._parameter_decorators(child)
            key_node = child.child_by_field_name("name")
            if key_node is not None and _text(code, key_node) == b"constructor":
                ctor_params = params
                continue
            if not decorators and not params:
                continue
            for dec in decorators:
                e.replace(dec.start_byte, dec.end_byte, "")
            items = [self._decorator_expression(d) for d in decorators] + params
            static = _has_token(child, "static")
            target = name if static else f"{name}.prototype"
            kind = 2 if child.type == "public_field_definition" else 1
            key = self._member_key_text(child, key_node)
            calls[static].append(f"__decorateClass([{', '.join(items)}], {target}, {key}, {kind})")
        tail = calls[False] + calls[True]
        own = [c for c in cls.named_children if c.type == "decorator"]
        if stmt is not cls:  # `@dec export class`: decorators before `export` belong here too
            own = [c for c in stmt.named_children if c.type == "decorator"] + own
        if own or ctor_params:
            items = [self._decorator_expression(d) for d in own] + ctor_params
            for dec in own:
                e.replace(dec.start_byte, dec.end_byte, "")
            keyword = _token(cls, "class")
            if keyword is None:
                return
            end = name_node.end_byte if name_node is not None else keyword.end_byte
            e.replace(keyword.start_byte, end, f"let {name} = class")
            abstract = _token(cls, "abstract")
            if abstract is not None:
                e.replace(abstract.start_byte, abstract.end_byte, "")
            if default:
                export = _token(stmt, "export")
                dflt = _token(stmt, "default")
                if export is not None and dflt is not None:
                    e.replace(export.start_byte, dflt.end_byte, "")
            tail.append(f"{name} = __decorateClass([{', '.join(items)}], {name})")
            if default:
                tail.append(f"export {{ {name} as default }}")
        if tail:
            e.replace(cls.end_byte, cls.end_byte, "; " + "; ".join(tail) + ";")
            self._helpers.add("__decorateClass")

    def _parameter_decorators(self, member: Node) -> list[str]:
        """``__decorateParam(i, d)`` for each decorator of the member's parameters."""
        params = member.child_by_field_name("parameters")
        if params is None:
            return []
        out: list[str] = []
        index = 0
        for param in params.named_children:
            if param.type not in ("required_parameter", "optional_parameter"):
                continue
            for dec in param.named_children:
                if dec.type == "decorator":
                    out.append(f"__decorateParam({index}, {self._decorator_expression(dec)})")
                    self.e.replace(dec.start_byte, dec.end_byte, "")
                    self._helpers.add("__decorateParam")
            index += 1
        return out

    def _decorator_expression(self, dec: Node) -> str:
        inner = [c for c in dec.named_children if c.type != "comment"]
        if not inner:
            return ""
        return _text(self.code, inner[0]).decode()

    def _member_key_text(self, member: Node, key: Node | None) -> str:
        if key is None:
            raise self.e.error(member, "a decorated member needs a name")
        if key.type in ("property_identifier", "identifier"):
            return _js_string(_text(self.code, key).decode())
        if key.type in ("string", "number"):
            return _text(self.code, key).decode()
        raise self.e.error(key, "a decorated member with a computed or private name is not "
                           "supported with experimentalDecorators")

    def helpers(self) -> str:
        """The runtime helpers the lowering used, on one line (esbuild's definitions)."""
        parts: list[str] = []
        if "__decorateClass" in self._helpers:
            parts.append(_DECORATE_CLASS)
        if "__decorateParam" in self._helpers:
            parts.append(_DECORATE_PARAM)
        return "".join(parts)

    def finish(self) -> None:
        """Insert parameter-property assignments (after ``super(...)`` when there is one)
        and their field declarations (first in the class body, as TypeScript puts them);
        then lower the decorated classes and put the helpers they need at the top."""
        e = self.e
        for cls in self._decorated.values():
            self._decorate(cls)
        helpers = self.helpers()
        if helpers:
            start = self.code.find(b"\n") + 1 if self.code.startswith(b"#!") else 0
            e.replace(start, start, helpers)
        for ctor, params in self._ctors.values():
            body = ctor.child_by_field_name("body")
            names: list[str] = []
            for param in params:
                pattern = param.child_by_field_name("pattern")
                if pattern is None or pattern.type != "identifier":
                    raise e.error(param, "a parameter property must be a plain name")
                names.append(_text(self.code, pattern).decode())
            if body is None or not names:
                continue
            assign = "".join(f" this.{n} = {n};" for n in names)
            anchor = _super_call(body) or _last_directive(body)
            if anchor is None:
                e.replace(body.start_byte + 1, body.start_byte + 1, assign)
            elif self.code[anchor.end_byte - 1:anchor.end_byte] == b";":
                e.replace(anchor.end_byte, anchor.end_byte, assign)
            else:
                e.replace(anchor.end_byte, anchor.end_byte, ";" + assign)
            class_body = ctor.parent
            if class_body is not None and class_body.type == "class_body":
                fields = {
                    _text(self.code, n)
                    for m in class_body.named_children if m.type == "public_field_definition"
                    for n in [m.child_by_field_name("name")] if n is not None
                }
                declare = "".join(f" {n};" for n in names if n.encode() not in fields)
                e.replace(class_body.start_byte + 1, class_body.start_byte + 1, declare)

    def check_grouping(self, node: Node, expression: Node, end: int) -> None:
        """``1 + 1 as T / 2``: erasing ``as T`` would regroup the operators.

        TypeScript gives ``as`` the precedence of ``<``, so ``1 + 1 as T`` is
        ``(1 + 1) as T``, and after erasure ``/ 2`` would bind to the last ``1``: the
        expression before ``as`` is parenthesized (ts-blank-space refuses such code).  An
        operator that binds looser than ``<`` (``a && b as T``) holds only ``b`` in
        TypeScript's tree, which erasure keeps.  ``a ?? b as T && c`` would become ``??``
        mixed with ``&&`` unparenthesized, a syntax error, so it is refused as esbuild does.
        (tree-sitter groups these as ``(a && b) as T``; only the operators are read.)
        """
        parent = node.parent
        if expression.type != "binary_expression" or parent is None or (
            parent.type != "binary_expression"
        ) or parent.child_by_field_name("left") != node:
            return
        inner = expression.child_by_field_name("operator")
        outer = parent.child_by_field_name("operator")
        if inner is None or outer is None:
            return
        if inner.type in _TIGHTER_THAN_AS:
            self.e.replace(expression.start_byte, expression.start_byte, "(")
            self.e.replace(expression.end_byte, expression.end_byte, ")")
        elif {inner.type, outer.type} & {"??"} and {inner.type, outer.type} & {"&&", "||"}:
            raise self.e.error(parent, f"erasing the type assertion would mix `{inner.type}` "
                               f"and `{outer.type}` without parentheses; add them")


_TIGHTER_THAN_AS = frozenset(
    {"+", "-", "*", "/", "%", "**", "<<", ">>", ">>>", "<", ">", "<=", ">=", "instanceof",
     "in"}
)


# esbuild's helpers for experimentalDecorators, each on one line so no line moves.
_DECORATE_CLASS = (
    "var __decorateClass = (decorators, target, key, kind) => { var result = kind > 1 ? "
    "void 0 : kind ? Object.getOwnPropertyDescriptor(target, key) : target; for (var i = "
    "decorators.length - 1, decorator; i >= 0; i--) if (decorator = decorators[i]) result = "
    "(kind ? decorator(target, key, result) : decorator(result)) || result; if (kind && "
    "result) Object.defineProperty(target, key, result); return result; };"
)
_DECORATE_PARAM = (
    "var __decorateParam = (index, decorator) => (target, key) => "
    "decorator(target, key, index);"
)


def _super_call(body: Node) -> Node | None:
    """The body's first top-level ``super(...)`` statement."""
    for stmt in body.named_children:
        if stmt.type != "expression_statement" or not stmt.named_children:
            continue
        call = stmt.named_children[0]
        function = call.child_by_field_name("function") if call.type == "call_expression" else None
        if function is not None and function.type == "super":
            return stmt
    return None


def _last_directive(body: Node) -> Node | None:
    """The last statement of the body's directive prologue (``"use strict"``), if any."""
    last = None
    for stmt in body.named_children:
        if stmt.type == "comment":
            continue
        if stmt.type == "expression_statement" and len(stmt.named_children) == 1 and (
            stmt.named_children[0].type == "string"
        ):
            last = stmt
            continue
        break
    return last


def _member_name(code: bytes, node: Node) -> str:
    if node.type == "string":
        return _string_value(code, node) or _text(code, node)[1:-1].decode()
    return _text(code, node).decode()


def _all_members(code: bytes, body: Node) -> set[str]:
    out = set()
    for child in body.named_children:
        key = child.child_by_field_name("name") if child.type == "enum_assignment" else child
        if key is not None and key.type in ("property_identifier", "string"):
            out.add(_member_name(code, key))
    return out


def _member_key(code: bytes, access: Node | None, ident: Node) -> str | None:
    """``E.X`` or ``E["X"]`` with ``ident`` as ``E``: the member name ``X``, else None."""
    if access is None:
        return None
    if access.type == "member_expression":
        obj = access.child_by_field_name("object")
        prop = access.child_by_field_name("property")
        if obj is not None and obj.id == ident.id and prop is not None and (
            prop.type == "property_identifier"
        ) and not any(c.type == "optional_chain" for c in access.children):
            return _text(code, prop).decode()
    if access.type == "subscript_expression":
        obj = access.child_by_field_name("object")
        index = access.child_by_field_name("index")
        if obj is not None and obj.id == ident.id and index is not None and (
            index.type == "string"
        ):
            return _string_value(code, index)
    return None


def _inlined(value: EnumValue, key: str, access: Node) -> str:
    """esbuild's inlined const enum member: ``1 /* A */``."""
    text = _js_string(value) if isinstance(value, str) else _js_number(value)
    parent = access.parent
    if text.startswith("-") and parent is not None and parent.type in (
        "member_expression", "subscript_expression", "call_expression", "unary_expression",
        "binary_expression", "update_expression"
    ):
        text = f"({text})"
    comment = key.replace("*/", "* /")
    return f"{text} /* {comment} */"


def _js_string(value: str) -> str:
    """A JavaScript string literal for ``value`` (double quotes, as esbuild prints)."""
    import json

    return json.dumps(value, ensure_ascii=False).replace("\u2028", "\\u2028").replace(
        "\u2029", "\\u2029")


def _js_number(value: int | float) -> str:
    """``value`` as JavaScript prints a number."""
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        text = repr(value)
        if "e" in text:
            mantissa, exponent = text.split("e")
            power = int(exponent)
            return f"{mantissa}e{'+' if power > 0 else '-'}{abs(power)}"
        return text
    return str(value)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def _string_value(code: bytes, node: Node) -> str | None:
    """The value of a string literal or a template without substitutions, or None when it
    holds an escape this reader does not decode (the member then stays computed)."""
    raw = _text(code, node).decode("utf-8", "replace")
    if node.type == "template_string" and any(
        c.type == "template_substitution" for c in node.named_children
    ):
        return None
    body = raw[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1:i + 2]
        if nxt in _ESCAPES and not (nxt == "0" and body[i + 2:i + 3].isdigit()):
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt in ("\\", "'", '"', "`", "$"):
            out.append(nxt)
            i += 2
        elif nxt == "x" and len(body) >= i + 4:
            out.append(chr(int(body[i + 2:i + 4], 16)))
            i += 4
        elif nxt == "u" and body[i + 2:i + 3] != "{" and len(body) >= i + 6:
            out.append(chr(int(body[i + 2:i + 6], 16)))
            i += 6
        else:
            return None
    return "".join(out)


def _to_int32(value: float) -> int:
    if value != value or value in (float("inf"), float("-inf")):
        return 0
    n = int(value) & 0xFFFFFFFF
    return n - 0x100000000 if n >= 0x80000000 else n


def _evaluate(code: bytes, node: Node, known: dict[str, EnumValue], enum: str
              ) -> EnumValue | None:
    """The constant value of an enum initializer, as TypeScript computes it, or None."""
    t = node.type
    if t == "number":
        return _number(_text(code, node).decode())
    if t in ("string", "template_string"):
        return _string_value(code, node)
    if t == "parenthesized_expression":
        inner = [c for c in node.named_children if c.type != "comment"]
        return _evaluate(code, inner[0], known, enum) if len(inner) == 1 else None
    if t == "identifier":
        return known.get(_text(code, node).decode())
    if t in ("member_expression", "subscript_expression"):
        obj = node.child_by_field_name("object")
        if obj is not None and obj.type == "identifier" and _text(code, obj).decode() == enum:
            key = _member_key(code, node, obj)
            return known.get(key) if key is not None else None
        return None
    if t == "unary_expression":
        op = node.child_by_field_name("operator")
        arg = node.child_by_field_name("argument")
        if op is None or arg is None:
            return None
        value = _evaluate(code, arg, known, enum)
        if not isinstance(value, (int, float)):
            return None
        return {"-": lambda: -value, "+": lambda: value,
                "~": lambda: ~_to_int32(value)}.get(op.type, lambda: None)()
    if t == "binary_expression":
        op = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if op is None or left is None or right is None:
            return None
        a = _evaluate(code, left, known, enum)
        b = _evaluate(code, right, known, enum)
        if a is None or b is None:
            return None
        return _binary(op.type, a, b)
    return None


def _binary(op: str, a: EnumValue, b: EnumValue) -> EnumValue | None:
    if op == "+" and (isinstance(a, str) or isinstance(b, str)):
        if isinstance(a, str) and isinstance(b, str):
            return a + b
        return None  # number-to-string conversion: left to run time
    if isinstance(a, str) or isinstance(b, str):
        return None
    import math

    fa, fb = float(a), float(b)
    result: float | int
    if op == "+":
        result = a + b
    elif op == "-":
        result = a - b
    elif op == "*":
        result = a * b
    elif op == "/":
        if fb == 0:
            result = math.nan if fa == 0 or fa != fa else math.copysign(math.inf, fa) * (
                math.copysign(1, fb))
        else:
            result = fa / fb
    elif op == "%":
        result = math.nan if fb == 0 else math.fmod(fa, fb)
    elif op == "**":
        try:
            result = fa ** fb
        except (OverflowError, ZeroDivisionError):
            return None
    elif op in ("|", "&", "^"):
        x, y = _to_int32(fa), _to_int32(fb)
        result = _to_int32(float(x | y if op == "|" else x & y if op == "&" else x ^ y))
    elif op == "<<":
        result = _to_int32(float(_to_int32(fa) << (_to_int32(fb) & 31)))
    elif op == ">>":
        result = _to_int32(fa) >> (_to_int32(fb) & 31)
    elif op == ">>>":
        result = (_to_int32(fa) & 0xFFFFFFFF) >> (_to_int32(fb) & 31)
    else:
        return None
    if isinstance(result, float) and result.is_integer() and abs(result) < 2**53:
        return int(result)
    return result


def _number(text: str) -> int | float | None:
    t = text.replace("_", "").lower()
    if t.endswith("n"):
        return None
    try:
        if t.startswith("0x"):
            return int(t[2:], 16)
        if t.startswith("0o"):
            return int(t[2:], 8)
        if t.startswith("0b"):
            return int(t[2:], 2)
        value = float(t)
    except ValueError:
        return None
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


# ---------------------------------------------------------------------------------------------
# The entry point
# ---------------------------------------------------------------------------------------------


def strip_types(source: Source, options: TypeScriptOptions = TypeScriptOptions()
                ) -> TypeScriptResult:
    """``source`` (TypeScript) as JavaScript; see the module docstring.

    Raises :class:`ShakerSyntaxError` for invalid TypeScript and for what an ES module
    cannot express (``import x = require()``, ``export =``, value import aliases).
    """
    parsed = parse_typescript(source, options.tsx)
    eraser = _Eraser(source, parsed, options)
    eraser.run()
    return _assemble(source, eraser)


_FIRST = {SEMI: ";", OPEN: "("}


def _assemble(source: Source, eraser: _Eraser) -> TypeScriptResult:
    """Apply the edits: by slicing when every edit is a blank (positions kept, no map),
    through the :class:`EditBuffer` otherwise (with its source map)."""
    code = source.code
    edits = [edit for _, _, _, edit in sorted(
        (edit.start, edit.end > edit.start, i, edit) for i, edit in enumerate(eraser.edits))]
    kept: list[_Edit] = []
    cover = 0
    for edit in edits:
        if edit.end > edit.start and edit.start < cover:
            continue  # inside an earlier erased range (erasing the outer already covers it)
        if edit.end == edit.start and edit.start < cover and kept and kept[-1].start < edit.start:
            continue
        kept.append(edit)
        cover = max(cover, edit.end)
    moved = any(edit.kind == TEXT for edit in kept)
    if not moved:
        parts: list[bytes] = []
        pos = 0
        for edit in kept:
            parts.append(code[pos:edit.start])
            parts.append(_blank_edit(code, edit))
            pos = edit.end
        parts.append(code[pos:])
        text = b"".join(parts).decode("utf-8", "replace") if kept else source.text
        return TypeScriptResult(text, None, eraser.diagnostics)
    buf = EditBuffer(code)
    for edit in kept:
        if edit.kind == TEXT:
            buf.replace(edit.start, edit.end, edit.text)
        else:
            buf.replace(edit.start, edit.end, _blank_edit(code, edit).decode("utf-8", "replace"))
    source_map = buf.generate_map(source=source.filename, source_content=source.text)
    return TypeScriptResult(buf.apply_text(), source_map, eraser.diagnostics)


def _blank_edit(code: bytes, edit: _Edit) -> bytes:
    chunk = code[edit.start:edit.end]
    if edit.kind == CLOSE:
        return blank_text(chunk, last=")")
    return blank_text(chunk, first=_FIRST.get(edit.kind, ""))
