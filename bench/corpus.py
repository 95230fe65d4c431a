"""Real-world check: strip import.meta.hot from pinned published npm packages.

Runs ``shaker.transform(..., mode="production")`` in-process on every file of the
corpus's ``hot/`` part, then checks each output with node:

* acorn (pinned, via ``hot-refs.mjs``, one node process for all files) must parse
  it as an ES module and find no ``import.meta.hot`` reference in its AST;
* ``node --check`` (as ``.mjs``) must pass whenever it passes on the input.

Usage: ``python bench/corpus.py [--corpus DIR]``; prints a table, exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _cache import (
    ACORN_VERSION,
    BENCH_DIR,
    BenchSetupError,
    CorpusFile,
    ensure_corpus,
    ensure_npm_tool,
    read_manifest,
)

MIN_FILES = 30
MIN_PACKAGES = 8
NODE_CHECK_WORKERS = 2
NODE_TIMEOUT = 120

Transform = Callable[..., Any]


@dataclass
class FileResult:
    """What happened to one hot file."""

    file: CorpusFile
    changed: bool = False
    warnings: list[str] = field(default_factory=list)
    refs_before: int = 0
    refs_after: int = 0
    failures: list[str] = field(default_factory=list)


@dataclass
class Report:
    """All per-file results of one check."""

    results: list[FileResult]

    @property
    def failures(self) -> list[str]:
        """Every failure as ``path: reason``."""
        return [f"{r.file.rel}: {f}" for r in self.results for f in r.failures]


def hot_files(corpus: Path) -> list[CorpusFile]:
    """The corpus's hot/ files; raises if there are too few to be a real check."""
    rows = [r for r in read_manifest(corpus) if r.part == "hot"]
    packages = {r.package for r in rows}
    if len(rows) < MIN_FILES or len(packages) < MIN_PACKAGES:
        raise BenchSetupError(
            f"{corpus}/hot has {len(rows)} files from {len(packages)} packages; "
            f"need >= {MIN_FILES} files from >= {MIN_PACKAGES} packages"
        )
    return rows


def _is_error(diagnostic: Any) -> bool:
    severity = getattr(diagnostic, "severity", "")
    return str(getattr(severity, "value", severity)).lower() == "error"


def _describe(diagnostic: Any) -> str:
    line, column = getattr(diagnostic, "line", "?"), getattr(diagnostic, "column", "?")
    return f"{line}:{column}: {getattr(diagnostic, 'message', diagnostic)}"


def _acorn_refs(acorn: Path, files: list[Path], workdir: Path) -> dict[str, dict[str, Any]]:
    """Run hot-refs.mjs once over ``files``; map each path to its JSON result."""
    listing = workdir / "files.txt"
    listing.write_text("".join(f"{f}\n" for f in files), encoding="utf-8")
    done = subprocess.run(
        ["node", str(BENCH_DIR / "hot-refs.mjs"), str(acorn), str(listing)],
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT,
        check=True,
    )
    results = [json.loads(line) for line in done.stdout.splitlines()]
    return {r["file"]: r for r in results}


def _node_check(path: Path) -> bool:
    try:
        done = subprocess.run(
            ["node", "--check", str(path)], capture_output=True, timeout=NODE_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def check(corpus: Path | None = None, transform: Transform | None = None) -> Report:
    """Transform every hot file and check the outputs; collects failures, never stops early."""
    if transform is None:
        import shaker

        transform = shaker.transform
    if shutil.which("node") is None:
        raise BenchSetupError("node not found on PATH")
    corpus = corpus or ensure_corpus()
    acorn = ensure_npm_tool("acorn", ACORN_VERSION)
    results = [FileResult(row) for row in hot_files(corpus)]

    with tempfile.TemporaryDirectory(prefix="shaker-corpus-check-") as tmp:
        work = Path(tmp)
        ins = [work / "in" / f"{i}.mjs" for i in range(len(results))]
        outs = [work / "out" / f"{i}.mjs" for i in range(len(results))]
        for d in (work / "in", work / "out"):
            d.mkdir()
        written: list[int] = []
        for i, res in enumerate(results):
            source = corpus / res.file.rel
            shutil.copyfile(source, ins[i])
            try:
                out = transform(
                    source.read_text(encoding="utf-8"), filename=str(source), mode="production"
                )
            except Exception as exc:  # collected and reported, the run goes on
                res.failures.append(f"transform raised {type(exc).__name__}: {exc}")
                continue
            res.changed = bool(out.changed)
            errors = [d for d in out.diagnostics if _is_error(d)]
            res.warnings = [
                getattr(d, "id", None) or "(no id)" for d in out.diagnostics if not _is_error(d)
            ]
            res.failures += [f"error diagnostic at {_describe(d)}" for d in errors]
            outs[i].write_text(out.code, encoding="utf-8")
            written.append(i)

        refs = _acorn_refs(acorn, ins + [outs[i] for i in written], work)
        with ThreadPoolExecutor(NODE_CHECK_WORKERS) as pool:
            in_ok = list(pool.map(_node_check, ins))
            out_ok = dict(
                zip(written, pool.map(_node_check, [outs[i] for i in written]), strict=True)
            )

        for i, res in enumerate(results):
            res.refs_before = refs[str(ins[i])]["hot"]
            if i not in written:
                continue
            after = refs[str(outs[i])]
            res.refs_after = after["hot"]
            if not after["module"]:
                res.failures.append(f"output is not an ES module for acorn: {after['error']}")
            if res.refs_after:
                res.failures.append(f"{res.refs_after} import.meta.hot reference(s) remain")
            if in_ok[i] and not out_ok[i]:
                res.failures.append("output fails node --check, input passes")
    return Report(results)


def render(report: Report) -> str:
    """A per-package table with a total row, then the failures."""
    header = ("package", "files", "changed", "warnings", "refs in", "refs out", "failures")
    groups: dict[str, list[FileResult]] = {}
    for r in report.results:
        groups.setdefault(r.file.package, []).append(r)
    groups_rows = [*groups.items(), ("TOTAL", report.results)]
    rows = [
        (
            name,
            len(rs),
            sum(r.changed for r in rs),
            sum(len(r.warnings) for r in rs),
            sum(r.refs_before for r in rs),
            sum(r.refs_after for r in rs),
            sum(bool(r.failures) for r in rs),
        )
        for name, rs in groups_rows
    ]
    width = max(len(str(r[0])) for r in [header, *rows])
    lines = [f"{header[0]:<{width}} " + " ".join(f"{h:>9}" for h in header[1:])]
    for row in rows:
        if row[0] == "TOTAL":
            lines.append("-" * len(lines[0]))
        lines.append(f"{row[0]:<{width}} " + " ".join(f"{v:>9}" for v in row[1:]))
    by_id = Counter(w for r in report.results for w in r.warnings)
    if by_id:
        lines.append("warnings by id: " + ", ".join(f"{k}={n}" for k, n in by_id.most_common()))
    failures = report.failures
    lines.append(f"{len(failures)} failure(s)" + (":" if failures else ""))
    lines += [f"  {f}" for f in failures]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: 0 when every file passes, 1 on failures, 2 when not set up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="corpus root (default: the cached one)")
    args = parser.parse_args(argv)
    try:
        report = check(args.corpus)
    except BenchSetupError as exc:
        print(f"corpus check not run: {exc}", file=sys.stderr)
        return 2
    print(render(report))
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
