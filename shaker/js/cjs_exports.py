"""The named exports of a CommonJS module, found the way Node finds them.

``import { x } from "./file.cjs"`` works in Node only for the names that cjs-module-lexer
detects; its detection patterns are frozen so that every Node version agrees.  To give the
same answer, this module runs those patterns, token for token, over the leaves of the
tree-sitter tree: one parse, one walk to list the tokens, one linear scan.

The lexer has no scope analysis and neither has this module, on purpose: names assigned
under ``if (false)`` or to a shadowed ``exports`` count, renamed ones (``(e => e.a = 1)(exports)``)
do not.  The patterns, as in the lexer's README:

- ``exports.a =``, ``module.exports.a =``, ``exports['a'] =`` (any depth);
- ``Object.defineProperty(exports, 'a', {…})`` with ``[enumerable: true,] value:`` or a getter
  ``get [: function [name]] () { return x[.y | ['y']] }``; any other descriptor makes ``a``
  an *unsafe getter*, never exported even when assigned elsewhere;
- ``module.exports = { a, b: c, 'd': e, ...f, ...require('x') }``, read up to the first
  property of another shape (its key still counts if it starts like ``key: identifier``);
- reexports: ``module.exports = require('x')`` and ``...require('x')`` (only those after
  the last ``module.exports =`` survive), ``__export(require('x'))`` / ``__exportStar(…)``
  (also ``tslib.__exportStar``), and Babel's
  ``var _x = require('x'); Object.keys(_x).forEach(function (k) { … exports[k] = _x[k] })``
  in its exact variants; these last two only outside any parenthesis or brace.

>>> from shaker.source import Source
>>> found = detect_cjs_exports(Source("a.cjs", b'''
...   exports.a = 1;
...   if (false) module.exports.b = 2;
...   Object.defineProperty(exports, "__esModule", { value: true });
...   __exportStar(require("./c"), exports);
... '''))
>>> found.exports, found.reexports
(('a', 'b', '__esModule'), ('./c',))

Invalid JavaScript raises :class:`~shaker.errors.ShakerSyntaxError` from
:func:`~shaker.js.parse.parse` (the lexer would throw too; the caller reports it).  ES module
syntax at the top level (``import x from``, ``export``, ``import.meta``) makes the lexer
throw and Node fall back to no names: this returns empty results.

Node runs the lexer's JavaScript build (its WebAssembly build differs in corner cases:
it binds the *first* ``var _x = require()`` of a name, and reads identifier escapes
otherwise); this follows the JavaScript build, down to reading an identifier with a ``\\``
escape up to the backslash (``{ a\\u0062 }`` exports ``a``).  Where that build accepts more
than its grammar on inputs no tool emits, this follows the grammar: keywords must be whole
tokens (the lexer reads ``returnx`` as ``return x``) and ``'default'``/``'__esModule'``
must be exactly those strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from tree_sitter import Tree

from shaker.js.parse import language, parse
from shaker.source import Source

__all__ = ["CjsExports", "detect_cjs_exports"]


@dataclass(frozen=True)
class CjsExports:
    """What Node's ``import`` of a CommonJS module exposes besides ``default``.

    ``exports`` are names in detection order, without repeats; ``reexports`` are the
    specifiers of modules whose own named exports Node adds (it resolves and lexes each).
    """

    exports: tuple[str, ...] = ()
    reexports: tuple[str, ...] = ()


def detect_cjs_exports(source: Source, tree: Tree | None = None) -> CjsExports:
    """The names Node gives ``import { … } from`` this CommonJS module (see the module doc);
    ``tree``: the source's parse tree when the caller has one already."""
    return _Lexer(source.code, tree if tree is not None else parse(source, module=False)).run()


# Token kinds.
_WORD = 1  # an identifier or keyword, without `\` escapes
_STRING = 2  # a '…' or "…" literal; the text keeps the quotes
_PUNCT = 3  # an operator or bracket; the text is the token
_OTHER = 4  # numbers, regular expressions, template text…; the text is ""

# Named leaves that the lexer reads as identifiers (anonymous keyword leaves count too).
_WORD_TYPES = frozenset({
    "identifier", "property_identifier", "shorthand_property_identifier",
    "shorthand_property_identifier_pattern", "statement_identifier", "this", "super", "true",
    "false", "null", "undefined", "import",
})
_SKIPPED = frozenset({"comment", "html_comment", "hash_bang_line"})
_OPENERS = frozenset({"(", "{", "${"})  # the lexer's depth counts these, not `[`
_CLOSERS = frozenset({")", "}"})
_ANCHORS = frozenset({
    "exports", "export", "module", "Object",  # at any depth
    "import", "require", "_interopRequireWildcard", "__export", "__exportStar",  # depth 0
})
_TOP_LEVEL_ONLY = frozenset({
    "import", "require", "_interopRequireWildcard", "__export", "__exportStar",
})
_DEFAULT = frozenset({"'default'", '"default"'})
_ES_MODULE = frozenset({"'__esModule'", '"__esModule"'})
# Bytes before a token that let it start a keyword (the lexer's keywordStart): whitespace,
# or an ECMAScript punctuator other than `.`.
_KEYWORD_PRECEDERS = frozenset(b"\t\n\v\f\r !%&()*+,-/:;<=>?[]^{|}~")
_PUNCTUATORS = frozenset("!%&()*+,-./:;<=>?[]^{|}~")
# Pattern placeholders for `_Lexer.match`: they can never be the text of a token.
_ID = "\0id"
_STR = "\0str"


@lru_cache(maxsize=1)
def _kinds_by_id() -> list[tuple[bool, int, str]]:
    """For each node kind id: never descend into it?, its token kind (0: skip) and its text.

    Classifying by id spares two calls per node in the walk (``type`` and ``is_named``).
    Anonymous kinds are keywords or punctuators whose text is their name; named leaves that
    the lexer reads as identifiers get their text from the source (empty here).
    """
    lang = language()
    table = []
    for kind_id in range(lang.node_kind_count):
        name = lang.node_kind_for_id(kind_id) or ""
        if not lang.node_kind_is_named(kind_id):
            kind = _WORD if name[:1].isalpha() else _PUNCT  # `${` is a punctuator
            table.append((False, kind, name))
        elif name in _SKIPPED:
            table.append((True, 0, ""))
        elif name == "string":
            table.append((True, _STRING, ""))
        else:
            table.append((name == "regex", _WORD if name in _WORD_TYPES else _OTHER, ""))
    return table


class _EsmSyntax(Exception):
    """The lexer's ERR_LEXER_ESM_SYNTAX: Node then falls back to no names."""


class _Lexer:
    """cjs-module-lexer's matchers over a list of tokens."""

    def __init__(self, code: bytes, tree: Tree) -> None:
        self.code = code
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.kinds: list[int] = []
        self.texts: list[str] = []
        self.escaped: dict[int, str] = {}  # identifiers with `\` escapes: the part before
        self._tokenize(tree)
        self.n = len(self.texts)
        self.exports: dict[str, None] = {}  # insertion-ordered sets, like the lexer's Sets
        self.unsafe: set[str] = set()
        self.reexports: dict[str, None] = {}
        self.star_bindings: dict[str, str | None] = {}  # `var _x = require('x')` at top level

    def _tokenize(self, tree: Tree) -> None:
        """List the leaves in source order; strings and regexes are single tokens."""
        code = self.code
        starts, ends, kinds, texts = self.starts, self.ends, self.kinds, self.texts
        table = _kinds_by_id()
        cursor = tree.walk()
        first_child, next_sibling, parent = (
            cursor.goto_first_child, cursor.goto_next_sibling, cursor.goto_parent)
        while True:
            node = cursor.node
            assert node is not None
            opaque, kind, text = table[node.kind_id]
            if opaque or not first_child():
                start, end = node.start_byte, node.end_byte
                if end > start and kind:  # zero width: an inserted `;`
                    if kind == _WORD and not text:  # an identifier: read its name
                        text = code[start:end].decode("utf-8", "replace")
                        if "\\" in text:  # the lexer reads up to the backslash only
                            self.escaped[len(texts)] = text[:text.index("\\")]
                            text, kind = "", _OTHER
                    elif kind == _STRING:
                        text = code[start:end].decode("utf-8", "replace")
                    texts.append(text)
                    kinds.append(kind)
                    starts.append(start)
                    ends.append(end)
                while not next_sibling():
                    if not parent():
                        return

    # --- token tests ---------------------------------------------------------------------

    def tx(self, p: int) -> str:
        """Text of token ``p`` ("" past the end)."""
        return self.texts[p] if p < self.n else ""

    def is_word(self, p: int) -> bool:
        return p < self.n and self.kinds[p] == _WORD

    def is_string(self, p: int) -> bool:
        return p < self.n and self.kinds[p] == _STRING

    def adjacent(self, p: int) -> bool:
        """Token ``p`` starts right where token ``p - 1`` ends (no space, no comment)."""
        return 0 < p < self.n and self.starts[p] == self.ends[p - 1]

    def keyword_start(self, p: int) -> bool:
        """Token ``p`` follows whitespace or a punctuator other than `.` (or starts the file)."""
        at = self.starts[p]
        if at == 0:
            return True
        before = self.code[at - 1]
        return before in _KEYWORD_PRECEDERS or (
            before == 0xA0 and at >= 2 and self.code[at - 2] == 0xC2  # no-break space
        )

    def after_dot(self, p: int) -> bool:
        at = self.starts[p]
        return at > 0 and self.code[at - 1] == 0x2E

    def spaces_between(self, a: int, b: int) -> bool:
        """Only U+0020 between tokens ``a`` and ``b`` (the lexer's backtracking reads no more)."""
        gap = self.code[self.ends[a]:self.starts[b]]
        return gap.count(b" ") == len(gap)

    def match(self, p: int, *pattern: str) -> int | None:
        """Index after tokens ``p…`` that spell ``pattern`` (``_ID``, ``_STR`` or exact texts)."""
        for want in pattern:
            if want is _ID:
                if not self.is_word(p):
                    return None
            elif want is _STR:
                if not self.is_string(p):
                    return None
            elif self.tx(p) != want:
                return None
            p += 1
        return p

    def require_call(self, p: int) -> int | None:
        """Index of the string in ``require ( 'x' )`` starting at token ``p``."""
        return p + 2 if self.match(p, "require", "(", _STR, ")") is not None else None

    def read_exports(self, p: int) -> int | None:
        """Index after ``exports`` or ``module.exports`` at token ``p``."""
        if self.tx(p) == "exports":
            return p + 1
        return self.match(p, "module", ".", "exports")

    # --- results ---------------------------------------------------------------------------

    def add_export(self, name: str | None) -> None:
        if name is not None:
            self.exports.setdefault(name)

    def add_reexport(self, specifier: str | None) -> None:
        if specifier is not None:
            self.reexports.setdefault(specifier)

    def string(self, p: int) -> str | None:
        return _string_value(self.texts[p])

    # --- the scan ---------------------------------------------------------------------------

    def run(self) -> CjsExports:
        try:
            self.scan()
        except _EsmSyntax:
            return CjsExports()
        return CjsExports(
            tuple(name for name in self.exports if name not in self.unsafe),
            tuple(self.reexports),
        )

    def scan(self) -> None:
        """Try the patterns at every anchor token, tracking the `(`/`{`/`${` depth."""
        kinds, texts = self.kinds, self.texts
        depth = 0
        i = 0
        while i < self.n:
            kind = kinds[i]
            text = texts[i]
            if kind == _PUNCT:
                if text in _OPENERS:
                    depth += 1
                elif text in _CLOSERS:
                    depth -= 1
            elif kind == _WORD and text in _ANCHORS:
                if text in _TOP_LEVEL_ONLY:
                    last = self.top_level(i, text) if depth == 0 else None
                else:
                    last = self.anywhere(i, text, depth)
                if last is not None:  # a match consumed a balanced run of tokens
                    i = last
            i += 1

    def anywhere(self, i: int, text: str, depth: int) -> int | None:
        """Patterns that start with ``exports``, ``export``, ``module`` or ``Object``."""
        if not self.keyword_start(i):
            return None
        if text == "exports":
            return self.exports_member(i + 1, assign=False)
        if text == "module":
            after = self.match(i + 1, ".", "exports")
            return None if after is None else self.exports_member(after, assign=True)
        if text == "Object":
            if self.tx(i + 1) == ".":
                method = self.tx(i + 2)
                if method == "defineProperty":
                    return self.define_property(i + 3)
                if method == "keys" and depth == 0:
                    self.keys_reexport(i + 3)
            return None
        if depth == 0:  # `export`, unless glued to a word: an ES module statement
            end = self.starts[i + 1] if i + 1 < self.n else len(self.code)
            if end > self.ends[i] or self.tx(i + 1)[:1] in _PUNCTUATORS:
                raise _EsmSyntax
        return None

    def top_level(self, i: int, text: str) -> int | None:
        """Patterns only tried outside parentheses and braces."""
        if text == "require":
            string = self.require_call(i)
            if string is None:
                return None
            if self.keyword_start(i):
                self.bind_star_export(i, self.string(string))
            return string + 1
        if text == "import":
            if self.keyword_start(i):
                self.check_import(i)
            return None
        if not (self.keyword_start(i) or self.after_dot(i)):
            return None
        # `_interopRequireWildcard(require('x'))`, `__export(require('x'))`: no space between
        if self.tx(i + 1) == "(" and self.adjacent(i + 1) and self.adjacent(i + 2):
            string = self.require_call(i + 2)
            if string is not None:
                if text != "_interopRequireWildcard":
                    self.add_reexport(self.string(string))
                elif self.keyword_start(i):
                    self.bind_star_export(i, self.string(string))
        return None

    def check_import(self, i: int) -> None:
        """``import x from``, ``import 'x'``, ``import {…}``, ``import.meta``; not ``import(``."""
        nxt = self.tx(i + 1)
        if nxt == "(":
            return
        if nxt in (".", "{", "*") or self.is_string(i + 1):
            raise _EsmSyntax
        end = self.starts[i + 1] if i + 1 < self.n else len(self.code)
        if end > self.ends[i]:  # `import` then whitespace: a statement
            raise _EsmSyntax

    def exports_member(self, p: int, *, assign: bool) -> int | None:
        """After ``exports`` (``module.exports`` if ``assign``): ``.a =``, ``['a'] =``, ``=``."""
        op = self.tx(p)
        if op == ".":
            if self.is_word(p + 1) and self.tx(p + 2).startswith("="):  # `==` too, as the lexer
                self.add_export(self.texts[p + 1])
                return p + 2
        elif op == "[":
            if self.match(p + 1, _STR, "]") is not None and self.tx(p + 3).startswith("="):
                self.add_export(self.string(p + 1))
        elif op.startswith("=") and assign:
            self.reexports.clear()  # only the last `module.exports =` counts
            if op == "=":
                value = self.tx(p + 1)
                if value == "{":
                    return self.literal(p + 1)
                if value == "require":
                    string = self.require_call(p + 1)
                    if string is not None:
                        self.add_reexport(self.string(string))
                        return string + 1
        return None

    def literal(self, p: int) -> int | None:
        """``{ a, b: c, 'd': e, ...f, ...require('x') }`` at ``p``: index of its ``}``.

        Stops at the first other shape (exports found so far stay).  A value must be an
        identifier directly followed by ``,`` or ``}``, but its key counts either way.
        """
        while True:
            p += 1
            kind = self.kinds[p] if p < self.n else _OTHER
            if self.escaped.get(p):  # `a\u0062`: the key `a`, then a backslash ends the scan
                self.add_export(self.escaped[p])
                return None
            if kind in (_WORD, _STRING):
                key = self.texts[p] if kind == _WORD else self.string(p)
                p += 1
                if self.tx(p) == ":":
                    p += 1
                    if not (self.is_word(p) or self.escaped.get(p)):
                        return None
                    self.add_export(key)
                    p += 1
                    if not self.adjacent(p) or p - 1 in self.escaped:
                        return None
                elif kind == _WORD:
                    self.add_export(key)
            elif self.tx(p) == "..." and self.adjacent(p + 1):
                string = self.require_call(p + 1)
                if string is not None:
                    self.add_reexport(self.string(string))
                    p = string + 2
                elif self.is_word(p + 1):
                    p += 2
                else:
                    return None
            else:
                return None
            close = self.tx(p)
            if close == "}":
                return p
            if close != ",":
                return None

    def define_property(self, p: int) -> int | None:
        """``Object.defineProperty(exports, 'a', {…})`` from the ``(`` at ``p``."""
        after = self.match(p, "(")
        target = None if after is None else self.read_exports(after)
        if target is None or self.match(target, ",", _STR) is None:
            return None
        name = self.string(target + 1)
        end = self.descriptor(target + 2)
        if end is None:
            if name is not None:
                self.unsafe.add(name)
            return None
        self.add_export(name)
        return end if end > 0 else None

    def descriptor(self, p: int) -> int | None:
        """``, { [enumerable: true,] value: …`` (0) or a simple getter (index of the last ``)``)."""
        after = self.match(p, ",", "{")
        if after is None:
            return None
        p = after
        if self.tx(p) == "enumerable":
            after = self.match(p + 1, ":", "true", ",")
            if after is None:
                return None
            p = after
        if self.tx(p) == "value":
            return 0 if self.tx(p + 1) == ":" else None
        if self.tx(p) != "get":
            return None
        after = self.getter(p + 1)
        if after is None:
            return None
        p = after
        if self.tx(p) == ".":
            if not self.is_word(p + 1):
                return None
            p += 2
        elif self.tx(p) == "[":
            after = self.match(p + 1, _STR, "]")
            if after is None:
                return None
            p = after
        if self.tx(p) == ";":
            p += 1
        if self.tx(p) != "}":
            return None
        p += 1
        if self.tx(p) == ",":
            p += 1
        return p + 1 if self.match(p, "}", ")") is not None else None

    def getter(self, p: int) -> int | None:
        """After ``get``: ``[: function [name]] () { return x``, index after ``x``."""
        if self.tx(p) == ":":
            if self.tx(p + 1) != "function":
                return None
            p += 2
            if self.tx(p) != "(" and self.is_word(p):
                p += 1
        return self.match(p, "(", ")", "{", "return", _ID)

    def keys_reexport(self, p: int) -> None:
        """Babel's ``Object.keys(_x).forEach(function (k) {…})`` from the ``(`` at ``p``."""
        after = self.match(p, "(", _ID, ")", ".", "forEach", "(", "function", "(", _ID)
        if after is None:
            return
        ns_id, key = self.texts[p + 1], self.texts[after - 1]
        after = self.match(after, ")", "{", "if", "(", key)
        if after is None:
            return
        p = after
        if self.tx(p) == "===":
            after = self.default_esmodule_guard(p + 1, ns_id, key)
        elif self.tx(p) == "!==":
            after = self.not_default_guard(p + 1, key)
        else:
            return
        if after is None:
            return
        after = self.copy_statement(after, ns_id, key)
        if after is None or self.match(after, "}", ")") is None:
            return
        specifier = self.star_bindings.get(ns_id)
        if specifier:
            # The lexer decodes the (already decoded) specifier once more.
            self.add_reexport(_string_value(specifier) if specifier[0] in "'\"" else specifier)

    def default_esmodule_guard(self, p: int, ns_id: str, key: str) -> int | None:
        """``'default' || k === '__esModule') return;`` and Babel's optional follow-up ifs."""
        if not (self.tx(p) in _DEFAULT and self.is_string(p)):
            return None
        after = self.match(p + 1, "||", key, "===")
        if after is None or not (self.tx(after) in _ES_MODULE and self.is_string(after)):
            return None
        after = self.match(after + 1, ")", "return")
        if after is None:
            return None
        p = after + (self.tx(after) == ";")
        if self.tx(p) != "if":
            return p
        after = self.match(p + 1, "(")
        if after is None:
            return None
        p = after
        own = self.has_own_property_call(p, key)  # `if (Object.prototype.hasOwnProperty…`
        if own is not None:
            after = self.match(own, ")", "return")
            if after is None:
                return None
            p = after + (self.tx(after) == ";")
            if self.tx(p) != "if":
                return p
            after = self.match(p + 1, "(")
            if after is None:
                return None
            p = after
        # `if (k in exports && exports[k] === _x[k]) return;`
        after = self.match(p, key, "in")
        if after is None or self.code[self.ends[after - 1]:self.ends[after - 1] + 1] != b" ":
            return None
        left = self.read_exports(after)
        if left is None or self.tx(left) != "&&":
            return None
        right = self.read_exports(left + 1)
        if right is None:
            return None
        after = self.match(right, "[", key, "]", "===", ns_id, "[", key, "]", ")", "return")
        if after is None:
            return None
        return after + (self.tx(after) == ";")

    def not_default_guard(self, p: int, key: str) -> int | None:
        """``'default' [&& !Object[.prototype].hasOwnProperty.call(x, k)])`` or ``!x.has…(k)``."""
        if not (self.tx(p) in _DEFAULT and self.is_string(p)):
            return None
        p += 1
        if self.tx(p) == "&&":
            if self.tx(p + 1) != "!":
                return None
            p += 2
            if self.tx(p) == "Object" and self.tx(p + 1) == "." and self.adjacent(p + 1):
                after = self.has_own_property_call(p, key)
            elif self.is_word(p):
                after = self.match(p + 1, ".", "hasOwnProperty", "(", key, ")")
            else:
                return None
            if after is None:
                return None
            p = after
        return self.match(p, ")")

    def has_own_property_call(self, p: int, key: str) -> int | None:
        """``Object[.prototype].hasOwnProperty.call(x, k)`` at ``p``: the index after it."""
        after = self.match(p, "Object", ".")
        if after is None:
            return None
        if self.tx(after) == "prototype":
            after = self.match(after + 1, ".")
            if after is None:
                return None
        return self.match(after, "hasOwnProperty", ".", "call", "(", _ID, ",", key, ")")

    def copy_statement(self, p: int, ns_id: str, key: str) -> int | None:
        """``exports[k] = _x[k]`` or the enumerable getter ``Object.defineProperty`` form."""
        target = self.read_exports(p)
        if target is not None:
            after = self.match(target, "[", key, "]", "=", ns_id, "[", key, "]")
        else:
            after = self.match(p, "Object", ".", "defineProperty", "(")
            after = None if after is None else self.read_exports(after)
            if after is not None:
                after = self.match(after, ",", key, ",", "{", "enumerable", ":", "true", ",",
                                   "get")
            if after is not None:
                after = self.getter(after)
                if after is not None and self.texts[after - 1] != ns_id:
                    after = None
            if after is not None:
                after = self.match(after, "[", key, "]")
            if after is not None:
                after += self.tx(after) == ";"
                after = self.match(after, "}")
            if after is not None:
                after += self.tx(after) == ","
                after = self.match(after, "}", ")")
        if after is None:
            return None
        return after + (self.tx(after) == ";")

    def bind_star_export(self, i: int, specifier: str | None) -> None:
        """Record ``var|let|const ID = `` (single spaces only) before the require at ``i``."""
        if i < 3 or self.tx(i - 1) != "=" or not (self.is_word(i - 2) and self.is_word(i - 3)):
            return
        if not self.texts[i - 3].endswith(("var", "let", "const")):  # the lexer reads 3-5 chars
            return
        if (self.spaces_between(i - 1, i) and self.spaces_between(i - 2, i - 1)
                and self.spaces_between(i - 3, i - 2)):
            self.star_bindings[self.texts[i - 2]] = specifier


_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v"}


def _hex(text: str) -> int | None:
    """The value of a run of hex digits, or None (``int`` would accept ``_`` and signs)."""
    if not text or any(c not in "0123456789abcdefABCDEF" for c in text):
        return None
    return int(text, 16)


def _string_value(raw: str) -> str | None:
    """A quoted string literal's value as the lexer decodes it, or None where it gives up.

    Escapes follow ECMA-262 (legacy octal included); the lexer drops a value holding a lone
    UTF-16 surrogate, so escaped surrogate pairs are joined and lone ones give None.

    >>> _string_value(r"'\\u{D83C}\\u{DF10}'"), _string_value(r"'\\uD83C'")
    ('🌐', None)
    >>> _string_value(r"'\\3z'"), _string_value(r"'\\x41\\101'")
    ('\\x03z', 'AA')
    """
    quote = raw[0]
    out: list[str] = []
    i, n = 1, len(raw)
    while i < n:
        c = raw[i]
        i += 1
        if c == quote:
            return _join_surrogates("".join(out))
        if c in "\r\n":
            return None
        if c != "\\":
            out.append(c)
            continue
        if i >= n:
            return None
        c = raw[i]
        i += 1
        if c == "\r":
            i += raw.startswith("\n", i)
        elif c in "\n\u2028\u2029":
            pass
        elif c in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[c])
        elif c == "x":
            value = _hex(raw[i:i + 2]) if len(raw[i:i + 2]) == 2 else None
            if value is None:
                return None
            out.append(chr(value))
            i += 2
        elif c == "u":
            if raw.startswith("{", i):
                close = raw.find("}", i + 1)
                value = _hex(raw[i + 1:close]) if close > 0 else None
                if value is None or value > 0x10FFFF:
                    return None
                i = close + 1
            else:
                value = _hex(raw[i:i + 4]) if len(raw[i:i + 4]) == 4 else None
                if value is None:
                    return None
                i += 4
            out.append(chr(value))
        elif "0" <= c <= "7":
            value = int(c)
            for _ in range(2 if c <= "3" else 1):
                if i < n and "0" <= raw[i] <= "7":
                    value = value * 8 + int(raw[i])
                    i += 1
                else:
                    break
            out.append(chr(value))
        else:
            out.append(c)
    return None


def _join_surrogates(text: str) -> str | None:
    """``text`` with UTF-16 surrogate pairs joined, or None if a surrogate is unpaired."""
    if not any("\ud800" <= c <= "\udfff" for c in text):
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        unit = ord(text[i])
        if 0xD800 <= unit < 0xDC00 and i + 1 < len(text) and 0xDC00 <= ord(text[i + 1]) < 0xE000:
            out.append(chr(0x10000 + ((unit - 0xD800) << 10) + ord(text[i + 1]) - 0xDC00))
            i += 2
        elif 0xD800 <= unit < 0xE000:
            return None
        else:
            out.append(text[i])
            i += 1
    return "".join(out)
