"""Source map data: VLQ, mappings, lookup, composition, data URLs and the URL comment."""

from __future__ import annotations

import base64
import doctest
import json
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

import shaker.js.sourcemap
from shaker.js.sourcemap import (
    compose,
    decode_mappings,
    decode_vlq,
    encode_mappings,
    encode_vlq,
    find_source_mapping_url,
    original_position,
    parse_data_url,
    to_data_url,
    to_json,
)

# --- VLQ ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "text"),
    [
        ([0], "A"),
        ([1], "C"),
        ([-1], "D"),
        ([15], "e"),
        ([16], "gB"),
        ([-16], "hB"),
        ([1000], "w+B"),
        ([0, 0, 16, 1], "AAgBC"),
        ([2**31 - 1], "+/////D"),  # the classic 32-bit maximum
    ],
)
def test_vlq_known_values(values: list[int], text: str) -> None:
    assert encode_vlq(values) == text
    assert decode_vlq(text) == values


@given(st.lists(st.integers(min_value=-(2**70), max_value=2**70)))
def test_vlq_round_trip(values: list[int]) -> None:
    assert decode_vlq(encode_vlq(values)) == values


@pytest.mark.parametrize("bad", ["A!", "g", "AAg", "A A"])
def test_decode_vlq_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError):
        decode_vlq(bad)


# --- mappings ----------------------------------------------------------------------------------


def test_encode_mappings_known_string() -> None:
    lines = [[(0, 0, 0, 0), (4, 0, 0, 6)], [(2, 0, 1, 0)]]
    assert encode_mappings(lines) == "AAAA,IAAM;EACN"
    assert decode_mappings("AAAA,IAAM;EACN") == lines


def test_mappings_with_empty_lines_names_and_unmapped_segments() -> None:
    lines = [[], [(0,), (3, 1, 2, 5, 0)], [], [(1, 0, 0, 0, 1), (7,)]]
    text = encode_mappings(lines)
    assert text.startswith(";A,GCEKA;;")  # src/line/col/name are relative across lines
    assert decode_mappings(text) == lines


def test_decode_mappings_ignores_empty_segments() -> None:
    assert decode_mappings("AAAA,,CAAC") == [[(0, 0, 0, 0), (1, 0, 0, 1)]]


@pytest.mark.parametrize("bad", ["AA", "AAAAAA", "AAA"])
def test_decode_mappings_rejects_wrong_field_counts(bad: str) -> None:
    with pytest.raises(ValueError, match="fields"):
        decode_mappings(bad)


def test_encode_mappings_rejects_wrong_field_counts() -> None:
    with pytest.raises(ValueError, match="fields"):
        encode_mappings([[(0, 1)]])


segments = st.one_of(
    st.tuples(st.integers(0, 5000)),
    st.tuples(st.integers(0, 5000), st.integers(0, 3), st.integers(0, 10**6), st.integers(0, 999)),
    st.tuples(
        st.integers(0, 5000),
        st.integers(0, 3),
        st.integers(0, 10**6),
        st.integers(0, 999),
        st.integers(0, 50),
    ),
)


@given(st.lists(st.lists(segments).map(lambda line: sorted(line, key=lambda s: s[0]))))
def test_mappings_round_trip(lines: list[list[tuple[int, ...]]]) -> None:
    text = encode_mappings(lines)
    decoded = decode_mappings(text)
    # An empty list of lines and one empty line both encode as "".
    assert decoded == (lines or [[]])


# --- lookup ------------------------------------------------------------------------------------

MAP = {
    "version": 3,
    "sources": ["a.js", "b.js"],
    "names": [],
    "mappings": encode_mappings([[(2, 0, 0, 0), (6, 1, 4, 9), (10,)], [], [(0, 0, 7, 3)]]),
}


@pytest.mark.parametrize(
    ("line", "column", "expected"),
    [
        (0, 2, ("a.js", 0, 0)),  # exact
        (0, 5, ("a.js", 0, 0)),  # greatest lower bound
        (0, 6, ("b.js", 4, 9)),
        (0, 9, ("b.js", 4, 9)),
        (0, 1, None),  # before the first segment
        (0, 10, None),  # explicitly unmapped
        (0, 99, None),
        (1, 0, None),  # line without segments: no fallback to earlier lines
        (2, 50, ("a.js", 7, 3)),
        (3, 0, None),  # past the last line
    ],
)
def test_original_position(line: int, column: int, expected: tuple[str, int, int] | None) -> None:
    assert original_position(MAP, line, column) == expected


def test_original_position_rejects_index_maps() -> None:
    with pytest.raises(ValueError, match="sections"):
        original_position({"version": 3, "sections": []}, 0, 0)


# --- compose -----------------------------------------------------------------------------------

# a.ts, line 0: "const x: number = 1;" compiled to  b.js line 0: "const x = 1;"
INNER = {
    "version": 3,
    "file": "b.js",
    "sources": ["a.ts"],
    "sourcesContent": ["const x: number = 1;"],
    "names": ["x"],
    "mappings": encode_mappings([[(0, 0, 0, 0), (6, 0, 0, 6, 0), (8,), (10, 0, 0, 18)]]),
}
# b.js edited to our output "x = 1;" (removing "const ").
OUTER = {
    "version": 3,
    "file": "out.js",
    "sources": ["b.js"],
    "names": [],
    "mappings": encode_mappings([[(0, 0, 0, 6), (2, 0, 0, 8), (4, 0, 0, 10), (5, 0, 3, 0)]]),
}


def test_compose_maps_output_to_the_original_source() -> None:
    result = compose(OUTER, INNER)
    assert result["file"] == "out.js"
    assert result["sources"] == ["a.ts"]
    assert result["sourcesContent"] == ["const x: number = 1;"]
    assert result["names"] == ["x"]
    # "1" at output column 4 -> b.js column 10 -> a.ts column 18.
    assert original_position(result, 0, 4) == ("a.ts", 0, 18)
    assert original_position(result, 0, 0) == ("a.ts", 0, 6)
    # "=" lands on an explicitly unmapped inner segment, and (0, 3, 0) has no inner line:
    # both outer segments are dropped.
    assert decode_mappings(result["mappings"]) == [[(0, 0, 0, 6, 0), (4, 0, 0, 18)]]


def test_compose_uses_greatest_lower_bound_in_the_inner_map() -> None:
    outer = dict(OUTER, mappings=encode_mappings([[(0, 0, 0, 7)]]))  # between "x" and "="
    assert original_position(compose(outer, INNER), 0, 0) == ("a.ts", 0, 6)


def test_compose_keeps_outer_names_when_inner_has_none() -> None:
    outer = dict(OUTER, names=["renamed"], mappings=encode_mappings([[(0, 0, 0, 10, 0)]]))
    result = compose(outer, INNER)
    assert result["names"] == ["x", "renamed"]
    assert decode_mappings(result["mappings"]) == [[(0, 0, 0, 18, 1)]]


def test_compose_without_sources_content_or_file() -> None:
    inner = {k: v for k, v in INNER.items() if k != "sourcesContent"}
    outer = {k: v for k, v in OUTER.items() if k != "file"}
    result = compose(outer, inner)
    assert "sourcesContent" not in result
    assert "file" not in result


def test_compose_requires_a_single_outer_source() -> None:
    with pytest.raises(ValueError, match="one source"):
        compose(dict(OUTER, sources=["b.js", "c.js"]), INNER)


# --- data URLs and JSON ------------------------------------------------------------------------

SMALL = {"version": 3, "sources": ["π.js"], "names": [], "mappings": "AAAA"}


def b64(data: str) -> str:
    return base64.b64encode(data.encode()).decode()


@pytest.mark.parametrize(
    "url",
    [
        "data:application/json;base64," + b64(json.dumps(SMALL)),
        "data:application/json;charset=utf-8;base64," + b64(json.dumps(SMALL)),
        "data:application/json;charset=UTF-8;base64," + b64(json.dumps(SMALL)).rstrip("="),
        "DATA:Application/JSON;BASE64," + b64(json.dumps(SMALL)),
        "data:application/json," + quote(json.dumps(SMALL)),
        "data:application/json;charset=utf-8," + quote(json.dumps(SMALL)),
        "data:application/json;base64," + b64(")]}'\n" + json.dumps(SMALL)),
    ],
)
def test_parse_data_url_variants(url: str) -> None:
    assert parse_data_url(url) == SMALL


@pytest.mark.parametrize("url", ["out.js.map", "https://x/y.map", "/abs/data:x", ""])
def test_parse_data_url_none_for_non_data_urls(url: str) -> None:
    assert parse_data_url(url) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("data:application/json;base64,%%%%", "invalid source map data URL"),
        ("data:application/json;base64," + b64("{nope"), "invalid source map data URL"),
        ("data:application/json;base64," + b64("[1]"), "not an object"),
        ("data:text/plain;base64," + b64("{}"), "media type"),
        ("data:application/json;base64", "no ','"),
    ],
)
def test_parse_data_url_errors(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_data_url(url)


def test_to_json_is_compact_and_ordered() -> None:
    shuffled = {"mappings": "AAAA", "x_extra": 1, "names": [], "sources": ["π.js"], "version": 3}
    text = to_json(dict(shuffled, file="o.js", sourcesContent=["ü"]))
    assert text == (
        '{"version":3,"file":"o.js","sources":["π.js"],"sourcesContent":["ü"],'
        '"names":[],"mappings":"AAAA","x_extra":1}'
    )


def test_data_url_round_trip() -> None:
    url = to_data_url(SMALL)
    assert url.startswith("data:application/json;charset=utf-8;base64,")
    assert parse_data_url(url) == SMALL


# --- sourceMappingURL comment ------------------------------------------------------------------


def found(code: bytes) -> tuple[str, bytes] | None:
    """The URL and the exact bytes of the comment the returned offsets delimit."""
    result = find_source_mapping_url(code)
    if result is None:
        return None
    url, start, end = result
    return url, code[start:end]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (b"f()\n//# sourceMappingURL=f.js.map\n", ("f.js.map", b"//# sourceMappingURL=f.js.map")),
        (b"f()\n//# sourceMappingURL=f.js.map", ("f.js.map", b"//# sourceMappingURL=f.js.map")),
        (b"f()\n//@ sourceMappingURL=old.map\n", ("old.map", b"//@ sourceMappingURL=old.map")),
        (
            b"f()\r\n//# sourceMappingURL=a.map  \r\n\r\n  \n",
            ("a.map", b"//# sourceMappingURL=a.map  "),
        ),
        (b"f()\n  /*# sourceMappingURL=c.map */\n", ("c.map", b"/*# sourceMappingURL=c.map */")),
        (b"//# sourceMappingURL=only.map", ("only.map", b"//# sourceMappingURL=only.map")),
        (
            b"f()\n//# sourceMappingURL=a.map\n//# debugId=123\n",
            ("a.map", b"//# sourceMappingURL=a.map"),
        ),
        (
            b"//# sourceMappingURL=one.map\n//# sourceMappingURL=two.map\n",
            ("two.map", b"//# sourceMappingURL=two.map"),
        ),
        (
            "f()\u2028//# sourceMappingURL=ls.map".encode(),
            ("ls.map", b"//# sourceMappingURL=ls.map"),
        ),
        (
            "'é'\n//# sourceMappingURL=data:application/json;base64,e30=\n".encode(),
            (
                "data:application/json;base64,e30=",
                b"//# sourceMappingURL=data:application/json;base64,e30=",
            ),
        ),
    ],
)
def test_find_source_mapping_url(code: bytes, expected: tuple[str, bytes]) -> None:
    assert found(code) == expected


@pytest.mark.parametrize(
    "code",
    [
        b"",
        b"\n\n",
        b"f()",
        b"//# sourceMappingURL=a.map\nf()\n",  # code after the comment
        b"f() //# sourceMappingURL=a.map\n",  # not a whole-line comment
        b"var s = '//# sourceMappingURL=a.map'\n",  # inside a string
        b"f()\n//# sourceMappingURL=\n",  # no URL
        b"f()\n/*# sourceMappingURL=a.map */ g()\n",
        b"f()\n// sourceMappingURL=a.map\n",  # missing '#'
    ],
)
def test_find_source_mapping_url_none(code: bytes) -> None:
    assert find_source_mapping_url(code) is None


@pytest.mark.parametrize("module", [shaker.js.sourcemap])
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0
    assert result.failed == 0
