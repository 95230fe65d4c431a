"""Time ``shaker transform`` against esbuild and ``cp -r`` on the pinned corpus.

For (i) the corpus's hot/ part and (ii) the whole corpus, runs in alternating order
each round, every output directory fresh:

* ``shaker transform DIR -o OUT --mode production`` (``$SHAKER_CMD`` overrides ``shaker``)
* ``esbuild FILES --outdir=OUT --define:import.meta.hot=undefined --minify-syntax``
  (pinned; files esbuild cannot build are found once up front and left out)
* ``cp -r DIR OUT``

then times ``shaker.transform`` in-process on one ~100 KB module with hot code: a first
transform, and re-transforms after one-line edits given the previous ``parsed`` handle.
Prints a table and the ratios against the targets.

Usage: ``python bench/transform.py [--rounds N] [--quick] [--strict] [--scratch DIR]``
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from _cache import (
    CACHE,
    ESBUILD_VERSION,
    BenchSetupError,
    CorpusFile,
    ensure_corpus,
    ensure_npm_tool,
    read_manifest,
    shaker_cmd,
)

RUN_TIMEOUT = 900
ARGS_BUDGET = 512 * 1024  # bytes of file names per esbuild invocation
JS_SUFFIXES = (".js", ".mjs", ".jsx")
MODULE_TARGET_BYTES = 100_000
MODULE_MIN_BYTES = 60_000
IN_PROCESS_RUNS = 50
TOOLS = ("shaker", "esbuild", "cp -r")
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
ESBUILD_ERROR_LOCATION = re.compile(r"^ {4}(\S.*?):\d+:\d+:$", re.MULTILINE)


@dataclass(frozen=True)
class Run:
    """One timed process (or several in a row, for esbuild chunks)."""

    seconds: float
    max_rss_kb: int
    returncode: int
    output: str = ""


@dataclass(frozen=True)
class Tree:
    """A directory to transform, with its JS files relative to it."""

    name: str
    root: Path
    files: int
    bytes: int
    js: tuple[str, ...]


def run_measured(cmd: list[str], cwd: Path | None = None, timeout: float = RUN_TIMEOUT) -> Run:
    """Run ``cmd``; wall time and peak RSS of its largest process.

    The RSS comes from ``/usr/bin/time -f %M`` when present (measuring through Python's
    own wait4 would report at least the RSS of this Python process, which the forked
    child carries until exec); otherwise from ``RUSAGE_CHILDREN``, an upper bound.
    """
    with tempfile.TemporaryDirectory() as tmp:
        rss_file = Path(tmp) / "rss"
        wrapped = [TIME, "-f", "%M", "-o", str(rss_file), *cmd] if TIME else cmd
        start = time.perf_counter()
        proc = subprocess.Popen(
            wrapped,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            out += f"\n(killed after {timeout:.0f} s)".encode()
        seconds = time.perf_counter() - start
        if TIME:
            lines = rss_file.read_text().split() if rss_file.exists() else []
            rss = int(lines[-1]) if lines and lines[-1].isdigit() else 0
        else:
            rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return Run(seconds, rss, proc.returncode, out.decode("utf-8", "replace"))


def run_all(cmds: list[tuple[list[str], Path | None]]) -> Run:
    """Run commands one after another; sum the times, keep the largest RSS, first failure."""
    runs = [run_measured(cmd, cwd) for cmd, cwd in cmds]
    failed = [r for r in runs if r.returncode != 0]
    return Run(
        sum(r.seconds for r in runs),
        max((r.max_rss_kb for r in runs), default=0),
        failed[0].returncode if failed else 0,
        "".join(r.output for r in failed or runs),
    )


def make_tree(name: str, root: Path) -> Tree:
    """Scan ``root`` for its files and JS files."""
    files = size = 0
    js: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        files += 1
        size += path.stat().st_size
        if path.suffix in JS_SUFFIXES:
            js.append(path.relative_to(root).as_posix())
    return Tree(name, root, files, size, tuple(js))


def _chunks(names: list[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    used = 0
    for name in names:
        if chunk and used + len(name) + 1 > ARGS_BUDGET:
            yield chunk
            chunk, used = [], 0
        chunk.append(name)
        used += len(name) + 1
    if chunk:
        yield chunk


def esbuild_cmds(
    esbuild: Path, tree: Tree, out: Path, skip: frozenset[str] = frozenset()
) -> list[tuple[list[str], Path | None]]:
    """esbuild invocations over every JS file of ``tree`` but ``skip``, keeping paths.

    ``.mjs`` files go in their own invocations with ``--out-extension:.js=.mjs`` so that
    ``a.js`` and ``a.mjs`` side by side do not collide.
    """
    flags = [
        f"--outdir={out}",
        "--outbase=.",
        "--define:import.meta.hot=undefined",
        "--minify-syntax",
        "--log-level=error",
        "--log-limit=0",
    ]
    cmds: list[tuple[list[str], Path | None]] = []
    for mjs in (False, True):
        names = [n for n in tree.js if n.endswith(".mjs") == mjs and n not in skip]
        extra = ["--out-extension:.js=.mjs"] if mjs else []
        cmds += [([str(esbuild), *chunk, *flags, *extra], tree.root) for chunk in _chunks(names)]
    return cmds


def esbuild_failures(
    esbuild: Path, tree: Tree, scratch: Path, names: list[str] | None = None
) -> set[str]:
    """Files esbuild cannot build (esbuild writes nothing at all when one fails)."""
    names = list(tree.js) if names is None else names
    if not names:
        return set()
    shutil.rmtree(scratch, ignore_errors=True)
    probe = Tree(tree.name, tree.root, 0, 0, tuple(names))
    run = run_all(esbuild_cmds(esbuild, probe, scratch))
    if run.returncode == 0:
        return set()
    named = set(ESBUILD_ERROR_LOCATION.findall(run.output)) & set(names)
    if named:
        rest = [n for n in names if n not in named]
        return named | esbuild_failures(esbuild, tree, scratch, rest)
    if len(names) == 1:
        return set(names)
    half = len(names) // 2
    return esbuild_failures(esbuild, tree, scratch, names[:half]) | esbuild_failures(
        esbuild, tree, scratch, names[half:]
    )


def count_files(root: Path) -> int:
    """Number of files under ``root`` (0 if it does not exist)."""
    return sum(len(files) for _, _, files in os.walk(root))


def pick_module(corpus: Path, rows: list[CorpusFile]) -> tuple[str, str]:
    """A ~100 KB module with hot code: one real file of 60 KB or more, or concatenated files."""
    hot = sorted((r for r in rows if r.part == "hot" and r.ast_hot > 0), key=lambda r: r.rel)
    big = [r for r in hot if r.bytes >= MODULE_MIN_BYTES]
    if big:
        best = min(big, key=lambda r: abs(r.bytes - MODULE_TARGET_BYTES))
        return best.rel, (corpus / best.rel).read_text(encoding="utf-8")
    parts: list[str] = []
    for r in hot:
        parts.append((corpus / r.rel).read_text(encoding="utf-8"))
        if sum(len(p.encode()) for p in parts) >= MODULE_TARGET_BYTES:
            break
    return f"{len(parts)} concatenated hot files", "\n".join(parts)


def time_in_process(name: str, code: str) -> tuple[list[float], str]:
    """Milliseconds of ``shaker.transform`` per run, and a note on the result."""
    import shaker

    first = shaker.transform(code, filename=name, mode="production")  # warm-up: loads parser
    times = []
    for _ in range(IN_PROCESS_RUNS):
        start = time.perf_counter()
        shaker.transform(code, filename=name, mode="production")
        times.append((time.perf_counter() - start) * 1000)
    note = f"changed={bool(first.changed)} diagnostics={len(first.diagnostics)}"
    return times, note


def time_incremental(name: str, code: str) -> list[float]:
    """Milliseconds of a dev-server re-transform: one line inserted (a different place each
    run), given the previous result's ``parsed`` handle (tree-sitter's incremental parse)."""
    import shaker

    lines = code.split("\n")
    previous = shaker.transform(code, filename=name, mode="production").parsed
    times: list[float] = []
    step = max(1, len(lines) // IN_PROCESS_RUNS)
    for run in range(IN_PROCESS_RUNS):
        i = (run * step) % len(lines)
        candidate = "\n".join([*lines[:i], f"console.log({run});", *lines[i:]])
        try:  # an insertion inside a template or comment may not parse: skip that spot
            shaker.transform(candidate, filename=name, mode="production")
        except shaker.ShakerSyntaxError:
            continue
        start = time.perf_counter()
        result = shaker.transform(candidate, filename=name, mode="production",
                                  previous=previous)
        times.append((time.perf_counter() - start) * 1000)
        previous = result.parsed
        code = candidate
        lines = code.split("\n")
    return times


@dataclass
class Timings:
    """Everything measured on the trees."""

    runs: dict[tuple[str, str], list[Run]]
    skips: dict[str, frozenset[str]]
    summaries: dict[str, str]
    problems: list[str]


def measure(trees: list[Tree], esbuild: Path, scratch: Path, rounds: int) -> Timings:
    """Time every tool on every tree, ``rounds`` times, rotating the tool order each round."""
    skips = {t.name: frozenset(esbuild_failures(esbuild, t, scratch / "probe")) for t in trees}
    commands: dict[str, Callable[[Tree, Path], list[tuple[list[str], Path | None]]]] = {
        "shaker": lambda t, o: [
            ([*shaker_cmd(), "transform", str(t.root), "-o", str(o), "--mode", "production"], None)
        ],
        "esbuild": lambda t, o: esbuild_cmds(esbuild, t, o, skips[t.name]),
        "cp -r": lambda t, o: [(["cp", "-r", str(t.root), str(o)], None)],
    }
    expected = {
        "shaker": lambda t: t.files,
        "esbuild": lambda t: len(t.js) - len(skips[t.name]),
        "cp -r": lambda t: t.files,
    }
    for t in trees:  # untimed warm-up of the page cache
        run_measured(["cp", "-r", str(t.root), str(scratch / "warm")])
        shutil.rmtree(scratch / "warm")
    timings = Timings({}, skips, {}, [])
    out = scratch / "out"
    for rnd in range(rounds):
        order = TOOLS[rnd % 3 :] + TOOLS[: rnd % 3]
        for t in trees:
            for tool in order:
                shutil.rmtree(out, ignore_errors=True)
                run = run_all(commands[tool](t, out))
                timings.runs.setdefault((t.name, tool), []).append(run)
                made = count_files(out)
                if run.returncode != 0:
                    timings.problems.append(
                        f"{tool} on {t.name} exited {run.returncode}: {run.output.strip()[-500:]}"
                    )
                elif made != expected[tool](t):
                    timings.problems.append(
                        f"{tool} on {t.name} wrote {made} files, expected {expected[tool](t)}"
                    )
                if tool == "shaker" and run.output.strip():
                    timings.summaries[t.name] = run.output.strip().splitlines()[-1]
    shutil.rmtree(out, ignore_errors=True)
    return timings


def print_table(trees: list[Tree], timings: Timings) -> dict[tuple[str, str], float]:
    """Print one row per tree and tool; return the median seconds of the successful runs."""
    print(
        f"{'tree':<5} {'files':>6} {'MiB':>7}  {'tool':<8} {'median s':>9} {'min s':>8} "
        f"{'peak RSS MiB':>13}  notes"
    )
    medians: dict[tuple[str, str], float] = {}
    for t in trees:
        for tool in TOOLS:
            runs = timings.runs[(t.name, tool)]
            good = [r.seconds for r in runs if r.returncode == 0]
            skip = timings.skips[t.name] if tool == "esbuild" else frozenset()
            note = f"{len(skip)} of {len(t.js)} files fail in esbuild, left out" if skip else ""
            if len(good) < len(runs):
                note = f"{len(runs) - len(good)} of {len(runs)} runs FAILED"
            med = low = "-"
            if good:
                medians[(t.name, tool)] = statistics.median(good)
                med, low = f"{statistics.median(good):.3f}", f"{min(good):.3f}"
            rss = max(r.max_rss_kb for r in runs) / 1024
            print(
                f"{t.name:<5} {t.files:>6} {t.bytes / 1048576:7.2f}  {tool:<8} {med:>9} {low:>8} "
                f"{rss:13.1f}  {note}"
            )
    for name, line in timings.summaries.items():
        print(f"shaker's summary ({name}): {line}")
    for name, skip in timings.skips.items():
        if skip:
            more = " ..." if len(skip) > 5 else ""
            print(f"esbuild fails on ({name}): {', '.join(sorted(skip)[:5])}{more}")
    return medians


def print_ratios(medians: dict[tuple[str, str], float], module_ms: float | None,
                 edit_ms: float | None = None) -> bool:
    """Print the ratios against their targets; True if any target is missed."""

    def ratio(tree: str, other: str) -> float | None:
        a, b = medians.get((tree, "shaker")), medians.get((tree, other))
        return a / b if a is not None and b else None

    checks = [  # label, value, bound, unit, strictly less
        ("whole tree shaker/esbuild", ratio("all", "esbuild"), 0.7, "x", False),
        ("whole tree shaker/cp -r", ratio("all", "cp -r"), 2.0, "x", False),
        ("hot files shaker/esbuild", ratio("hot", "esbuild"), 1.0, "x", False),
        ("100 KB module, first", module_ms, 10.0, " ms", True),
        ("100 KB module, after edit", edit_ms, 5.0, " ms", True),
    ]
    print("ratios (of medians):")
    missed = False
    for label, value, bound, unit, strict in checks:
        if value is None:
            shown, mark = "n/a", "n/a"
        else:
            shown = f"{value:.2f}{unit}"
            mark = "PASS" if (value < bound if strict else value <= bound) else "MISS"
        missed |= mark == "MISS"
        target = f"{'<' if strict else '<='} {bound}{unit}"
        print(f"  {label:<26} {shown:>10}   target {target:<10} {mark}")
    return missed


def scratch_base(requested: Path | None) -> Path:
    """Where outputs go: ``--scratch``, else tmpfs ``/dev/shm`` (no disk writeback noise)."""
    if requested is not None:
        return requested
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else CACHE


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: 0 when every run worked (and, with --strict, every target met)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument("--quick", action="store_true", help="1 round on hot/ only")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--scratch", type=Path, help="where outputs go (default /dev/shm)")
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else max(1, args.rounds)
    try:
        corpus = ensure_corpus()
        esbuild = ensure_npm_tool("esbuild", ESBUILD_VERSION) / "bin" / "esbuild"
    except BenchSetupError as exc:
        print(f"benchmark not run: {exc}", file=sys.stderr)
        return 2

    trees = [make_tree("hot", corpus / "hot")]
    if not args.quick:
        trees.append(make_tree("all", corpus))
    base = scratch_base(args.scratch)
    scratch = Path(tempfile.mkdtemp(prefix="shaker-bench-", dir=base))
    load_before = os.getloadavg()[0]
    try:
        timings = measure(trees, esbuild, scratch, rounds)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(
        f"shaker: {' '.join(shaker_cmd())}   esbuild {ESBUILD_VERSION}   rounds: {rounds}   "
        f"cores: {os.cpu_count()}   outputs in: {base}   "
        f"load avg before/after: {load_before:.1f}/{os.getloadavg()[0]:.1f}"
    )
    medians = print_table(trees, timings)
    problems = timings.problems
    module_ms = None
    module_name, code = pick_module(corpus, read_manifest(corpus))
    try:
        times, note = time_in_process(module_name, code)
    except Exception as exc:  # reported as a problem; the table above stands
        problems.append(f"in-process shaker.transform failed: {type(exc).__name__}: {exc}")
    else:
        module_ms = statistics.median(times)
        print(
            f"in-process: {module_name} ({len(code.encode()) / 1000:.1f} KB), {note}: "
            f"median {module_ms:.2f} ms, min {min(times):.2f} ms over {len(times)} runs"
        )
    edit_ms = None
    try:
        edits = time_incremental(module_name, code)
    except Exception as exc:
        problems.append(f"incremental shaker.transform failed: {type(exc).__name__}: {exc}")
    else:
        if edits:
            edit_ms = statistics.median(edits)
            print(f"in-process after a one-line edit (previous=): median {edit_ms:.2f} ms, "
                  f"min {min(edits):.2f} ms over {len(edits)} edits")
    missed = print_ratios(medians, module_ms, edit_ms)
    for p in problems:
        print(f"PROBLEM: {p}")
    return 1 if problems or (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
