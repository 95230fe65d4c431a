"""The references in an HTML page that a build must follow and rewrite.

Tags are found with the standard library's ``html.parser`` (so comments, ``<script>`` bodies
and odd markup are handled the way a tolerant HTML tokenizer does), and attribute values are
located in the raw start tag with that same module's attribute pattern, so that a rewrite
replaces exactly the characters the parser read.  Everything else in the page stays
byte-identical.  Ranges are ``str`` indices into the decoded page (HTML is not JavaScript: the
byte-offset rule of the transform does not apply here), and :func:`apply_edits` is the one
place that uses them.

>>> page = parse_html('<head></head><script type="module" src="/main.js"></script>')
>>> [(r.kind, r.value) for r in page.refs], page.head_end
([('module-script', '/main.js')], 6)
>>> ref = page.refs[0]
>>> apply_edits(page.text, [(ref.start, ref.end, quote_attribute("/assets/a.js"))])
'<head></head><script type="module" src="/assets/a.js"></script>'
"""

from __future__ import annotations

import html
import html.parser
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

RefKind = Literal["module-script", "inline-module", "stylesheet", "modulepreload", "asset"]

# The stdlib tokenizer's own patterns, so value ranges match what it parsed.
# (undocumented module attributes, absent from typeshed's stub)
_TAG_NAME = html.parser.tagfind_tolerant  # type: ignore[attr-defined]
_ATTRIBUTE = html.parser.attrfind_tolerant  # type: ignore[attr-defined]
_JS_TYPES = ("", "module")
# Attributes that name a file the page loads: (tag, attribute).
_ASSET_ATTRIBUTES = frozenset({
    ("img", "src"), ("video", "src"), ("video", "poster"), ("audio", "src"),
    ("source", "src"), ("track", "src"), ("input", "src"), ("link", "href"),
    ("image", "href"), ("use", "href"),
})


class HtmlRef(NamedTuple):
    """One reference: a URL attribute (range of the value, quotes included) or inline code."""

    kind: RefKind
    value: str
    start: int
    end: int
    line: int  # 1-based line and 0-based column where ``value`` starts, for messages
    column: int
    tag_start: int  # where the element's start tag begins


@dataclass(eq=False)
class HtmlPage:
    """A parsed page: its text, what it references, and where ``<link>`` tags can go."""

    text: str
    refs: list[HtmlRef] = field(default_factory=list)
    head_end: int | None = None  # index of ``</head>``
    head_start_end: int | None = None  # index just after ``<head ...>``
    body_start: int | None = None  # index of ``<body ...>``


class _Collector(html.parser.HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = HtmlPage(text)
        self._line_starts = [0]
        for i, char in enumerate(text):
            if char == "\n":
                self._line_starts.append(i + 1)
        self._script: tuple[int, int, int, int] | None = None  # content start, line, col, tag
        self._tag_start = 0

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def _position(self, index: int) -> tuple[int, int]:
        lo, hi = 0, len(self._line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._line_starts[mid] <= index:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, index - self._line_starts[lo]

    def _attribute_ranges(self, start: int, raw: str) -> dict[str, tuple[int, int, str]]:
        """name → (start, end, decoded value) of each attribute value in the raw start tag."""
        found: dict[str, tuple[int, int, str]] = {}
        match = _TAG_NAME.match(raw, 1)
        if match is None:
            return found
        k = match.end()
        while k < len(raw):
            m = _ATTRIBUTE.match(raw, k)
            if m is None:
                break
            name, rest, value = m.group(1, 2, 3)
            if rest and value is not None:
                decoded = value[1:-1] if value[:1] in ("'", '"') and len(value) >= 2 and \
                    value[-1] == value[0] else value
                found.setdefault(name.lower(), (start + m.start(3), start + m.end(3),
                                                html.unescape(decoded)))
            k = m.end()
        return found

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._offset()
        self._tag_start = start
        raw = self.get_starttag_text() or ""
        end = start + len(raw)
        values = {name: value or "" for name, value in attrs}
        if tag == "head" and self.page.head_start_end is None:
            self.page.head_start_end = end
        elif tag == "body" and self.page.body_start is None:
            self.page.body_start = start
        elif tag == "script":
            kind = values.get("type", "").strip().lower()
            if kind == "module":
                script = self._attribute_ranges(start, raw)
                if "src" in script:
                    self._add("module-script", script["src"])
                else:
                    self._script = (end, *self._position(end), start)
            return
        ranges: dict[str, tuple[int, int, str]] | None = None
        if tag == "link":
            rel = {r.lower() for r in values.get("rel", "").split()}
            ranges = self._attribute_ranges(start, raw)
            if "href" in ranges:
                if "stylesheet" in rel:
                    self._add("stylesheet", ranges["href"])
                elif "modulepreload" in rel:
                    self._add("modulepreload", ranges["href"])
                else:
                    self._add("asset", ranges["href"])
            return
        for (asset_tag, attribute) in _ASSET_ATTRIBUTES:
            if asset_tag == tag and attribute in values:
                ranges = ranges or self._attribute_ranges(start, raw)
                if attribute in ranges:
                    self._add("asset", ranges[attribute])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._script = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            content_start, line, column, tag_start = self._script
            content_end = self._offset()
            text = self.page.text[content_start:content_end]
            self.page.refs.append(HtmlRef("inline-module", text, content_start, content_end,
                                          line, column, tag_start))
            self._script = None
        elif tag == "head" and self.page.head_end is None:
            self.page.head_end = self._offset()

    def _add(self, kind: RefKind, found: tuple[int, int, str]) -> None:
        start, end, value = found
        line, column = self._position(start)
        self.page.refs.append(HtmlRef(kind, value, start, end, line, column, self._tag_start))


def parse_html(text: str) -> HtmlPage:
    """Find the module scripts (external and inline), stylesheets and asset URLs of a page."""
    collector = _Collector(text)
    collector.feed(text)
    collector.close()
    collector.page.refs.sort(key=lambda r: r.start)
    return collector.page


def quote_attribute(value: str) -> str:
    """An attribute value, escaped and double-quoted."""
    return '"' + html.escape(value, quote=True) + '"'


def head_insertion_point(page: HtmlPage) -> int:
    """Where tags meant for ``<head>`` go: before ``</head>``, else as early as is valid."""
    for candidate in (page.head_end, page.head_start_end, page.body_start):
        if candidate is not None:
            return candidate
    return min((r.tag_start for r in page.refs), default=0)


def apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Replace each ``[start, end)`` of ``text``; ranges must not overlap (insertions may
    share a position, and keep their order)."""
    out = []
    cursor = 0
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1])):
        if start < cursor:
            raise ValueError(f"overlapping HTML edits at {start}")
        out.append(text[cursor:start])
        out.append(new)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


__all__ = ["HtmlPage", "HtmlRef", "apply_edits", "head_insertion_point", "parse_html",
           "quote_attribute"]
