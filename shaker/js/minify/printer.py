"""Print the (rewritten) tree as compact JavaScript: tokens, the few spaces they need, ``;``.

The output is built from the tree's leaves, never from the source text between them, so
whitespace and comments disappear by construction.  Between two tokens a space is written
only where the two would otherwise lex differently (``return a``, ``a+ +b``, ``a- --b``,
``/re/ in x``, ``1 .toString()``, ``a / /re/``, ``a< !--b``).

Statements end with an explicit ``;`` wherever the source relied on automatic semicolon
insertion, so the restricted productions (``return``/``throw``/``break``/``continue``
followed by a newline, ``a\\n++b``, a newline before ``=>``) were already decided by the tree
and need no newline in the output.  A ``;`` right before ``}`` is dropped when it ended a
simple statement (never an empty statement: ``if(a);}``).

Comments kept: ``/*! ... */``, ``@license`` and ``@preserve`` (legal comments, written before
the statement that held them, each followed by a newline), and ``/*#__PURE__*/`` when it
annotates a call or ``new`` (written right before it).

Strings are re-quoted with the quote that needs fewer escapes, and every ``</script`` inside
a string or an untagged template is written ``<\\/script`` (same value, and the output can be
inlined in HTML).  Numbers are written in their shortest form with the same value.
"""

from __future__ import annotations

from decimal import Decimal

from shaker.js.minify.mangle import Binding
from shaker.js.minify.tree import N

__all__ = ["Printer", "is_ident_char", "shortest_number"]

# Statements that end with `;` (or with ASI, which the printer makes explicit).
SEMI_STATEMENTS = frozenset(
    {"expression_statement", "lexical_declaration", "variable_declaration", "return_statement",
     "throw_statement", "break_statement", "continue_statement", "debugger_statement",
     "do_statement", "import_statement", "export_statement"}
)
_LISTS = frozenset({"program", "statement_block", "class_body", "switch_case",
                    "switch_default", "class_static_block"})
_CALLS = frozenset({"call_expression", "new_expression", "parenthesized_expression"})


def is_ident_char(c: str) -> bool:
    """Characters that continue an identifier or a number (non-ASCII counted conservatively)."""
    return c.isalnum() or c in "_$\\" or c > "\x7f"


def _is_legal(text: str) -> bool:
    return text.startswith(("/*!", "//!")) or "@license" in text or "@preserve" in text


def _is_pure_annotation(text: str) -> bool:
    return text.startswith("/*") and text[2:-2].strip() in ("#__PURE__", "@__PURE__")


def shortest_number(raw: str) -> str:
    """The shortest literal with the value of the number literal ``raw``.

    Legacy octal (``010``) and decimals with a leading zero (``09``) are left alone, as are
    BigInts (only their separators go) and values that overflow to Infinity.
    """
    text = raw.replace("_", "")
    if text.endswith("n"):
        return text
    if len(text) > 1 and text[0] == "0" and text[1].isdigit():
        return raw
    prefix = text[:2].lower()
    try:
        value = float(int(text, 0)) if prefix in ("0x", "0o", "0b") else float(text)
    except (ValueError, OverflowError):
        return raw
    if value != value or value in (float("inf"), float("-inf")):
        return raw
    best = _format_number(value)
    return best if len(best) <= len(raw) else raw


def _format_number(value: float) -> str:
    if value.is_integer() and abs(value) < 1e21:
        digits = str(int(value))
        stripped = digits.rstrip("0")
        zeros = len(digits) - len(stripped)
        best = digits
        if zeros >= 3:
            best = f"{stripped}e{zeros}"
        if value >= 1e12:
            as_hex = hex(int(value))
            if len(as_hex) < len(best):
                best = as_hex
        return best
    sign, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    # value = 0.digits * 10**point
    point = len("".join(map(str, digit_tuple))) + exponent
    candidates = []
    n = len(digits)
    if 0 <= point < n:
        candidates.append((digits[:point] or "") + "." + digits[point:])
    elif point >= n:
        candidates.append(digits + "0" * (point - n))
    else:
        candidates.append("." + "0" * (-point) + digits)
    candidates.append(f"{digits}e{point - n}")
    if n > 1:
        candidates.append(f"{digits[0]}.{digits[1:]}e{point - 1}")
    best = min(candidates, key=len)
    return ("-" if sign else "") + best


def requote(raw: str) -> str:
    """Rewrite a string literal with the cheaper quote; the value never changes."""
    body = raw[1:-1]
    if "\\" not in body and "</" not in body:
        doubles = body.count('"')
        if not doubles:
            return '"' + body + '"'
        if "'" not in body:
            return "'" + body + "'"
    doubles = body.count('"')
    singles = body.count("'")
    quote = '"' if doubles <= singles else "'"
    out: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c == "\\" and i + 1 < n:
            nxt = body[i + 1]
            if (nxt == "'" or nxt == '"') and nxt != quote:
                out.append(nxt)
            else:
                out.append(c + nxt)
            i += 2
            continue
        if c == quote:
            out.append("\\" + c)
        elif c == "<" and body[i + 1:i + 8].lower() == "/script":
            out.append("<\\/")
            i += 2
            continue
        else:
            out.append(c)
        i += 1
    return quote + "".join(out) + quote


def _escape_script(text: str) -> str:
    """``</script`` inside template text, as ``<\\/script`` (same cooked value)."""
    if "</" not in text:
        return text
    out = []
    i = 0
    while True:
        j = text.find("</", i)
        if j < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:j])
        if text[j + 2:j + 8].lower() == "script":
            out.append("<\\/")
        else:
            out.append("</")
        i = j + 2


class Printer:
    """Writes tokens with the spacing rules above; records mappings for source maps."""

    def __init__(self, code: bytes, mapping: bool) -> None:
        self.code = code
        self.out: list[str] = []
        self.last = ""  # last character written
        self.last_kind = ""  # "regex" or "int" when the last token needs special spacing
        self.pos = 0  # characters written so far
        self.mapping = mapping
        self.marks: list[tuple[int, int, str | None]] = []  # (out pos, source byte, name)
        self.droppable = -1  # index in out of a `;` that may go before `}`
        self.pending: list[str] = []  # legal comments waiting for the next statement

    # -- tokens -----------------------------------------------------------------------------
    def tok(self, text: str, start: int = -1, name: str | None = None) -> None:
        last = self.last
        if last:
            c = text[0]
            if (is_ident_char(c) and (is_ident_char(last) or self.last_kind == "regex")) or (
                (c == "+" or c == "-") and last == c
            ) or (last == "/" and (c == "/" or c == "*")) or (
                c == "." and self.last_kind == "int"
            ) or (c == "!" and last == "<") or (c == ">" and self.out[-1].endswith("--")):
                self.out.append(" ")
                self.pos += 1
        if start >= 0 and self.mapping:
            self.marks.append((self.pos, start, name))
        self.out.append(text)
        self.pos += len(text)
        self.last = text[-1]
        self.last_kind = ""

    def raw(self, text: str) -> None:
        """Text that continues the previous token (template pieces): never spaced."""
        self.out.append(text)
        self.pos += len(text)
        self.last = text[-1]
        self.last_kind = ""

    def semi(self) -> None:
        """A `;` that ends a simple statement (droppable before `}`)."""
        self.tok(";")
        self.droppable = len(self.out) - 1

    def close(self, text: str = "}", start: int = -1) -> None:
        if self.droppable == len(self.out) - 1 and self.out and self.out[-1] == ";":
            self.out.pop()
            self.pos -= 1
            self.last = self.out[-1][-1] if self.out else ""
        self.droppable = -1
        if text:
            self.tok(text, start)

    def newline(self) -> None:
        self.out.append("\n")
        self.pos += 1
        self.last = "\n"
        self.last_kind = ""

    # -- nodes ------------------------------------------------------------------------------
    def node(self, node: N) -> None:
        kids = node.kids
        if not kids:
            self.leaf(node)
            return
        method = _DISPATCH.get(node.type)
        if method is not None:
            method(self, node)
            return
        self.children(node)
        if node.type in SEMI_STATEMENTS and kids[-1].type != ";" and (
                kids[-1].field != "declaration"):
            self.semi()

    def children(self, node: N) -> None:
        kids = node.kids
        for i, kid in enumerate(kids):
            if kid.type == "comment":
                self.comment(kid, kids, i)
            else:
                self.node(kid)

    def leaf(self, node: N) -> None:
        t = node.type
        text = node.text or ""
        if node.is_named:
            if t == "identifier" or t == "undefined":
                ref = node.ref
                if isinstance(ref, Binding) and ref.new is not None:
                    self.tok(ref.new, node.start, ref.name)
                    return
                self.tok(text, node.start, None)
                return
            if t == "shorthand_property_identifier" or t == (
                    "shorthand_property_identifier_pattern"):
                ref = node.ref
                if isinstance(ref, Binding) and ref.new is not None:
                    self.tok(text, node.start)
                    self.tok(":")
                    self.tok(ref.new, node.start, ref.name)
                    return
                self.tok(text, node.start)
                return
            if t == "number":
                out = shortest_number(text)
                self.tok(out, node.start)
                if out.isdigit():
                    self.last_kind = "int"
                return
            if t == "comment":
                self.comment(node, [node], 0)
                return
            if t == "hash_bang_line":
                self.tok(text, node.start)
                self.newline()
                return
            if t == "string":  # an empty string has no fragment
                self.tok(requote(text), node.start)
                return
            if t == "empty_statement":
                return
        if t == ";":
            parent = node.parent
            if parent is not None and parent.type in SEMI_STATEMENTS:
                self.semi()
            else:
                self.tok(";")
            return
        if t == "}":
            self.close("}", node.start)
            return
        if text:
            self.tok(text, node.start)

    def comment(self, node: N, siblings: list[N], index: int) -> None:
        text = node.text or ""
        if _is_legal(text):
            parent = node.parent
            if parent is not None and parent.type in _LISTS:
                self.tok(text, node.start)
                self.newline()
            else:
                self.pending.append(text)
            return
        if _is_pure_annotation(text):
            for nxt in siblings[index + 1:]:
                if nxt.type == "comment":
                    continue
                if nxt.type in _CALLS:
                    self.tok("/*#__PURE__*/")
                break

    def flush_pending(self) -> None:
        for text in self.pending:
            self.tok(text)
            self.newline()
        self.pending.clear()

    def statement_list(self, node: N) -> None:
        kids = node.kids
        for i, kid in enumerate(kids):
            t = kid.type
            if t == "comment":
                self.comment(kid, kids, i)
                continue
            if self.pending and kid.is_named:
                self.flush_pending()
            if t == "}":
                self.close("}", kid.start)
            elif t == "empty_statement" or (t == ";" and node.type == "class_body"):
                continue
            else:
                self.node(kid)
                if t == "field_definition":
                    self.semi()
        if node.type == "program":
            self.close("")
            self.flush_pending()

    def string(self, node: N) -> None:
        raw = self.code[node.start:node.end].decode("utf-8", "surrogatepass") if (
            node.start >= 0) else "".join(k.text or "" for k in node.kids)
        self.tok(requote(raw), node.start)

    def regex(self, node: N) -> None:
        raw = self.code[node.start:node.end].decode("utf-8", "surrogatepass")
        self.tok(raw, node.start)
        self.last_kind = "regex"

    def template(self, node: N) -> None:
        """Template text is kept byte for byte; only the substitutions are printed."""
        parent = node.parent
        tagged = parent is not None and parent.type == "call_expression" and (
            node.field == "arguments")
        code = self.code
        pos = node.start
        first = True
        for kid in node.kids:
            if kid.type != "template_substitution":
                continue
            text = code[pos:kid.start].decode("utf-8", "surrogatepass")
            text = text if tagged else _escape_script(text)
            if first:
                self.tok(text + "${", pos)
                first = False
            else:
                self.raw(text + "${")
            for inner in kid.kids:
                if inner.is_named and inner.type != "comment":
                    self.node(inner)
            self.raw("}")
            pos = kid.end
        text = code[pos:node.end].decode("utf-8", "surrogatepass")
        text = text if tagged else _escape_script(text)
        if first:
            self.tok(text, pos)
        else:
            self.raw(text)

    def import_specifier(self, node: N) -> None:
        name = node.get("name")
        alias = node.get("alias")
        if alias is None and name is not None:
            ref = name.ref
            if isinstance(ref, Binding) and ref.new is not None:
                self.tok(name.text or "", name.start)
                self.tok("as")
                self.tok(ref.new, name.start, ref.name)
                return
        self.children(node)

    def block(self, node: N) -> None:
        self.statement_list(node)


_DISPATCH = {
    "program": Printer.statement_list,
    "statement_block": Printer.statement_list,
    "class_body": Printer.statement_list,
    "class_static_block": Printer.children,
    "switch_case": Printer.statement_list,
    "switch_default": Printer.statement_list,
    "string": Printer.string,
    "regex": Printer.regex,
    "template_string": Printer.template,
    "import_specifier": Printer.import_specifier,
}
