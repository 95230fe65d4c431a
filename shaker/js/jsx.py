"""JSX lowering: ``<div a="1">{x}</div>`` becomes ``jsx("div", { a: "1", children: x })``.

The output is what esbuild (and Babel, where they agree) produce, so a project moving from
Vite gets the same elements: React's *automatic* runtime (``jsx``/``jsxs``/``Fragment``
from ``<import_source>/jsx-runtime``, ``jsxDEV`` with source positions in development,
``createElement`` from the import source when a ``key`` follows a spread) or the *classic*
one (``React.createElement(type, props, ...children)``), every call marked
``/* @__PURE__ */`` so unused elements can be dropped.

How the edits are made, and why:

- **Only JSX syntax is rewritten.** Every JavaScript expression inside an element (attribute
  values, children in braces, the tag of a component) stays where it is in the original
  bytes, so the source map is exact for everything a debugger steps through; the ``<``,
  ``=``, braces, text and closing tags are replaced around it. The one exception is a
  ``key``, which the automatic runtime takes after the props: its expression is copied there
  as text, as esbuild moves it (and evaluates it last, as esbuild does).
- **Lines do not move.** A replaced range that held line breaks is replaced by text holding
  as many, and the runtime import goes on line 1 (after a hashbang and the directive
  prologue) without a newline, so stack traces read right even without the map.
- **Text follows esbuild's rules** (``fixWhitespaceAndDecodeJSXEntities``): lines are trimmed
  of spaces and tabs (and the other whitespace JavaScript knows) except the leading space
  of the first line and the trailing space of the last; empty lines vanish; the rest are
  joined by one space; then HTML entities are decoded (the HTML 4 table plus ``&apos;``,
  decimal ``&#123;`` and hex ``&#x1F600;``). Attribute strings are decoded but keep their
  whitespace (Babel collapses ``\\n\\s+`` there; esbuild and TypeScript do not).
- **Pragmas in comments win over the options**, as in esbuild: ``@jsxRuntime``,
  ``@jsxImportSource`` (automatic), ``@jsx`` and ``@jsxFrag`` (classic); the last of each
  counts. A pragma that does not fit the runtime is ignored with a warning.
- **The runtime's local names cannot collide**: ``_jsx``, ``_jsxs``, ``_Fragment``,
  ``_jsxDEV``, ``_createElement`` (Babel's names) get a number when the file already spells
  that name anywhere.

A file without JSX is returned unchanged; one without ``</`` or ``/>`` is not even parsed.
"""

from __future__ import annotations

import html.entities
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from tree_sitter import Node, Tree

from shaker.diagnostics import Diagnostic, Severity
from shaker.errors import ShakerSyntaxError
from shaker.js.edits import EditBuffer
from shaker.js.names import spelled
from shaker.js.parse import parse
from shaker.js.queries import captures
from shaker.source import Source

if TYPE_CHECKING:
    from shaker.js.sourcemap import SourceMap

__all__ = ["JsxOptions", "JsxResult", "decode_entities", "jsx_text_value", "transform_jsx"]

Runtime = Literal["automatic", "classic"]
Piece = tuple[int, int] | str  # a kept range of original bytes, or new text

PURE = "/* @__PURE__ */ "

# The HTML 4 entities React's compilers decode (esbuild's table is exactly this one).
ENTITIES: dict[str, int] = {**html.entities.name2codepoint, "apos": 0x27}

# Whitespace that JSX text trims at line edges: esbuild's js_ast.IsWhitespace (tab, VT, FF,
# space, NBSP, the Unicode space separators, BOM); all of it is whitespace to JavaScript too.
_WHITESPACE = frozenset(
    "\t\v\f \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u202f\u205f\u3000\ufeff"
)
_NEWLINES = frozenset("\r\n\u2028\u2029")

_ELEMENTS = frozenset({"jsx_element", "jsx_self_closing_element"})
_FUNCTIONS_WITH_THIS = frozenset({"function_declaration", "function_expression", "function",
                                  "generator_function_declaration", "generator_function",
                                  "method_definition"})


@dataclass(frozen=True)
class JsxOptions:
    """How JSX is lowered; comment pragmas in the file override these."""

    runtime: Runtime = "automatic"
    import_source: str = "react"  # automatic: <import_source>/jsx-runtime (or jsx-dev-runtime)
    factory: str = "React.createElement"  # classic
    fragment: str = "React.Fragment"  # classic
    development: bool = False  # automatic: jsxDEV with source positions and `this`


@dataclass(frozen=True)
class JsxResult:
    """The lowered module; ``code`` is the input itself when it holds no JSX."""

    code: str
    map: SourceMap | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    changed: bool = False
    runtime: Runtime = "automatic"  # the runtime in effect after the pragmas
    imports: tuple[str, ...] = ()  # module specifiers of the added imports, in order


# --- text ----------------------------------------------------------------------------------


def decode_entities(text: str) -> str:
    """``text`` with its HTML character references decoded, exactly as esbuild does.

    ``&name;`` must be in the table, ``&#digits;`` decimal and ``&#xhex;`` hexadecimal
    (lower-case ``x``); anything else, ``&#X41;`` and ``&unknown;`` included, stays as it is.
    A reference to a lone surrogate yields it, so that two of them pair up in JavaScript.

    >>> decode_entities("a &amp; b &#123; &#x1F600; &nbsp;&wrong; &")
    'a & b { 😀 \\xa0&wrong; &'
    """
    if "&" not in text:
        return text
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        i += 1
        if c == "&":
            semi = text.find(";", i)
            if semi > i:
                entity = text[i:semi]
                value: int | None = None
                if entity[0] == "#":
                    digits, base = entity[1:], 10
                    if len(digits) > 1 and digits[0] == "x":
                        digits, base = digits[1:], 16
                    allowed = "0123456789abcdefABCDEF" if base == 16 else "0123456789"
                    if digits and all(d in allowed for d in digits):
                        number = int(digits, base)
                        if number <= 0x10FFFF:
                            value = number
                else:
                    value = ENTITIES.get(entity)
                if value is not None:
                    c = chr(value)
                    i = semi + 1
        out.append(c)
    return "".join(out)


def jsx_text_value(raw: str) -> str:
    """The string a run of JSX text stands for (React's whitespace rules, then entities).

    >>> jsx_text_value("\\n  Hello,\\n  world &amp; you  \\n")
    'Hello, world & you'
    >>> jsx_text_value(" a ")
    ' a '
    >>> jsx_text_value("\\n   \\n")
    ''
    """
    if not any(c in _NEWLINES for c in raw):
        return decode_entities(raw)
    parts: list[str] = []
    first = 0  # start of this line's text (the first line keeps its leading space)
    last = -1  # end of the last non-whitespace character seen
    for i, c in enumerate(raw):
        if c in _NEWLINES:
            if first >= 0 and last > first:
                parts.append(decode_entities(raw[first:last]))
            first = -1
        elif c not in _WHITESPACE:
            last = i + 1
            if first < 0:
                first = i
    if first >= 0:  # the last line keeps its trailing space
        parts.append(decode_entities(raw[first:]))
    return " ".join(parts)


def _separator(code: bytes, at: int) -> str:
    """A comma, with a space unless the original already has whitespace there."""
    return "," if code[at:at + 1] in (b" ", b"\t", b"\n", b"\r") else ", "


def _trimmed_edges(raw: str) -> tuple[int, int]:
    """UTF-8 lengths of the whitespace that ``jsx_text_value`` trims off the start and end
    of ``raw`` (whole blank lines only: a single line keeps its spaces)."""
    stripped = raw.lstrip("".join(_WHITESPACE | _NEWLINES))
    lead = raw[:len(raw) - len(stripped)]
    rstripped = raw.rstrip("".join(_WHITESPACE | _NEWLINES))
    trail = raw[len(rstripped):]
    lead_bytes = len(lead.encode()) if any(c in _NEWLINES for c in lead) else 0
    trail_bytes = len(trail.encode()) if any(c in _NEWLINES for c in trail) else 0
    return lead_bytes, trail_bytes


def js_string(value: str) -> str:
    """A double-quoted JavaScript string literal for ``value`` (lone surrogates escaped).

    >>> print(js_string('a"b\\\\c\\n\\u2028😀'))
    "a\\"b\\\\c\\n\\u2028😀"
    """
    out = ['"']
    for c in value:
        o = ord(c)
        if c == '"' or c == "\\":
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif o < 0x20 or o == 0x7F or 0x2028 <= o <= 0x2029 or 0xD800 <= o <= 0xDFFF:
            out.append(f"\\u{o:04x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def _is_identifier_name(name: str) -> bool:
    """Whether ``name`` can be an unquoted property key (JSX names may hold ``-`` and ``:``)."""
    return bool(name) and (name[0].isalpha() or name[0] in "_$" or ord(name[0]) > 0x7F) and all(
        c.isalnum() or c in "_$" or ord(c) > 0x7F for c in name)


# --- pragmas -------------------------------------------------------------------------------


@dataclass
class _Settings:
    runtime: Runtime
    import_source: str
    factory: str
    fragment: str
    development: bool


def _pragma_arg(text: str, at: int) -> tuple[str, int] | None:
    """The word after a pragma name at ``at`` (whitespace first, then non-whitespace)."""
    n = len(text)
    if at >= n or not (text[at].isspace() or text[at] in _WHITESPACE):
        return None
    while at < n and (text[at].isspace() or text[at] in _WHITESPACE):
        at += 1
    end = at
    while end < n and not (text[end].isspace() or text[end] in _WHITESPACE):
        end += 1
    return (text[at:end], at) if end > at else None


def _pragmas(comment: str) -> Iterator[tuple[str, str, int]]:
    """``(name, argument, offset in comment)`` for each ``@jsx…`` pragma, as esbuild reads
    them: the name must end at a non-identifier character, the argument follows whitespace."""
    body_end = len(comment) - 2 if comment.startswith("/*") else len(comment)
    body = comment[:body_end]
    pos = body.find("@")
    while pos >= 0:
        for name in ("jsxImportSource", "jsxRuntime", "jsxFrag", "jsx"):
            end = pos + 1 + len(name)
            if body.startswith(name, pos + 1) and (
                end == len(body) or not (body[end].isalnum() or body[end] in "_$")
            ):
                arg = _pragma_arg(body, end)
                if arg is not None:
                    yield name, arg[0], arg[1]
                break
        pos = body.find("@", pos + 1)


def _settings(source: Source, comments: list[Node], options: JsxOptions,
              diagnostics: list[Diagnostic]) -> _Settings:
    found: dict[str, tuple[str, int]] = {}
    for comment in comments:
        text = source.code[comment.start_byte:comment.end_byte]
        if b"@jsx" not in text:
            continue
        decoded = text.decode("utf-8", "replace")
        for name, arg, offset in _pragmas(decoded):
            found[name] = (arg, comment.start_byte + len(decoded[:offset].encode()))
    settings = _Settings(options.runtime, options.import_source, options.factory,
                         options.fragment, options.development)

    def warn(offset: int, message: str) -> None:
        diagnostics.append(Diagnostic.at(source, offset, message, id="jsx-pragma"))

    if "jsxRuntime" in found:
        value, offset = found["jsxRuntime"]
        if value in ("automatic", "classic"):
            settings.runtime = "automatic" if value == "automatic" else "classic"
        else:
            warn(offset, f'Invalid JSX runtime: "{value}" (use "classic" or "automatic")')
    automatic = settings.runtime == "automatic"
    for name, attr, what in (("jsx", "factory", "JSX factory"),
                             ("jsxFrag", "fragment", "JSX fragment")):
        if name in found:
            value, offset = found[name]
            if automatic:
                warn(offset, f"The {what} cannot be set when using React's \"automatic\" JSX "
                             "transform (add a \"@jsxRuntime classic\" comment)")
            else:
                setattr(settings, attr, value)
    if "jsxImportSource" in found:
        value, offset = found["jsxImportSource"]
        if automatic:
            settings.import_source = value
        else:
            warn(offset, "The JSX import source cannot be set without also enabling React's "
                         "\"automatic\" JSX transform")
    return settings


# --- the lowering --------------------------------------------------------------------------


def _error(source: Source, offset: int, message: str) -> ShakerSyntaxError:
    return ShakerSyntaxError(Diagnostic.at(source, offset, message, severity=Severity.ERROR),
                             source)


def _newlines(data: bytes) -> int:
    """How many line breaks ``data`` holds (CRLF counts once), to keep lines in place."""
    count = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    if b"\xe2\x80" in data:
        count += data.count("\u2028".encode()) + data.count("\u2029".encode())
    return count


class _Out:
    """Pieces covering a byte range in order: kept original ranges and new text."""

    __slots__ = ("code", "cursor", "pieces")

    def __init__(self, code: bytes, start: int) -> None:
        self.code = code
        self.cursor = start
        self.pieces: list[Piece] = []

    def text(self, text: str) -> None:
        if text:
            self.pieces.append(text)

    def keep(self, end: int) -> None:
        """Keep the original bytes from the cursor to ``end``."""
        if end > self.cursor:
            self.pieces.append((self.cursor, end))
            self.cursor = end

    def replace(self, end: int, text: str, *, breaks_first: bool = False) -> None:
        """Replace the bytes from the cursor to ``end`` by ``text`` plus their line breaks."""
        breaks = "\n" * _newlines(self.code[self.cursor:end])
        self.text(breaks + text if breaks_first else text + breaks)
        self.cursor = max(end, self.cursor)

    def extend(self, pieces: list[Piece], end: int) -> None:
        self.pieces.extend(pieces)
        self.cursor = end


def _render(code: bytes, pieces: list[Piece]) -> str:
    return "".join(p if isinstance(p, str) else code[p[0]:p[1]].decode("utf-8", "replace")
                   for p in pieces)


@dataclass(frozen=True)
class _Child:
    """Bytes between an element's tags: ``text``, ``empty`` (text that trims to nothing,
    ``{}`` or a comment in braces), ``expr``, ``spread`` (``{...x}``) or ``element``."""

    start: int
    end: int
    kind: str
    node: Node | None


@dataclass
class _Prop:
    """One attribute: ``name`` is None for a spread; ``node`` is the attribute itself."""

    node: Node
    name: str | None
    name_node: Node | None
    value: Node | None  # string, jsx_expression, or element; None for a boolean


class _Lowering:
    """Lowers the JSX of one file; see the module docstring for the output's shape."""

    def __init__(self, source: Source, settings: _Settings,
                 inner: dict[int, list[Node]]) -> None:
        self.source = source
        self.code = source.code
        self.s = settings
        self.inner = inner  # element id -> the outermost elements nested in it
        self.current_inner: list[Node] = []  # ... of the element being lowered
        self.used: dict[str, str] = {}  # runtime export -> local name
        self.legacy: dict[str, str] = {}  # createElement fallback: export -> local name
        self._taken: set[str] = set()

    # -- names --------------------------------------------------------------------------
    def _local(self, export: str) -> str:
        """A local name for a runtime export that nothing in the file spells (Babel's ``_x``)."""
        base = "_" + export
        name, n = base, 1
        while name in self._taken or spelled(self.code, name):
            n += 1
            name = f"{base}{n}"
        self._taken.add(name)
        return name

    def runtime_name(self, export: str) -> str:
        if export not in self.used:
            self.used[export] = self._local(export)
        return self.used[export]

    def legacy_name(self, export: str) -> str:
        if export not in self.legacy:
            self.legacy[export] = self._local(export)
        return self.legacy[export]

    # -- elements -----------------------------------------------------------------------
    def element(self, node: Node) -> list[Piece]:
        """Pieces for one element, nested elements included."""
        saved = self.current_inner
        self.current_inner = self.inner.get(node.id, [])
        try:
            return self._element(node)
        finally:
            self.current_inner = saved

    def _element(self, node: Node) -> list[Piece]:
        self_closing = node.type == "jsx_self_closing_element"
        opening = node if self_closing else node.child_by_field_name("open_tag")
        closing = None if self_closing else node.child_by_field_name("close_tag")
        assert opening is not None
        name = opening.child_by_field_name("name")
        if closing is not None:
            self._check_closing(name, closing)
        props = [self._prop(a) for a in opening.children_by_field_name("attribute")]
        children = [] if closing is None else self._children(node, opening, closing)
        # The automatic runtime takes `key` apart from the props, which changes what a
        # spread before it could override; Babel and esbuild keep createElement for that.
        create_element = self.s.runtime != "automatic"
        seen_spread = False
        for prop in props:
            if prop.name is None:
                seen_spread = True
            elif prop.name == "key" and seen_spread:
                create_element = True
        out = _Out(self.code, node.start_byte)
        if create_element:
            self._call_create_element(out, node, opening, name, props, children, closing)
        else:
            self._call_jsx(out, node, opening, name, props, children, closing)
        return out.pieces

    def _check_closing(self, name: Node | None, closing: Node) -> None:
        close_name = closing.child_by_field_name("name")
        want = self._tag_text(name)
        got = self._tag_text(close_name)
        if want != got:
            what = f'"{got}" tag' if got else "fragment tag"
            opening = f'"{want}" tag' if want else "fragment tag"
            raise _error(self.source, closing.start_byte,
                         f"Unexpected closing {what} does not match opening {opening}")

    def _tag_text(self, name: Node | None) -> str:
        """A tag name as JSX spells it, without the whitespace and comments it may hold."""
        if name is None:
            return ""
        if name.type == "member_expression":
            obj = name.child_by_field_name("object")
            prop = name.child_by_field_name("property")
            assert obj is not None and prop is not None
            return self._tag_text(obj) + "." + self._text(prop)
        if name.type == "jsx_namespace_name":
            parts = [c for c in name.named_children if c.type != "comment"]
            return ":".join(self._text(p) for p in parts)
        return self._text(name)

    def _text(self, node: Node) -> str:
        return self.code[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def _prop(self, attr: Node) -> _Prop:
        src = self.source
        if attr.type == "jsx_expression":  # {...spread}
            inner = [c for c in attr.named_children if c.type != "comment"]
            if len(inner) != 1 or inner[0].type != "spread_element":
                raise _error(src, attr.start_byte + 1, 'Expected "..." in a JSX attribute')
            return _Prop(attr, None, None, inner[0])
        parts = [c for c in attr.named_children if c.type != "comment"]
        name_node = parts[0]
        value = parts[1] if len(parts) > 1 else None
        name = self._tag_text(name_node)
        if value is not None and value.type == "jsx_expression":
            inner = [c for c in value.named_children if c.type != "comment"]
            if not inner:
                raise _error(src, value.start_byte,
                             "JSX attributes must only be assigned a non-empty expression")
            if inner[0].type == "spread_element":
                raise _error(src, inner[0].start_byte, "Unexpected \"...\" in a JSX attribute")
        return _Prop(attr, name, name_node, value)

    def _children(self, node: Node, opening: Node, closing: Node) -> list[_Child]:
        """The children between the tags; together they cover every byte there."""
        out: list[_Child] = []
        cursor = opening.end_byte
        end = closing.start_byte

        def text(a: int, b: int) -> None:
            if b > a:
                raw = self.code[a:b].decode("utf-8", "replace")
                out.append(_Child(a, b, "text" if jsx_text_value(raw) else "empty", None))

        for child in node.named_children:
            t = child.type
            if child.start_byte < cursor or child.end_byte > end or t in (
                    "jsx_text", "html_character_reference", "comment"):
                continue
            text(cursor, child.start_byte)
            if t == "jsx_expression":
                inner = [c for c in child.named_children if c.type != "comment"]
                kind = ("empty" if not inner else
                        "spread" if inner[0].type == "spread_element" else "expr")
            else:
                kind = "element"
            out.append(_Child(child.start_byte, child.end_byte, kind, child))
            cursor = child.end_byte
        text(cursor, end)
        return out

    # -- expressions ----------------------------------------------------------------------
    def _expression(self, out: _Out, container: Node) -> None:
        """Emit the expression inside ``{…}`` in place, dropping the braces (and wrapping a
        sequence expression in parentheses, which JSX's braces used to provide)."""
        inner = [c for c in container.named_children if c.type != "comment"]
        expr = inner[0]
        sequence = expr.type == "sequence_expression"
        out.replace(container.start_byte + 1, "(" if sequence else "")
        self._keep_with_jsx(out, container.end_byte - 1)
        out.replace(container.end_byte, ")" if sequence else "", breaks_first=True)

    def _keep_with_jsx(self, out: _Out, end: int) -> None:
        """Keep original bytes up to ``end``, lowering the elements nested in them."""
        start = out.cursor
        for element in self.current_inner:
            if start <= element.start_byte and element.end_byte <= end:
                out.keep(element.start_byte)
                out.extend(self.element(element), element.end_byte)
        out.keep(end)

    def _value(self, out: _Out, prop: _Prop) -> None:
        """Emit ``: value`` for an attribute whose name was just emitted (cursor after it)."""
        value = prop.value
        if value is None:
            out.text(": true")
            return
        if value.type == "string":
            raw = self.code[value.start_byte + 1:value.end_byte - 1].decode("utf-8", "replace")
            out.replace(value.end_byte, ": " + js_string(decode_entities(raw)))
        elif value.type == "jsx_expression":
            out.replace(value.start_byte, ": ")
            self._expression(out, value)
        else:  # an element
            out.replace(value.start_byte, ": ")
            out.extend(self.element(value), value.end_byte)

    def _value_text(self, prop: _Prop) -> str:
        """An attribute's value as standalone text (for a ``key`` moved after the props)."""
        value = prop.value
        assert value is not None
        if value.type == "string":
            raw = self.code[value.start_byte + 1:value.end_byte - 1].decode("utf-8", "replace")
            return js_string(decode_entities(raw))
        sub = _Out(self.code, value.start_byte)
        if value.type == "jsx_expression":
            self._expression(sub, value)
        else:
            sub.extend(self.element(value), value.end_byte)
        # Its line breaks stay where the attribute was (see _props); a `//` comment inside
        # would swallow what follows it, so the copy is one line only without one.
        text = _render(self.code, sub.pieces)
        return text if "//" in text else " ".join(text.splitlines()) or text

    def _tag(self, out: _Out, node: Node, name: Node | None, call: str) -> None:
        """Emit ``PURE call(TYPE`` for the opening ``<`` and tag name."""
        if name is None:  # a fragment (never a createElement fallback: it has no props)
            fragment = (self.runtime_name("Fragment") if self.s.runtime == "automatic"
                        else self.s.fragment)
            out.replace(node.start_byte + 1, f"{PURE}{call}({fragment}")
            return
        tag = self._tag_text(name)
        # esbuild's rule: a name with `-` or `:`, or a single lower-case-initial identifier,
        # is an intrinsic element (a string); anything else is a value in scope.
        if name.type == "jsx_namespace_name" or "-" in tag or (
                name.type == "identifier" and "a" <= tag[0] <= "z"):
            out.replace(name.end_byte, f"{PURE}{call}({js_string(tag)}")
        else:  # a component: its name stays in place, so it maps exactly
            out.replace(name.start_byte, f"{PURE}{call}(")
            out.keep(name.end_byte)

    def _props(self, out: _Out, props: list[_Prop], *, skip_key: bool, more: bool) -> bool:
        """Emit the props' entries in place (a skipped ``key`` is removed); returns whether
        any entry was emitted. ``more`` says whether children follow and need a comma."""
        kept = [p for p in props if not (skip_key and p.name == "key")]
        for prop in props:
            out.keep(prop.node.start_byte)
            if prop not in kept:
                out.replace(prop.node.end_byte, "")
                continue
            if prop.name is None:  # {...spread}
                assert prop.value is not None
                out.replace(prop.value.start_byte, "")
                self._keep_with_jsx(out, prop.node.end_byte - 1)
                out.replace(prop.node.end_byte, "", breaks_first=True)
            else:
                assert prop.name_node is not None
                key = prop.name if _is_identifier_name(prop.name) else js_string(prop.name)
                if key == prop.name and prop.name_node.type != "jsx_namespace_name":
                    out.keep(prop.name_node.end_byte)
                else:
                    out.replace(prop.name_node.end_byte, key)
                self._value(out, prop)
            if prop is not kept[-1] or more:
                out.text(",")
        return bool(kept)

    def _emit_children(self, out: _Out, children: list[_Child], *, leading: bool) -> None:
        """Emit the children in place, separated by commas (and one before the first when
        ``leading``): text as string literals, expressions without their braces. The
        indentation and line breaks around them stay, so the output reads like the input."""
        live = [c for c in children if c.kind != "empty"]
        code = self.code
        for child in children:
            out.keep(child.start)
            if child.kind == "empty":
                if child.node is None:  # whitespace only: valid JavaScript whitespace too
                    out.keep(child.end)
                else:  # `{}` or `{/* comment */}`
                    out.replace(child.end, "")
                continue
            if leading and child is live[0]:
                out.text(", ")
            last = child is live[-1]
            if child.kind == "text":
                raw = code[child.start:child.end].decode("utf-8", "replace")
                lead, trail = _trimmed_edges(raw)
                out.keep(child.start + lead)
                sep = "" if last else _separator(code, child.end - trail)
                out.replace(child.end - trail, js_string(jsx_text_value(raw)) + sep)
                out.keep(child.end)
                continue
            sep = "" if last else _separator(code, child.end)
            assert child.node is not None
            if child.kind == "element":
                out.extend(self.element(child.node), child.end)
            elif child.kind == "spread":
                out.replace(child.start + 1, "")
                self._keep_with_jsx(out, child.end - 1)
                out.replace(child.end, "", breaks_first=True)
            else:
                self._expression(out, child.node)
            out.text(sep)

    def _call_jsx(self, out: _Out, node: Node, opening: Node, name: Node | None,
                  props: list[_Prop], children: list[_Child], closing: Node | None) -> None:
        """``jsx(type, { ...props, children }, key)``; ``jsxs`` for a static array of
        children; ``jsxDEV(type, props, key, isStaticChildren, source, this)`` in dev."""
        live = [c for c in children if c.kind != "empty"]
        static = len(live) > 1 or (len(live) == 1 and live[0].kind == "spread")
        dev = self.s.development
        call = self.runtime_name("jsxDEV" if dev else "jsxs" if static else "jsx")
        key: _Prop | None = None
        for prop in props:
            if prop.name in ("__self", "__source"):
                raise _error(self.source, prop.node.start_byte,
                             f'Duplicate "{prop.name}" prop found: both "__source" and '
                             '"__self" are set automatically by the automatic JSX transform')
            if prop.name == "key":
                if prop.value is None:
                    raise _error(self.source, prop.node.start_byte,
                                 'Please provide an explicit value for "key": "key" as a '
                                 'shorthand for "key={true}" is not allowed by the automatic '
                                 "JSX transform")
                key = prop  # the last one wins, as in esbuild
        self._tag(out, node, name, call)
        out.text(", {")
        any_props = self._props(out, props, skip_key=True, more=bool(live))
        tail = "" if key is None else ", " + self._value_text(key)
        if dev:
            tail = (f", {self._value_text(key) if key else 'void 0'}, "
                    f"{'true' if static else 'false'}, {self._source_info(node)}"
                    f"{self._this_arg(node)}")
        if closing is None:
            out.keep(node.end_byte - 2)  # trivia before `/>`
            out.replace(node.end_byte, (" }" if any_props else "}") + tail + ")",
                        breaks_first=True)
            return
        out.keep(opening.end_byte - 1)
        out.replace(opening.end_byte, " children: " + ("[" if static else "") if live else "")
        self._emit_children(out, children, leading=False)
        out.keep(closing.start_byte)
        close = ("]" if static else "") + " }" if live else " }" if any_props else "}"
        out.replace(closing.end_byte, close + tail + ")", breaks_first=True)

    def _call_create_element(self, out: _Out, node: Node, opening: Node, name: Node | None,
                             props: list[_Prop], children: list[_Child],
                             closing: Node | None) -> None:
        """``createElement(type, props | null, ...children)``: classic, or the automatic
        runtime's fallback for a key after a spread (imported from the import source)."""
        automatic = self.s.runtime == "automatic"
        call = self.legacy_name("createElement") if automatic else self.s.factory
        self._tag(out, node, name, call)
        if props:
            out.text(", {")
            self._props(out, props, skip_key=False, more=False)
        tail = " }" if props else ", null"
        if closing is None:
            out.keep(node.end_byte - 2)
            out.replace(node.end_byte, tail + ")", breaks_first=True)
            return
        out.keep(opening.end_byte - 1)
        out.replace(opening.end_byte, tail)
        self._emit_children(out, children, leading=True)
        out.keep(closing.start_byte)
        out.replace(closing.end_byte, ")", breaks_first=True)

    def _source_info(self, node: Node) -> str:
        line, column = self.source.index.line_col(node.start_byte)
        return (f"{{ fileName: {js_string(self.source.filename)}, lineNumber: {line + 1}, "
                f"columnNumber: {column + 1} }}")

    def _this_arg(self, node: Node) -> str:
        """``, this`` where ``this`` is an object a component may want (esbuild's rule):
        inside a non-arrow function or a class body, but not in a derived class's
        constructor (before ``super()`` it would throw), and never at module level."""
        cur = node.parent
        while cur is not None:
            t = cur.type
            if t in _FUNCTIONS_WITH_THIS:
                if t == "method_definition":
                    name = cur.child_by_field_name("name")
                    if name is not None and self._text(name) == "constructor":
                        body = cur.parent
                        cls = body.parent if body is not None else None
                        if cls is not None and any(c.type == "class_heritage"
                                                   for c in cls.children):
                            return ""
                return ", this"
            if t in ("field_definition", "class_static_block"):
                return ", this"
            cur = cur.parent
        return ""


def _nesting(elements: list[Node]) -> tuple[list[Node], dict[int, list[Node]]]:
    """The outermost elements, and for each element the outermost elements inside it."""
    elements.sort(key=lambda e: (e.start_byte, -e.end_byte))
    roots: list[Node] = []
    inner: dict[int, list[Node]] = {}
    stack: list[Node] = []
    for element in elements:
        while stack and stack[-1].end_byte <= element.start_byte:
            stack.pop()
        if stack:
            inner.setdefault(stack[-1].id, []).append(element)
        else:
            roots.append(element)
        stack.append(element)
    return roots, inner


def _prologue_end(root: Node, code: bytes) -> tuple[int, str]:
    """Where the runtime import goes: after a hashbang and the directive prologue, with the
    ``;`` a directive without one needs so that the import does not join it."""
    pos = 0
    prefix = ""
    if code.startswith(b"\xef\xbb\xbf"):
        pos = 3
    for child in root.children:
        if child.type == "hash_bang_line":
            pos = child.end_byte
            prefix = "\n"
            nl = code.find(b"\n", pos)
            if nl >= 0:
                pos, prefix = nl + 1, ""
            continue
        if child.type == "comment":
            continue
        if child.type == "expression_statement" and child.named_child_count == 1 and (
                child.named_children[0].type == "string"):
            pos = child.end_byte
            prefix = "" if code[pos - 1:pos] == b";" else ";"
            continue
        break
    return pos, prefix


def transform_jsx(source: Source, options: JsxOptions | None = None, *,
                  tree: Tree | None = None, sourcemap: bool = True) -> JsxResult:
    """Lower every JSX element of ``source``; see the module docstring.

    ``tree`` may be passed when the caller has already parsed ``source``. Raises
    :class:`~shaker.errors.ShakerSyntaxError` for invalid JavaScript or JSX.

    >>> r = transform_jsx(Source("a.jsx", b'f(<p id="x">hi {name}</p>);'))
    >>> print(r.code.replace(";", ";\\n", 1))
    import { jsxs as _jsxs } from "react/jsx-runtime";
    f(/* @__PURE__ */ _jsxs("p", { id: "x", children: ["hi ", name] }));
    """
    options = options or JsxOptions()
    code = source.code
    if b"</" not in code and b"/>" not in code:
        return JsxResult(source.text, runtime=options.runtime)
    if tree is None:
        tree = parse(source)
    found = captures("jsx", tree.root_node)
    elements = found.get("element", [])
    if not elements:
        return JsxResult(source.text, runtime=options.runtime)
    diagnostics: list[Diagnostic] = []
    settings = _settings(source, found.get("comment", []), options, diagnostics)
    roots, inner = _nesting(elements)
    lowering = _Lowering(source, settings, inner)
    buf = EditBuffer(code)
    for element in roots:
        _apply(buf, element.start_byte, element.end_byte, lowering.element(element))

    imports: list[str] = []
    statements: list[str] = []
    if lowering.used:
        suffix = "/jsx-dev-runtime" if settings.development else "/jsx-runtime"
        imports.append(settings.import_source + suffix)
        statements.append(_import_statement(lowering.used, imports[-1]))
    if lowering.legacy:
        imports.append(settings.import_source)
        statements.append(_import_statement(lowering.legacy, imports[-1]))
    if statements:
        pos, prefix = _prologue_end(tree.root_node, code)
        buf.insert(pos, prefix + "".join(statements))
    out = buf.apply_text()
    map_ = buf.generate_map(source=source.filename) if sourcemap else None
    return JsxResult(out, map_, diagnostics, True, settings.runtime, tuple(imports))


def _import_statement(names: dict[str, str], specifier: str) -> str:
    specs = ", ".join(f"{export} as {local}" for export, local in sorted(names.items()))
    return f"import {{ {specs} }} from {js_string(specifier)};"


def _apply(buf: EditBuffer, start: int, end: int, pieces: list[Piece]) -> None:
    """Turn pieces covering ``[start, end)`` into edits of ``buf``."""
    cursor = start
    pending: list[str] = []
    for piece in pieces:
        if isinstance(piece, str):
            pending.append(piece)
            continue
        a, b = piece
        if a < cursor:
            raise AssertionError(f"piece {piece} before {cursor}")
        if a > cursor:
            buf.replace(cursor, a, "".join(pending))
        elif pending:
            buf.insert(cursor, "".join(pending))
        pending = []
        cursor = b
    if cursor < end:
        buf.replace(cursor, end, "".join(pending))
    elif pending:
        buf.insert(cursor, "".join(pending))
