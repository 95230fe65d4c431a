"""EditBuffer: per-method behaviour, overlap rules, output, and the source map it generates."""

from __future__ import annotations

import doctest
import itertools
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shaker.js.edits
from shaker.js.edits import EditBuffer, OverlapError
from shaker.js.sourcemap import compose, decode_mappings, encode_mappings, original_position


class _CheckedEditBuffer(EditBuffer):
    """EditBuffer that re-verifies its bookkeeping after every operation."""

    def remove(self, start: int, end: int) -> None:
        super().remove(start, end)
        self.check_invariants()

    def replace(self, start: int, end: int, text: str) -> None:
        super().replace(start, end, text)
        self.check_invariants()

    def insert(self, pos: int, text: str) -> None:
        super().insert(pos, text)
        self.check_invariants()

    def check_invariants(self) -> None:
        ranges = self._ranges
        assert self._starts == [edit.start for edit in ranges]
        for edit in ranges:
            assert 0 <= edit.start < edit.end <= len(self.original), edit
        for before, after in itertools.pairwise(ranges):
            assert before.end <= after.start, f"{before} overlaps or is out of order with {after}"
        assert self._insert_positions == sorted(self._inserts)
        for pos, texts in self._inserts.items():
            assert texts, f"empty insertion list at {pos}"
            assert not any(e.start < pos < e.end for e in ranges), f"insert at {pos} inside"


def ref_line_col(code: bytes, offset: int) -> tuple[int, int]:
    """Reference position: split the decoded prefix on JS terminators, count UTF-16 units.

    The middle of a CRLF stays on the line that the CRLF ends, as in LineIndex."""
    if code[offset - 1 : offset + 1] == b"\r\n":
        line, col = ref_line_col(code, offset - 1)
        return line, col + 1
    lines = re.split("\r\n|\r|\n|\u2028|\u2029", code[:offset].decode())
    return len(lines) - 1, len(lines[-1].encode("utf-16-le")) // 2


def position_of(buf: EditBuffer, token: bytes, occurrence: int = 0) -> tuple[int, int]:
    """Generated (line, UTF-16 column) of the n-th ``token`` in the output."""
    out = buf.apply()
    offset = -1
    for _ in range(occurrence + 1):
        offset = out.index(token, offset + 1)
    return ref_line_col(out, offset)


def lookup(buf: EditBuffer, token: bytes, occurrence: int = 0) -> tuple[str, int, int] | None:
    return original_position(buf.generate_map(source="in.js"), *position_of(buf, token, occurrence))


# --- per method --------------------------------------------------------------------------------


def test_untouched_buffer_returns_the_original() -> None:
    buf = _CheckedEditBuffer(b"let a = 1;")
    assert not buf.changed
    assert buf.apply() == b"let a = 1;"
    assert buf.original == b"let a = 1;"


def test_remove() -> None:
    buf = _CheckedEditBuffer(b"let a = 1;")
    buf.remove(0, 4)
    assert buf.changed
    assert buf.apply() == b"a = 1;"


def test_empty_remove_is_ignored() -> None:
    buf = _CheckedEditBuffer(b"abc")
    buf.remove(1, 1)
    assert not buf.changed
    buf.remove(0, 3)  # the empty range did not block anything
    assert buf.apply() == b""


def test_replace_encodes_text_as_utf8() -> None:
    buf = _CheckedEditBuffer(b"let a = 1;")
    buf.replace(4, 5, "π")
    assert buf.apply() == "let π = 1;".encode()
    assert buf.apply_text() == "let π = 1;"


def test_replace_with_empty_range_inserts() -> None:
    buf = _CheckedEditBuffer(b"ab")
    buf.replace(1, 1, "X")
    buf.insert(1, "Y")
    assert buf.apply() == b"aXYb"


def test_insert_at_start_and_end_of_file() -> None:
    buf = _CheckedEditBuffer(b"mid")
    buf.insert(3, "!")
    buf.insert(0, "<")
    assert buf.apply() == b"<mid!"


def test_insertions_at_one_position_keep_call_order() -> None:
    buf = _CheckedEditBuffer(b"ab")
    for text in ("1", "2", "3"):
        buf.insert(1, text)
    assert buf.apply() == b"a123b"


def test_insertion_at_range_start_goes_before_and_at_range_end_after() -> None:
    buf = _CheckedEditBuffer(b"0123456789")
    buf.replace(3, 6, "R")
    buf.insert(6, "[end]")
    buf.insert(3, "[start]")
    assert buf.apply() == b"012[start]R[end]6789"


def test_insertion_order_does_not_depend_on_call_order_of_range() -> None:
    buf = _CheckedEditBuffer(b"0123456789")
    buf.insert(3, "[start]")
    buf.insert(6, "[end]")
    buf.remove(3, 6)
    assert buf.apply() == b"012[start][end]6789"


def test_insertion_between_adjacent_ranges() -> None:
    buf = _CheckedEditBuffer(b"aabbcc")
    buf.replace(2, 4, "B")
    buf.replace(0, 2, "A")
    buf.insert(2, "|")
    assert buf.apply() == b"A|Bcc"


def test_apply_text_replaces_invalid_utf8() -> None:
    buf = _CheckedEditBuffer(b"a\xff")
    buf.insert(0, "é")
    assert buf.apply_text() == "éa\ufffd"


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((2, 6), (4, 8)),  # overlaps the end
        ((4, 8), (2, 6)),  # overlaps the start
        ((2, 8), (3, 4)),  # inside
        ((3, 4), (2, 8)),  # contains
        ((2, 6), (2, 6)),  # identical repeat
        ((2, 6), (2, 3)),  # same start
        ((2, 6), (5, 6)),  # same end
    ],
)
def test_overlapping_ranges_raise_naming_both(
    first: tuple[int, int], second: tuple[int, int]
) -> None:
    buf = _CheckedEditBuffer(b"0123456789")
    buf.remove(*first)
    with pytest.raises(OverlapError) as info:
        buf.replace(*second, "x")
    message = str(info.value)
    assert f"replace [{second[0]}, {second[1]})" in message
    assert f"remove [{first[0]}, {first[1]})" in message
    assert buf.apply() == b"0123456789"[: first[0]] + b"0123456789"[first[1] :]


def test_adjacent_ranges_are_fine() -> None:
    buf = _CheckedEditBuffer(b"0123456789")
    buf.remove(2, 4)
    buf.remove(4, 6)
    buf.replace(0, 2, "x")
    assert buf.apply() == b"x6789"


def test_insert_strictly_inside_a_range_raises() -> None:
    buf = _CheckedEditBuffer(b"0123456789")
    buf.remove(2, 6)
    with pytest.raises(OverlapError, match=r"insert at 4 .*remove \[2, 6\)"):
        buf.insert(4, "x")


def test_range_strictly_containing_an_insertion_raises() -> None:
    buf = _CheckedEditBuffer(b"0123456789")
    buf.insert(4, "x")
    with pytest.raises(OverlapError, match=r"remove \[2, 6\).*insert at 4"):
        buf.remove(2, 6)


def test_overlap_error_is_a_value_error() -> None:
    assert issubclass(OverlapError, ValueError)


@pytest.mark.parametrize(("start", "end"), [(-1, 2), (3, 2), (0, 11), (11, 11)])
def test_out_of_range_offsets_raise_value_error(start: int, end: int) -> None:
    buf = EditBuffer(b"0123456789")
    with pytest.raises(ValueError, match="invalid range") as info:
        buf.replace(start, end, "")
    assert not isinstance(info.value, OverlapError)


def test_offsets_inside_a_utf8_character_raise() -> None:
    buf = EditBuffer("aéb".encode())  # é is bytes 1..3
    with pytest.raises(ValueError, match="inside a UTF-8 character"):
        buf.remove(2, 3)
    with pytest.raises(ValueError, match="inside a UTF-8 character"):
        buf.insert(2, "x")


def test_invariant_checker_catches_corruption() -> None:
    buf = _CheckedEditBuffer(b"0123456789")
    buf.remove(5, 7)
    buf.remove(1, 2)
    buf._ranges.reverse()  # simulate a bookkeeping bug
    with pytest.raises(AssertionError):
        buf.check_invariants()


# --- source maps -------------------------------------------------------------------------------

SAMPLE = "let café = '€'; const 😀x = 1;\r\nfoo(café, 😀x);\n"


def edited_sample() -> EditBuffer:
    buf = _CheckedEditBuffer(SAMPLE.encode())
    code = buf.original
    buf.replace(0, 3, "var")
    start = code.index(b"const ")
    buf.remove(start, start + len(b"const "))
    buf.insert(code.index(b"foo"), "/*😀*/")
    return buf


def test_sample_output() -> None:
    assert edited_sample().apply_text() == "var café = '€'; 😀x = 1;\r\n/*😀*/foo(café, 😀x);\n"


@pytest.mark.parametrize(
    ("token", "occurrence", "generated", "original"),
    [
        (b"var", 0, (0, 0), (0, 0)),  # replacement text -> edit position
        ("café".encode(), 0, (0, 4), (0, 4)),  # after ASCII
        (b"=", 0, (0, 9), (0, 9)),  # after a 2-byte char
        ("€".encode(), 0, (0, 12), (0, 12)),  # non-ASCII counts as an identifier char
        ("😀x".encode(), 0, (0, 16), (0, 22)),  # first kept byte after a removal, after €
        (b"1", 0, (0, 22), (0, 28)),  # after an astral char, shifted by the removal
        (b"/*", 0, (1, 0), (1, 0)),  # inserted text -> insertion point, after CRLF
        (b"foo", 0, (1, 6), (1, 0)),  # after an inserted astral char
        ("café".encode(), 1, (1, 10), (1, 4)),
        ("😀x".encode(), 1, (1, 16), (1, 10)),
    ],
)
def test_known_tokens_map_back(
    token: bytes, occurrence: int, generated: tuple[int, int], original: tuple[int, int]
) -> None:
    buf = edited_sample()
    assert position_of(buf, token, occurrence) == generated
    assert lookup(buf, token, occurrence) == ("in.js", *original)


def test_map_fields() -> None:
    buf = edited_sample()
    result = buf.generate_map(source="src/in.js", source_content=SAMPLE, file="out.js")
    assert list(result) == ["version", "file", "sources", "sourcesContent", "names", "mappings"]
    assert result["version"] == 3
    assert result["file"] == "out.js"
    assert result["sources"] == ["src/in.js"]
    assert result["sourcesContent"] == [SAMPLE]
    assert result["names"] == []
    assert "file" not in buf.generate_map(source="a.js")
    assert "sourcesContent" not in buf.generate_map(source="a.js")


def test_map_has_one_entry_per_output_line() -> None:
    buf = _CheckedEditBuffer(b"a\nb\nc\n")
    buf.insert(2, "x\ny\n")
    lines = decode_mappings(buf.generate_map(source="in.js")["mappings"])
    assert len(lines) == buf.apply().count(b"\n") + 1
    # Only the start of inserted text is mapped; its later lines have no segments.
    assert lines[1] == [(0, 0, 1, 0)]
    assert lines[2] == []
    assert lines[3] == [(0, 0, 1, 0)]


def test_unchanged_buffer_maps_identity_with_line_and_token_segments() -> None:
    code = b"  a.b = (c);\n\tx\n"
    lines = decode_mappings(EditBuffer(code).generate_map(source="in.js")["mappings"])
    assert lines == [
        [(0, 0, 0, 0), (2, 0, 0, 2), (4, 0, 0, 4), (6, 0, 0, 6), (8, 0, 0, 8), (9, 0, 0, 9)],
        [(0, 0, 1, 0), (1, 0, 1, 1)],
        [],
    ]


def test_removed_text_produces_no_segments() -> None:
    buf = _CheckedEditBuffer(b"keep(); drop(); keep2();")
    buf.remove(8, 16)
    result = buf.generate_map(source="in.js")
    mapped_cols = {seg[3] for seg in decode_mappings(result["mappings"])[0]}
    assert not mapped_cols & set(range(8, 16))
    assert lookup(buf, b"keep2") == ("in.js", 0, 16)


def test_crlf_split_by_an_insertion_adds_an_output_line() -> None:
    buf = _CheckedEditBuffer(b"a\r\nb")
    buf.insert(2, "X")  # between CR and LF: the output has three lines
    assert buf.apply() == b"a\rX\nb"
    assert lookup(buf, b"b") == ("in.js", 1, 0)
    assert lookup(buf, b"X") == ("in.js", 0, 2)


def test_line_separator_u2028_starts_a_line_in_the_map() -> None:
    buf = _CheckedEditBuffer("s = 'a\u2028b';\nx".encode())
    buf.insert(0, ";")
    assert position_of(buf, b"b") == (1, 0)
    assert lookup(buf, b"b") == ("in.js", 1, 0)
    assert lookup(buf, b"x") == ("in.js", 2, 0)


def test_compose_with_an_input_map() -> None:
    # Pretend "in.js" was compiled from "in.ts" with everything shifted one line down.
    original = b"import.meta.hot.accept();\nfoo(bar);\n"
    inner = {
        "version": 3,
        "sources": ["in.ts"],
        "names": [],
        "mappings": encode_mappings([[(0, 0, 1, 0)], [(0, 0, 2, 0), (4, 0, 2, 4)], []]),
    }
    buf = _CheckedEditBuffer(original)
    buf.remove(0, original.index(b"\n") + 1)
    outer = buf.generate_map(source="in.js")
    result = compose(outer, inner)
    assert buf.apply() == b"foo(bar);\n"
    assert original_position(result, 0, 4) == ("in.ts", 2, 4)
    assert original_position(result, 0, 0) == ("in.ts", 2, 0)


def test_large_input_maps_quickly() -> None:
    # One megabyte on a single line (minified): per-token work must stay linear.
    code = b"var a=b.c(d,'e\xc3\xa9')+f;" * 40_000
    buf = EditBuffer(code)
    for k in range(1, 6):
        pos = code.index(b"var", k * len(code) // 7)
        buf.replace(pos, pos + 3, "let")
    started = time.perf_counter()
    result = buf.generate_map(source="in.js")
    assert time.perf_counter() - started < 2.0
    last = code.rindex(b"f;")
    out = buf.apply()
    assert original_position(result, 0, ref_line_col(out, out.rindex(b"f;"))[1]) == (
        "in.js",
        *ref_line_col(code, last),
    )


# --- properties --------------------------------------------------------------------------------

PIECES = ["a", "b", "$", "_", "1", " ", "\t", "(", ")", ".", "=", "é", "€", "😀", "\n", "\r\n"]
IDENT = re.compile(r"[A-Za-z0-9_$]|[^\x00-\x7f\u2028\u2029]")


class Reference:
    """A deliberately naive model of EditBuffer: per-byte output and brute-force overlap checks."""

    def __init__(self, code: bytes) -> None:
        self.code = code
        self.ranges: list[tuple[int, int, str]] = []
        self.inserts: dict[int, list[str]] = {}

    def add(self, start: int, end: int, text: str) -> bool:
        """Record an edit; False when EditBuffer must reject it."""
        if start == end:
            if any(s < start < e for s, e, _ in self.ranges):
                return False
            if text:
                self.inserts.setdefault(start, []).append(text)
            return True
        if any(s < end and start < e for s, e, _ in self.ranges):
            return False
        if any(start < pos < end for pos in self.inserts):
            return False
        self.ranges.append((start, end, text))
        return True

    def apply(self) -> tuple[bytes, dict[int, int], list[tuple[int, int]]]:
        """Output, kept original byte -> output byte, and (output offset, anchor) of new text."""
        out = bytearray()
        kept: dict[int, int] = {}
        new_text: list[tuple[int, int]] = []
        by_start = {s: (e, t) for s, e, t in self.ranges}
        pos = 0
        while pos <= len(self.code):
            for text in self.inserts.get(pos, []):
                new_text.append((len(out), pos))
                out += text.encode()
            if pos in by_start:
                end, text = by_start[pos]
                if text:
                    new_text.append((len(out), pos))
                    out += text.encode()
                pos = end
                continue
            if pos < len(self.code):
                kept[pos] = len(out)
                out.append(self.code[pos])
            pos += 1
        return bytes(out), kept, new_text


@st.composite
def edit_scripts(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str]]]:
    text = "".join(draw(st.lists(st.sampled_from(PIECES), max_size=30)))
    boundaries = [0]
    for ch in text:
        boundaries.append(boundaries[-1] + len(ch.encode()))
    offsets = st.sampled_from(boundaries)
    texts = st.sampled_from(["", "x", "é", "😀", "\n", "a\r\nb", ";"])
    ops = draw(st.lists(st.tuples(offsets, offsets, texts), max_size=8))
    return text, [(min(a, b), max(a, b), t) for a, b, t in ops]


@settings(max_examples=300, deadline=None)
@given(edit_scripts())
def test_edits_match_reference_model_and_map_back(
    script: tuple[str, list[tuple[int, int, str]]],
) -> None:
    text, ops = script
    code = text.encode()
    buf = _CheckedEditBuffer(code)
    ref = Reference(code)
    for start, end, new in ops:
        if ref.add(start, end, new):
            buf.replace(start, end, new)
        else:
            with pytest.raises(OverlapError):
                buf.replace(start, end, new)
    out, kept, new_text = ref.apply()
    assert buf.apply() == out
    assert buf.changed == bool(ref.ranges or ref.inserts)

    result = buf.generate_map(source="in.js")
    assert len(decode_mappings(result["mappings"])) == len(
        re.split("\r\n|\r|\n|\u2028|\u2029", out.decode())
    )
    # Every surviving token start maps back exactly...
    for pos, out_pos in kept.items():
        if 0x80 <= code[pos] < 0xC0:
            continue  # not a character boundary
        ch = code[pos:].decode(errors="ignore")[:1]
        before = code[:pos].decode(errors="ignore")[-1:]
        first_kept = pos - 1 not in kept
        if (IDENT.match(ch) and not IDENT.match(before)) or (first_kept and ch):
            where = original_position(result, *ref_line_col(out, out_pos))
            assert where == ("in.js", *ref_line_col(code, pos)), (pos, ch)
    # ...and inserted or replacement text maps to where the edit was made.
    for out_pos, anchor in new_text:
        where = original_position(result, *ref_line_col(out, out_pos))
        assert where == ("in.js", *ref_line_col(code, anchor))


@pytest.mark.parametrize("module", [shaker.js.edits])
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0
    assert result.failed == 0
