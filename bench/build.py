"""Time ``shaker build`` against ``vite build`` on a generated app, in the same run.

The app comes from ``bench/app_gen.py`` (the generator the hot-updates bench uses), 1,000
modules by default.  Vite is pinned (``VITE_VERSION``) and installed once into
``${SHAKER_BENCH_CACHE:-~/.cache/shaker-bench}/tools/`` by ``_cache.ensure_npm_tool``.

Each round runs both commands, in alternating order, each into a fresh output directory;
one untimed warm-up of each comes first.  The app and the outputs live on ``/dev/shm``
(tmpfs) unless ``--scratch DIR`` says otherwise: disk writeback on this kind of machine
varies by more than the builds take.  Wall time includes each tool's start-up (Python for
shaker, Node for Vite): that is what a user waits for.

Usage: ``python bench/build.py [--modules 1000] [--rounds 5] [--scratch DIR] [--strict]``

Prints the load average before and after (a busy machine makes timings meaningless), a table
of median/min/max seconds and output size per tool, and the ratio of medians against the
target (shaker ≤ Vite).  Exit status 1 on a failed build (and with ``--strict`` on a MISS),
2 when Vite or the generator could not be set up.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from _cache import BenchSetupError, ensure_npm_tool, shaker_cmd

VITE_VERSION = "8.3.8"
TIMEOUT = 600
TARGET = 1.0  # shaker's median / Vite's median


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" ({os.cpu_count()} cores)"
    except OSError:
        return "n/a"


def _run(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    return time.perf_counter() - started, done


def _tree(directory: Path) -> tuple[int, int]:
    files = [p for p in directory.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scratch", type=Path, default=None)
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)

    try:
        from app_gen import generate_app
    except ImportError as exc:
        print(f"bench/app_gen.py is missing or broken: {exc}", file=sys.stderr)
        return 2
    if shutil.which("node") is None:
        print("node not found: cannot run vite build", file=sys.stderr)
        return 2
    try:
        vite = ensure_npm_tool("vite", VITE_VERSION) / "bin" / "vite.js"
    except BenchSetupError as exc:
        print(f"cannot install vite@{VITE_VERSION}: {exc}", file=sys.stderr)
        return 2

    base = args.scratch or (Path("/dev/shm") if Path("/dev/shm").is_dir() else None)
    scratch = Path(tempfile.mkdtemp(prefix="shaker-bench-build-", dir=base))
    try:
        return _bench(args, generate_app, vite, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _bench(args: argparse.Namespace, generate_app, vite: Path, scratch: Path) -> int:
    app = Path(generate_app(scratch / "app", modules=args.modules))
    sources = sum(1 for p in app.rglob("*.js") if "node_modules" not in p.parts)
    print(f"load before: {_load()}")
    print(f"app: {app} ({sources} .js files), {args.rounds} rounds, alternating order")
    result = compare_builds(app, vite, scratch, args.rounds)
    print(f"load after:  {_load()}")
    for problem in result.problems:
        print("PROBLEM:", problem)
    print()
    print_table(result)
    ratio = result.ratio()
    if ratio is not None:
        best = result.ratio(min)
        verdict = "PASS" if ratio <= TARGET else "MISS"
        print(f"\nshaker / vite (median wall time): {ratio:.2f}  target ≤ {TARGET:.1f}  "
              f"{verdict}   (min / min: {best:.2f})")
        if verdict == "MISS" and args.strict:
            return 1
    return 1 if result.problems else 0


@dataclass
class Comparison:
    """Wall times (seconds, warm-up excluded) of each build command on one app."""

    names: list[str]
    times: dict[str, list[float]]
    outputs: dict[str, Path] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    shaker_line: str = ""

    def ratio(self, of: Callable[[list[float]], float] = statistics.median) -> float | None:
        """shaker / Vite, of the medians (or of ``of``), or None if either has no time."""
        if not all(self.times[n] for n in self.names):
            return None
        return of(self.times[self.names[0]]) / of(self.times[self.names[1]])


def compare_builds(app: Path, vite: Path, scratch: Path, rounds: int) -> Comparison:
    """Time ``shaker build`` and ``vite build`` of ``app``: one untimed warm-up each, then
    ``rounds`` rounds in alternating order, each into a fresh directory under ``scratch``;
    also checks that no shaker output holds ``import.meta.hot`` (a problem if one does)."""
    commands = {
        "shaker build": lambda out: [*shaker_cmd(), "build", str(app), "--outdir", str(out)],
        f"vite build {VITE_VERSION}": lambda out: [
            "node", str(vite), "build", str(app), "--outDir", str(out), "--emptyOutDir",
            "--logLevel", "warn"],
    }
    names = list(commands)
    result = Comparison(names, {name: [] for name in names})
    for round_no in range(rounds + 1):  # round 0 is the untimed warm-up
        order = names if round_no % 2 == 0 else names[::-1]
        for name in order:
            out = scratch / f"out-{names.index(name)}"
            shutil.rmtree(out, ignore_errors=True)
            seconds, done = _run(commands[name](out))
            if done.returncode != 0:
                result.problems.append(
                    f"{name} exited {done.returncode}:\n{done.stdout}{done.stderr}")
                continue
            result.outputs[name] = out
            if round_no:
                result.times[name].append(seconds)
            elif name == "shaker build" and done.stdout:
                lines = done.stdout.strip().splitlines()
                result.shaker_line = lines[1] if len(lines) > 1 else ""
                print("shaker:", result.shaker_line)
    shaker_out = result.outputs.get("shaker build")
    if shaker_out is not None:
        leftovers = [p for p in shaker_out.rglob("*.js") if b"import.meta.hot" in p.read_bytes()]
        if leftovers:
            result.problems.append(f"import.meta.hot left in {len(leftovers)} shaker output files")
    return result


def print_table(result: Comparison) -> None:
    """median/min/max seconds, output files and KiB per tool."""
    print(f"{'tool':<20} {'median s':>9} {'min s':>7} {'max s':>7} {'files':>6} {'KiB':>8}")
    for name in result.names:
        if not result.times[name]:
            continue
        files, size = _tree(result.outputs[name])
        series = result.times[name]
        print(f"{name:<20} {statistics.median(series):>9.3f} {min(series):>7.3f} "
              f"{max(series):>7.3f} {files:>6} {size / 1024:>8.1f}")


if __name__ == "__main__":
    sys.exit(main())
