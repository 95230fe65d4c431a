"""Behaviour oracle: each production case must print the same under node before and after.

Node's ``import.meta.hot`` is undefined, which is exactly the production semantics, so running
the input and the transformed output (see ``node_oracle.py``) must give identical results. The
corpus's own expected outputs go through the same check, which keeps the corpus honest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from corpus_format import Entry, corpus_entries
from js_tree import hot_references
from node_oracle import (
    NODE,
    Module,
    Pair,
    Run,
    explain,
    input_module,
    output_module,
    run_modules,
    stubs_for,
)

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(
        NODE is None, reason="node is not installed: the oracle runs modules under it"
    ),
]

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
ENTRIES = [
    entry
    for entry in corpus_entries(CORPUS, "production")
    if not any(entry.case.flag(key) for key in ("no-oracle", "error", "skip"))
]
IDS = [entry.id for entry in ENTRIES]


@dataclass(frozen=True)
class Outcome:
    """The three runs of one case, and the transform's output (or why there is none)."""

    actual: str | Exception
    input: Module
    expected: Module
    output: Module | None


@pytest.fixture(scope="module")
def oracle() -> tuple[dict[str, Outcome], dict[Module, Run | Exception]]:
    """Transform every case, then run inputs, expected and actual outputs in one node batch."""
    outcomes: dict[str, Outcome] = {}
    for entry in ENTRIES:
        try:
            actual: str | Exception = entry.transform().code
        except Exception as error:  # reported by the case's own test
            actual = error
        sources = [entry.case.input, entry.case.expected]
        if isinstance(actual, str):
            sources.append(actual)
        stubs = stubs_for(*sources)
        outcomes[entry.id] = Outcome(
            actual=actual,
            input=input_module(entry.case.input, stubs, entry.case.defines()),
            expected=output_module(entry.case.expected, stubs),
            output=output_module(actual, stubs) if isinstance(actual, str) else None,
        )
    modules = [
        module
        for outcome in outcomes.values()
        for module in (outcome.input, outcome.expected, outcome.output)
        if module is not None
    ]
    return outcomes, run_modules(modules)


def _compare(entry: Entry, output: str, before: Run | Exception, after: Run | Exception) -> None:
    if isinstance(before, Exception):
        raise before
    if isinstance(after, Exception):
        raise after
    pair = Pair(entry.case.input, output, entry.case.defines())
    assert before == after, explain(pair, before, after)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_output_behaves_like_input(
    entry: Entry, oracle: tuple[dict[str, Outcome], dict[Module, Run | Exception]]
) -> None:
    """The transform's output prints what the input prints, and no `import.meta.hot` is left."""
    outcomes, runs = oracle
    outcome = outcomes[entry.id]
    if isinstance(outcome.actual, Exception):
        raise outcome.actual
    assert outcome.output is not None
    if not entry.case.flag("keep-hot"):
        assert hot_references(outcome.actual) == [], "import.meta.hot left in the output"
    _compare(entry, outcome.actual, runs[outcome.input], runs[outcome.output])


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_expected_output_behaves_like_input(
    entry: Entry, oracle: tuple[dict[str, Outcome], dict[Module, Run | Exception]]
) -> None:
    """The corpus's expected output prints what the input prints (a check on the corpus)."""
    outcomes, runs = oracle
    outcome = outcomes[entry.id]
    if not entry.case.flag("keep-hot"):
        assert hot_references(entry.case.expected) == [], "import.meta.hot left in the expectation"
    _compare(entry, entry.case.expected, runs[outcome.input], runs[outcome.expected])
