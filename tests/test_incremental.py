"""Incremental re-transform (``previous=``): always the result of a fresh transform.

Edits are random: a slice of the previous text replaced by a slice of another corpus input,
a line inserted, a character deleted.  Whatever the edit does (breaks the syntax, moves a
quote, adds `import.meta.hot`), the incremental transform must give the same code and
diagnostics as a fresh one, or raise the same syntax error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus_format import corpus_entries
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shaker
from shaker.js.incremental import diff

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
INPUTS = sorted({entry.case.input for entry in corpus_entries(CORPUS, "production")
                 if not entry.case.flag("error")})
SNIPPETS = ["import.meta.hot", "if (import.meta.hot) {\n", "}\n", "`", "'", "/*", "*/",
            "//", "/", "{,", "a?.b`x`", "\n", "const hot = import.meta.hot;\n", "<!--",
            "switch (!!import.meta.hot) { case false: log(1) }\n", "delete import.meta.hot;"]


def outcome(code: str, previous: shaker.Parsed | None = None
            ) -> tuple[str, ...] | tuple[str, str, list[str]]:
    try:
        result = shaker.transform(code, filename="m.js", previous=previous)
    except shaker.ShakerSyntaxError as error:
        return ("error", str(error))
    return ("ok", result.code, [str(d) for d in result.diagnostics])


@st.composite
def edits(draw: st.DrawFn) -> tuple[str, list[str]]:
    text = draw(st.sampled_from(INPUTS))
    versions = []
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 40)))
        insert = draw(st.one_of(st.sampled_from(SNIPPETS), st.sampled_from(INPUTS).map(
            lambda s: s[: len(s) // 2])))
        text = text[:start] + insert + text[end:]
        versions.append(text)
    return draw(st.sampled_from(INPUTS)), versions


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits())
def test_incremental_equals_fresh(case: tuple[str, list[str]]) -> None:
    first, versions = case
    try:
        previous = shaker.transform(first, filename="m.js").parsed
    except shaker.ShakerSyntaxError:
        return
    for text in [first, *versions]:
        fresh = outcome(text)
        assert outcome(text, previous) == fresh, text
        if fresh[0] == "ok":
            previous = shaker.transform(text, filename="m.js", previous=previous).parsed


def test_previous_handle_is_not_changed() -> None:
    """A handle can be used twice: the incremental parse edits a copy of its tree."""
    code = "const a = 1;\nif (import.meta.hot) import.meta.hot.accept();\nlog(a);\n"
    first = shaker.transform(code)
    assert first.parsed is not None
    edited = code.replace("a = 1", "a = 22")
    once = shaker.transform(edited, previous=first.parsed)
    twice = shaker.transform(edited, previous=first.parsed)
    assert once.code == twice.code == "const a = 22;\nlog(a);\n"
    again = shaker.transform(code, previous=first.parsed)
    assert again.code == first.code


def test_an_edit_that_breaks_the_syntax_far_away_is_reported() -> None:
    code = "a?.b\n;\n" + "log(1);\n" * 200 + "import.meta.hot?.accept();\n"
    first = shaker.transform(code)
    assert first.parsed is not None
    with pytest.raises(shaker.ShakerSyntaxError, match="tagged template"):
        shaker.transform(code.replace("a?.b\n;", "a?.b\n`x`", 1), previous=first.parsed)


@pytest.mark.parametrize(("old", "new", "expected"), [
    (b"abc", b"abc", None),
    (b"abc", b"abXc", (2, 2, 3)),
    (b"aaaa", b"aa", (2, 4, 2)),
    (b"", b"x", (0, 0, 1)),
    (b"xyz", b"", (0, 3, 0)),
    (b"abab", b"ab", (2, 4, 2)),
])
def test_diff_finds_the_edited_range(old: bytes, new: bytes,
                                     expected: tuple[int, int, int] | None) -> None:
    found = diff(old, new)
    assert (None if found is None else (found.start, found.old_end, found.new_end)) == expected
