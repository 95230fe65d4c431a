"""Real-world check: shaker strips import.meta.hot from pinned published npm packages.

Uses the cached corpus (``bench/make-corpus.sh``, built on first use, which takes
minutes) and pinned acorn; skipped with a reason when the npm registry cannot be reached.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
UNREACHABLE = "npm registry unreachable: real-world corpus not checked"


def _load_bench() -> ModuleType:
    """Import bench/corpus.py (which imports its sibling ``_cache``)."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("shaker_bench_corpus", BENCH / "corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through it
    spec.loader.exec_module(module)
    return module


@pytest.mark.network
@pytest.mark.node
def test_realworld_corpus_strips_every_hot_reference() -> None:
    if shutil.which("node") is None:
        pytest.skip("node not found: real-world corpus not checked")
    bench = _load_bench()
    cache = sys.modules["_cache"]
    try:
        corpus = cache.ensure_corpus()
        cache.ensure_npm_tool("acorn", cache.ACORN_VERSION)
    except cache.BenchSetupError as exc:
        if not cache.registry_reachable():
            pytest.skip(UNREACHABLE)
        pytest.skip(f"real-world corpus could not be built (registry reachable): {exc}")

    report = bench.check(corpus)

    assert len(report.results) >= bench.MIN_FILES
    assert not report.failures, "\n" + bench.render(report)
