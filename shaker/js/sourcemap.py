"""Source map v3 data: VLQ mappings, lookup, composition, and the comment/data-URL conventions.

Maps are plain dicts in the JSON shape of the spec (ECMA-426), so they round-trip through
``json`` untouched. Decoded mappings are lists (one per generated line) of ABSOLUTE segments
``(gen_col,)``, ``(gen_col, src, orig_line, orig_col)`` or ``(..., name)``; all lines are
0-based and all columns are UTF-16 code units, as the spec requires.

>>> encode_mappings([[(0, 0, 0, 0), (4, 0, 0, 6)], [(2, 0, 1, 0)]])
'AAAA,IAAM;EACN'
>>> decode_mappings('AAAA,IAAM;EACN')
[[(0, 0, 0, 0), (4, 0, 0, 6)], [(2, 0, 1, 0)]]
"""

from __future__ import annotations

import base64
import json
import re
from bisect import bisect_right
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote_to_bytes

__all__ = [
    "compose",
    "concatenate",
    "decode_mappings",
    "decode_vlq",
    "encode_mappings",
    "encode_vlq",
    "find_source_mapping_url",
    "original_position",
    "parse_data_url",
    "to_data_url",
    "to_json",
]

Segment = tuple[int, ...]
# A JSON object, not a TypedDict: input maps are parsed from arbitrary JSON and may carry
# keys beyond the spec's (x_google_ignoreList, debugId, ...).
SourceMap = dict[str, Any]

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_VALUE = {ch: i for i, ch in enumerate(_B64)}
_KEY_ORDER = ("version", "file", "sourceRoot", "sources", "sourcesContent", "names", "mappings")
# The body of a sourceMappingURL comment, after "//" or between "/*" and "*/" (ECMA-426).
_URL_COMMENT = re.compile(r"[#@]\s*sourceMappingURL=(\S+?)\s*")
_LINE_TERMINATORS = (b"\n", b"\r", "\u2028".encode(), "\u2029".encode())


def _vlq(value: int) -> str:
    """Encode one signed integer as base64 VLQ (sign in the lowest bit, 5 bits a digit)."""
    rest = (-value << 1) | 1 if value < 0 else value << 1
    digits = []
    while True:
        digit = rest & 31
        rest >>= 5
        digits.append(_B64[digit | 32 if rest else digit])
        if not rest:
            return "".join(digits)


# Relative values are almost always small, so a table lookup replaces the loop in hot paths.
_VLQ_SMALL = {value: _vlq(value) for value in range(-1024, 1025)}


def encode_vlq(values: Iterable[int]) -> str:
    """Encode integers (any size, either sign) as one base64 VLQ string.

    >>> encode_vlq([0, 1, -1, 16, 123456789])
    'ACDgBqxmvrH'
    """
    small = _VLQ_SMALL
    return "".join(small.get(v) or _vlq(v) for v in values)


def decode_vlq(s: str) -> list[int]:
    """Decode a base64 VLQ string into integers; raise ValueError on bad or truncated input."""
    values: list[int] = []
    acc = shift = 0
    for ch in s:
        digit = _B64_VALUE.get(ch)
        if digit is None:
            raise ValueError(f"invalid base64 VLQ character {ch!r} in {s!r}")
        acc += (digit & 31) << shift
        if digit & 32:
            shift += 5
            continue
        values.append(-(acc >> 1) if acc & 1 else acc >> 1)
        acc = shift = 0
    if shift:
        raise ValueError(f"truncated base64 VLQ value at the end of {s!r}")
    return values


def encode_mappings(lines: list[list[Segment]]) -> str:
    """Encode absolute segments, one list per generated line, as a relative ``mappings`` string."""
    small = _VLQ_SMALL
    cache: dict[tuple[int, ...], str] = {}  # relative segments repeat a lot
    src = line = col = name = 0
    out: list[str] = []
    for segments in lines:
        gen = 0
        parts: list[str] = []
        for seg in segments:
            size = len(seg)
            if size == 4:
                key: tuple[int, ...] = (seg[0] - gen, seg[1] - src, seg[2] - line, seg[3] - col)
                gen, src, line, col = seg
            elif size == 1:
                key = (seg[0] - gen,)
                gen = seg[0]
            elif size == 5:
                key = (seg[0] - gen, seg[1] - src, seg[2] - line, seg[3] - col, seg[4] - name)
                gen, src, line, col, name = seg
            else:
                raise ValueError(f"segment {seg!r} must have 1, 4 or 5 fields")
            text = cache.get(key)
            if text is None:
                text = cache[key] = "".join([small.get(v) or _vlq(v) for v in key])
            parts.append(text)
        out.append(",".join(parts))
    return ";".join(out)


def decode_mappings(s: str) -> list[list[Segment]]:
    """Decode a ``mappings`` string into absolute segments, one list per generated line."""
    src = line = col = name = 0
    cache: dict[str, list[int]] = {}  # relative segments repeat a lot
    lines: list[list[Segment]] = []
    for text in s.split(";"):
        gen = 0
        segments: list[Segment] = []
        for part in text.split(","):
            if not part:
                continue
            fields = cache.get(part)
            if fields is None:
                fields = cache[part] = decode_vlq(part)
            size = len(fields)
            gen += fields[0]
            if size == 1:
                segments.append((gen,))
                continue
            if size not in (4, 5):
                raise ValueError(f"mapping segment {part!r} has {size} fields, expected 1, 4 or 5")
            src += fields[1]
            line += fields[2]
            col += fields[3]
            if size == 5:
                name += fields[4]
                segments.append((gen, src, line, col, name))
            else:
                segments.append((gen, src, line, col))
        lines.append(segments)
    return lines


class _Lookup:
    """Decoded mappings sorted per line, for greatest-lower-bound column searches."""

    def __init__(self, map: SourceMap) -> None:
        if "sections" in map:
            raise ValueError("index source maps (with 'sections') are not supported")
        self.lines = [
            sorted(line, key=lambda seg: seg[0]) for line in decode_mappings(map["mappings"])
        ]
        self.columns = [[seg[0] for seg in line] for line in self.lines]

    def find(self, line: int, column: int) -> Segment | None:
        """The mapped segment with the greatest gen_col <= column on ``line``, if any."""
        if not 0 <= line < len(self.lines):
            return None
        i = bisect_right(self.columns[line], column) - 1
        if i < 0 or len(self.lines[line][i]) < 4:
            return None
        return self.lines[line][i]


def original_position(map: SourceMap, line: int, column: int) -> tuple[str, int, int] | None:
    """Where 0-based ``line``/UTF-16 ``column`` of the generated file comes from.

    Uses the segment with the greatest column <= ``column`` on that line (mozilla source-map's
    GREATEST_LOWER_BOUND); None when there is none or it is explicitly unmapped.

    >>> original_position({"version": 3, "sources": ["a.js"], "mappings": "AAAA,IAAM"}, 0, 5)
    ('a.js', 0, 6)
    """
    seg = _Lookup(map).find(line, column)
    if seg is None:
        return None
    return map["sources"][seg[1]], seg[2], seg[3]


def compose(outer: SourceMap, inner: SourceMap) -> SourceMap:
    """Chain maps: ``outer`` (our output -> our input) then ``inner`` (our input -> originals).

    The result maps our output straight to the original sources, with ``sources``,
    ``sourcesContent`` and ``names`` from ``inner``. Outer segments whose intermediate position
    has no inner mapping are dropped.
    """
    if "sections" in outer:
        raise ValueError("index source maps (with 'sections') are not supported")
    if len(outer.get("sources", [])) != 1:
        raise ValueError("the outer map of compose() must have exactly one source")
    lookup = _Lookup(inner)
    names = list(inner.get("names", []))
    name_index = {name: i for i, name in reversed(list(enumerate(names)))}
    outer_names = outer.get("names", [])
    lines: list[list[Segment]] = []
    for segments in decode_mappings(outer["mappings"]):
        composed: list[Segment] = []
        for seg in segments:
            if len(seg) < 4:
                continue
            target = lookup.find(seg[2], seg[3])
            if target is None:
                continue
            if len(target) == 5:
                composed.append((seg[0], *target[1:]))
            elif len(seg) == 5 and seg[4] < len(outer_names):
                # Inner has no name here but we renamed something: keep our name.
                name = outer_names[seg[4]]
                if name not in name_index:
                    name_index[name] = len(names)
                    names.append(name)
                composed.append((seg[0], *target[1:4], name_index[name]))
            else:
                composed.append((seg[0], *target[1:4]))
        lines.append(composed)
    result: SourceMap = {"version": 3}
    if "file" in outer:
        result["file"] = outer["file"]
    if "sourceRoot" in inner:
        result["sourceRoot"] = inner["sourceRoot"]
    result["sources"] = list(inner.get("sources", []))
    if "sourcesContent" in inner:
        result["sourcesContent"] = list(inner["sourcesContent"])
    result["names"] = names
    result["mappings"] = encode_mappings(lines)
    return result


def parse_data_url(url: str) -> SourceMap | None:
    """Decode an inline map ``data:application/json[;charset=...][;base64],...``.

    Returns None when ``url`` is not a data URL at all (so it names a file); raises ValueError
    when it is one but does not hold a JSON source map.

    >>> parse_data_url("data:application/json;base64,eyJ2ZXJzaW9uIjozfQ==")
    {'version': 3}
    >>> parse_data_url("app.js.map") is None
    True
    """
    if url[:5].lower() != "data:":
        return None
    header, comma, payload = url[5:].partition(",")
    if not comma:
        raise ValueError("invalid source map data URL: no ',' before the data")
    params = [p.strip() for p in header.split(";")]
    media_type = params[0].lower()
    if media_type not in ("application/json", "text/json"):
        raise ValueError(
            f"invalid source map data URL: media type {media_type!r}, expected application/json"
        )
    is_base64 = len(params) > 1 and params[-1].lower() == "base64"
    charset = "utf-8"
    for param in params[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value:
            charset = value.strip().strip('"')
    try:
        raw = unquote_to_bytes(payload)
        if is_base64:
            raw = b"".join(raw.split()).translate(bytes.maketrans(b"-_", b"+/")).rstrip(b"=")
            raw = base64.b64decode(raw + b"=" * (-len(raw) % 4), validate=True)
        text = raw.decode(charset)
        if text.startswith(")]}'"):  # the spec's anti-XSSI prefix line
            text = text.partition("\n")[2]
        data = json.loads(text)
    except (LookupError, ValueError) as exc:  # binascii, Unicode and JSON errors are ValueErrors
        raise ValueError(f"invalid source map data URL: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError("invalid source map data URL: the JSON is not an object")
    return data


def find_source_mapping_url(code: bytes) -> tuple[str, int, int] | None:
    """Find the ``//# sourceMappingURL=`` comment at the end of ``code``.

    Per the source map spec this is a line convention, not JavaScript parsing: walking up from
    the end, blank lines and whole-line comments (``//...`` or one-line ``/*...*/``, e.g. a
    Sentry ``//# debugId=``) are passed over, the first code line stops the search, and the
    lowest-placed matching comment wins. Returns (url, byte offset of the comment's ``//`` or
    ``/*``, byte offset of the end of that line before its terminator), or None.

    >>> find_source_mapping_url(b"f()\\n//# sourceMappingURL=f.js.map\\n")
    ('f.js.map', 4, 33)
    """
    end = len(code)
    while True:
        start = _line_start(code, end)
        text = code[start:end].decode("utf-8", "replace")
        body = text.strip()
        if body.startswith("//"):
            comment = body[2:]
        elif body.startswith("/*") and body.endswith("*/") and "*/" not in body[2:-2]:
            comment = body[2:-2]
        elif body:
            return None
        else:
            comment = ""
        match = _URL_COMMENT.fullmatch(comment)
        if match:
            indent = len(text) - len(text.lstrip())
            return match.group(1), start + len(text[:indent].encode()), end
        if start == 0:
            return None
        if code.endswith(b"\r\n", 0, start):
            end = start - 2
        elif code[start - 1] in b"\n\r":
            end = start - 1
        else:  # U+2028 or U+2029
            end = start - 3


def _line_start(code: bytes, end: int) -> int:
    """Byte offset where the line ending at ``end`` starts (JavaScript line terminators)."""
    start = 0
    for term in _LINE_TERMINATORS:
        i = code.rfind(term, 0, end)
        if i >= 0:
            start = max(start, i + len(term))
    return start


def to_json(map: SourceMap) -> str:
    """Compact JSON with the conventional key order (version, file, sources, ..., mappings)."""
    ordered = {key: map[key] for key in _KEY_ORDER if key in map}
    ordered.update((key, value) for key, value in map.items() if key not in ordered)
    return json.dumps(ordered, separators=(",", ":"), ensure_ascii=False)


def to_data_url(map: SourceMap) -> str:
    """The map as an inline ``data:`` URL for a ``//# sourceMappingURL=`` comment."""
    payload = base64.b64encode(to_json(map).encode("utf-8")).decode("ascii")
    return f"data:application/json;charset=utf-8;base64,{payload}"


def concatenate(parts: Iterable[tuple[int, SourceMap | None]]) -> SourceMap:
    """One map for text made of pieces: ``(line the piece starts on, its map or None)``.

    Each piece starts at column 0 of its line (the linker puts every module on lines of its
    own); sources and names are merged, the first occurrence of a source keeps its content.
    """
    sources: list[str] = []
    contents: list[str | None] = []
    names: list[str] = []
    source_index: dict[str, int] = {}
    name_index: dict[str, int] = {}
    lines: list[list[Segment]] = []
    for start, piece in parts:
        if piece is None:
            continue
        src_map = [_merge(s, source_index, sources) for s in piece.get("sources", [])]
        for i, content in enumerate(piece.get("sourcesContent") or []):
            index = src_map[i] if i < len(src_map) else None
            if index is not None:
                while len(contents) <= index:
                    contents.append(None)
                if contents[index] is None:
                    contents[index] = content
        name_map = [_merge(n, name_index, names) for n in piece.get("names", [])]
        for offset, segments in enumerate(decode_mappings(piece.get("mappings", ""))):
            line = start + offset
            while len(lines) <= line:
                lines.append([])
            for seg in segments:
                if len(seg) == 1:
                    lines[line].append(seg)
                elif len(seg) == 4:
                    lines[line].append((seg[0], src_map[seg[1]], seg[2], seg[3]))
                else:
                    lines[line].append((seg[0], src_map[seg[1]], seg[2], seg[3],
                                        name_map[seg[4]]))
    result: SourceMap = {"version": 3, "sources": sources}
    if any(c is not None for c in contents):
        result["sourcesContent"] = contents + [None] * (len(sources) - len(contents))
    result["names"] = names
    result["mappings"] = encode_mappings(lines)
    return result


def _merge(item: str, index: dict[str, int], items: list[str]) -> int:
    found = index.get(item)
    if found is None:
        found = index[item] = len(items)
        items.append(item)
    return found
