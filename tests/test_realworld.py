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


@pytest.mark.slow
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


@pytest.mark.slow
@pytest.mark.network
@pytest.mark.node
def test_define_folding_keeps_real_packages_valid(tmp_path: Path) -> None:
    """Fold ``process.env.NODE_ENV`` through the ordinary ES modules of the corpus (Vue,
    Angular, MUI, ...): every output must stay valid wherever its input was, and be a fixed
    point of the transform.  This drives the folder, the branch rewrites and the pruning of
    now-unused imports over hundreds of real files, not only hand-written cases."""
    if shutil.which("node") is None:
        pytest.skip("node not found: real-world corpus not checked")
    _load_bench()
    cache = sys.modules["_cache"]
    try:
        corpus = cache.ensure_corpus()
    except cache.BenchSetupError as exc:
        pytest.skip(UNREACHABLE if not cache.registry_reachable() else str(exc))

    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    import shaker

    define = {"process.env.NODE_ENV": '"production"', "__DEV__": "false"}
    written: list[tuple[Path, Path, Path]] = []
    for path in sorted((corpus / "app").rglob("*")):
        if path.suffix not in (".js", ".mjs") or b"process.env.NODE_ENV" not in (
            data := path.read_bytes()
        ):
            continue
        result = shaker.transform(data, filename=str(path), define=define)
        if not result.changed:
            continue
        assert shaker.transform(result.code, define=define).code == result.code, path
        out = tmp_path / f"{len(written)}.mjs"
        out.write_text(result.code, encoding="utf-8", errors="surrogateescape")
        written.append((path, out, tmp_path / f"{len(written)}.in.mjs"))
    assert len(written) >= 100, "the corpus should exercise the folder on many files"

    def valid(file: Path) -> bool:
        return subprocess.run(["node", "--check", str(file)], capture_output=True,
                              timeout=60).returncode == 0

    def broken(entry: tuple[Path, Path, Path]) -> str | None:
        source, out, copy = entry
        if valid(out):
            return None
        copy.write_bytes(source.read_bytes())
        return None if not valid(copy) else str(source)

    with ThreadPoolExecutor(max_workers=2) as pool:
        failures = [f for f in pool.map(broken, written) if f]
    assert not failures, failures
