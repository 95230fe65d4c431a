"""Byte offsets -> lines and UTF-16 columns, checked against a plain-str reference."""

from __future__ import annotations

import dataclasses
import doctest
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import shaker.source
from shaker.source import LineIndex, Source, utf16_len

# Characters of every UTF-8 width plus all JavaScript line terminators.
PIECES = ["a", "Z", "$", " ", "\t", "é", "€", "😀", "\n", "\r", "\r\n", "\u2028", "\u2029", ";"]
texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


def ref_line_col(code: bytes, offset: int) -> tuple[int, int]:
    """Reference: split the decoded prefix on JS terminators, count UTF-16 units by encoding."""
    lines = re.split("\r\n|\r|\n|\u2028|\u2029", code[:offset].decode())
    return len(lines) - 1, len(lines[-1].encode("utf-16-le")) // 2


def char_offsets(text: str) -> list[int]:
    """Byte offsets of every character boundary of ``text`` (including the end), except the
    middle of a CRLF, which starts no line (see test_offset_inside_crlf_stays_on_its_line)."""
    offsets = []
    pos = 0
    for i, ch in enumerate(text):
        if not (ch == "\n" and text[i - 1 : i] == "\r"):
            offsets.append(pos)
        pos += len(ch.encode())
    offsets.append(pos)
    return offsets


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", 0), ("abc", 3), ("é", 1), ("€", 1), ("😀", 2), ("aé€😀", 5), ("😀😀x", 5)],
)
def test_utf16_len_counts_code_units(text: str, expected: int) -> None:
    assert utf16_len(text.encode()) == expected


def test_utf16_len_tolerates_invalid_utf8() -> None:
    # Each invalid byte becomes one U+FFFD, like decode(errors="replace").
    assert utf16_len(b"a\xffb") == 3
    assert utf16_len(b"\xf0\x9f") == 1  # truncated emoji


@given(st.text())
def test_utf16_len_matches_reference(text: str) -> None:
    expected = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
    assert utf16_len(text.encode()) == expected


@pytest.mark.parametrize("terminator", ["\n", "\r\n", "\r", "\u2028", "\u2029"])
def test_every_js_line_terminator_splits_lines(terminator: str) -> None:
    code = f"ab{terminator}cd{terminator}".encode()
    index = LineIndex(code)
    assert index.line_count == 3
    assert [index.line_text(n) for n in range(3)] == [b"ab", b"cd", b""]
    width = len(terminator.encode())
    assert index.line_start(1) == 2 + width
    assert index.line_end(0) == 2
    assert index.line_end(1) == 4 + width
    assert index.line_col(code.index(b"d")) == (1, 1)


def test_other_unicode_breaks_are_not_js_terminators() -> None:
    # str.splitlines() would split on these; JavaScript does not.
    index = LineIndex("a\x0bb\x0cc\x85d\x1ce".encode())
    assert index.line_count == 1


def test_line_col_counts_utf16_units() -> None:
    code = "é€😀x\n😀y".encode()
    index = LineIndex(code)
    assert index.line_col(code.index(b"x")) == (0, 4)
    assert index.line_col(code.index(b"y")) == (1, 2)
    assert index.line_col(len(code)) == (1, 3)


def test_offset_inside_crlf_stays_on_its_line() -> None:
    index = LineIndex(b"ab\r\ncd")
    assert index.line_col(3) == (0, 3)
    assert index.line_col(4) == (1, 0)


def test_empty_code_has_one_empty_line() -> None:
    index = LineIndex(b"")
    assert index.line_count == 1
    assert index.line_col(0) == (0, 0)
    assert index.line_text(0) == b""


def test_out_of_range_offsets_and_lines_raise() -> None:
    index = LineIndex(b"ab\ncd")
    with pytest.raises(ValueError, match="out of range"):
        index.line_col(6)
    with pytest.raises(ValueError, match="out of range"):
        index.line_col(-1)
    with pytest.raises(IndexError):
        index.line_start(2)
    with pytest.raises(IndexError):
        index.line_end(-1)


def test_line_cols_rejects_descending_offsets() -> None:
    index = LineIndex(b"abc\ndef")
    with pytest.raises(ValueError, match="ascending"):
        index.line_cols([5, 2])


def test_line_cols_handles_long_minified_lines_quickly() -> None:
    # Accumulating columns keeps this linear; re-measuring from the line start would take ages.
    code = "é = 1; " * 100_000
    data = code.encode()
    offsets = list(range(0, len(data), 8))  # "é = 1; " is 8 bytes: every statement start
    cols = LineIndex(data).line_cols(offsets)
    assert cols[-1] == (0, (len(offsets) - 1) * 7)


@given(texts, st.data())
def test_line_col_matches_reference(text: str, data: st.DataObject) -> None:
    code = text.encode()
    index = LineIndex(code)
    offsets = sorted(data.draw(st.lists(st.sampled_from(char_offsets(text)), max_size=10)))
    expected = [ref_line_col(code, offset) for offset in offsets]
    assert [index.line_col(offset) for offset in offsets] == expected
    assert index.line_cols(offsets) == expected


@given(texts)
def test_line_texts_rebuild_the_code(text: str) -> None:
    code = text.encode()
    index = LineIndex(code)
    rebuilt = b""
    for n in range(index.line_count):
        assert index.line_text(n) == code[index.line_start(n) : index.line_end(n)]
        terminator_end = index.line_start(n + 1) if n + 1 < index.line_count else len(code)
        rebuilt += code[index.line_start(n) : terminator_end]
    assert rebuilt == code
    assert index.line_count == len(re.split("\r\n|\r|\n|\u2028|\u2029", text))


def test_source_is_frozen_and_caches_its_index() -> None:
    src = Source("a.js", b"x\ny")
    assert src.index is src.index
    assert src.index.line_count == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        src.code = b""  # type: ignore[misc]
    assert src == Source("a.js", b"x\ny")
    assert hash(src) == hash(Source("a.js", b"x\ny"))


def test_source_text_replaces_invalid_utf8() -> None:
    assert Source("a.js", b"ok\xff").text == "ok\ufffd"
    assert Source("a.js", "π".encode()).text == "π"


@pytest.mark.parametrize("module", [shaker.source])
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0
    assert result.failed == 0
