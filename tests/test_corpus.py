"""One test per corpus case: ``shaker.transform`` must return exactly the expected output.

``SHAKER_UPDATE_CORPUS=1`` rewrites expected outputs (and ``:warning`` lines) from the actual
results instead of failing, for review with ``git diff``.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from corpus_format import (
    ATTRIBUTES,
    Case,
    Entry,
    corpus_entries,
    parse_corpus,
    render_corpus,
    replace_case,
    representable,
)

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
ENTRIES = corpus_entries(CORPUS)
UPDATE = os.environ.get("SHAKER_UPDATE_CORPUS") == "1"
# An expected error whose message is left for SHAKER_UPDATE_CORPUS to fill in.
ERROR_PREFIX = re.compile(r"[^\n]*:\d+:\d+: error:")
# Part of the development preamble: its presence in the expected output means "uses hot".
PREAMBLE_MARK = "import.meta.hot = __shaker_hot("


def in_position_order(shorts: list[str]) -> list[str]:
    """Short-form diagnostics ``ID LINE:COL`` sorted by position, then id."""

    def key(short: str) -> tuple[int, int, str]:
        ident, _, place = short.rpartition(" ")
        line, _, column = place.partition(":")
        return int(line), int(column), ident

    return sorted(shorts, key=key)


def short_diagnostics(result: Any) -> list[str]:
    """The result's diagnostics in the corpus short form ``ID LINE:COL``, in position order."""
    return in_position_order([f"{d.id} {d.line}:{d.column}" for d in result.diagnostics])


def _update(entry: Entry, expected: str, warnings: list[str]) -> None:
    case = entry.case
    crlf = case.flag("crlf")
    if not representable(expected, crlf):
        pytest.fail(f"cannot write this output into the corpus format: {expected!r}")
    attributes = [(key, value) for key, value in case.attributes if key != "warning"]
    attributes[0:0] = [("warning", item) for item in warnings]
    updated = replace(case, attributes=attributes, expected=expected)
    if (updated.expected, updated.attributes) != (case.expected, case.attributes):
        replace_case(entry.path, updated)


def _check_error(entry: Entry) -> None:
    import shaker

    with pytest.raises(shaker.ShakerSyntaxError) as raised:
        entry.transform()
    first_line = str(raised.value).split("\n", 1)[0]
    expected = entry.case.expected.strip()
    if UPDATE:
        _update(entry, first_line + "\n", entry.case.warnings())
        return
    if ERROR_PREFIX.fullmatch(expected):
        assert first_line.startswith(expected), first_line
    else:
        assert first_line == expected


def _check_facts(case: Case, result: Any) -> None:
    facts = result.hot
    accepts = tuple(" ".join(case.values("accepts")).split())
    assert facts.self_accepting is case.flag("self-accepting"), "self_accepting"
    assert tuple(facts.accepted_deps) == accepts, "accepted_deps"
    assert facts.declines is case.flag("declines"), "declines"
    injected = PREAMBLE_MARK in case.expected and PREAMBLE_MARK not in case.input
    assert facts.uses_hot is injected, "uses_hot"


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry.id for entry in ENTRIES])
def test_case(entry: Entry) -> None:
    """The transform's output, diagnostics and facts are exactly the expected ones."""
    case = entry.case
    if case.flag("skip"):
        pytest.skip(case.value("skip") or "marked :skip")
    if case.flag("error"):
        _check_error(entry)
        return
    result = entry.transform()
    warnings = short_diagnostics(result)
    if UPDATE:
        _update(entry, result.code, warnings)
    else:
        assert result.code == case.expected
        assert warnings == in_position_order(case.warnings())
    assert result.changed is (result.code != case.input)
    if entry.mode == "development":
        _check_facts(case, result)


@pytest.mark.parametrize(
    "path", sorted(CORPUS.glob("*/*.txt")), ids=lambda path: f"{path.parent.name}/{path.name}"
)
def test_corpus_file_is_canonical(path: Path) -> None:
    """Files round-trip through the parser and writer, so updates only touch what changed."""
    text = path.read_text(encoding="utf-8")
    cases = parse_corpus(text)
    assert render_corpus(cases) == text
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "case names must be unique within a file"
    for case in cases:
        unknown = {key for key, _ in case.attributes} - ATTRIBUTES
        assert not unknown, f"{case.name}: unknown attributes {unknown}"
        for warning in case.warnings():
            assert re.fullmatch(r"[a-z][a-z0-9-]* \d+:\d+", warning), warning


def test_corpus_size() -> None:
    """The corpus keeps its breadth (the rules of DESIGN.md need this many cases)."""
    modes = [entry.mode for entry in ENTRIES]
    assert modes.count("production") >= 130
    assert modes.count("development") >= 30
