"""TypeScript erasure throughput on the pinned TS corpus: shaker vs esbuild vs ts-blank-space.

All three run in the same invocation over the same files (bench/ts_corpus.py: the ``src/``
TypeScript of zod, rxjs, @trpc/server, @tanstack/query-core and immer), best of
``--rounds``:

* **shaker**: ``strip_types`` in this process (grammar and query loaded by a first untimed
  pass), one core; and the same spread over ``--jobs`` worker processes, as
  ``shaker transform DIR`` does, timed from submitting the work to the last result;
* **esbuild**: one ``esbuild FILES --outdir`` process (Go, every core), wall time including
  its start;
* **ts-blank-space**: one Node process, the time spent inside the loop (files already read,
  TypeScript already loaded), so without Node's start-up.

Prints MB/s of TypeScript source and the ratios against esbuild (the target is shaker at most
1.5x esbuild's time).  Usage: ``python bench/typescript.py [--rounds N] [--jobs N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cache import BenchSetupError
from ts_corpus import (
    TS_BLANK_SPACE_SCRIPT,
    ensure_esbuild,
    ensure_ts_blank_space,
    ensure_ts_corpus,
)

from shaker.js.typescript import strip_types
from shaker.source import Source

TARGET = 1.5


def _strip_many(paths: list[str]) -> int:
    """Worker: strip each file; returns the bytes of output (so the work is not skipped)."""
    total = 0
    for path in paths:
        total += len(strip_types(Source(path, Path(path).read_bytes())).code)
    return total


def time_shaker(sources: list[tuple[str, bytes]]) -> float:
    start = time.perf_counter()
    for name, code in sources:
        strip_types(Source(name, code))
    return time.perf_counter() - start


def time_shaker_pool(pool: ProcessPoolExecutor, paths: list[str], jobs: int) -> float:
    chunks = [paths[i::jobs * 4] for i in range(jobs * 4)]
    start = time.perf_counter()
    sum(pool.map(_strip_many, chunks))
    return time.perf_counter() - start


def time_esbuild(esbuild: Path, paths: list[str], out: Path) -> float:
    start = time.perf_counter()
    subprocess.run([str(esbuild), *paths, f"--outdir={out}", "--outbase=/", "--format=esm",
                    "--log-level=error"], check=True)
    return time.perf_counter() - start


def time_ts_blank_space(package: Path, listing: Path, out: Path) -> float:
    done = subprocess.run(["node", "--input-type=module", "-e", TS_BLANK_SPACE_SCRIPT,
                           str(package), str(listing), str(out)],
                          capture_output=True, text=True, check=True)
    return float(done.stdout.strip()) / 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    try:
        files = ensure_ts_corpus()
        esbuild = ensure_esbuild()
        tsb = ensure_ts_blank_space()
    except BenchSetupError as exc:
        print(f"setup failed: {exc}", file=sys.stderr)
        return 2
    paths = [str(f.path) for f in files]
    sources = [(p, Path(p).read_bytes()) for p in paths]
    size = sum(len(code) for _, code in sources)
    packages = sorted({f.package for f in files})
    print(f"corpus: {len(paths)} files, {size / 1e6:.2f} MB of TypeScript from "
          f"{', '.join(packages)}; {os.cpu_count()} cores; best of {args.rounds}")

    time_shaker(sources[:50])  # load the grammar, compile the query
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="ts-bench-") as tmp, ProcessPoolExecutor(
            args.jobs) as pool:
        scratch = Path(tmp)
        listing = scratch / "files.json"
        listing.write_text(json.dumps(paths))
        time_shaker_pool(pool, paths[:args.jobs], args.jobs)  # start the workers
        for round_ in range(args.rounds):
            runs = {
                "shaker (1 core)": lambda: time_shaker(sources),
                f"shaker ({args.jobs} processes)": lambda: time_shaker_pool(
                    pool, paths, args.jobs),
                "esbuild --loader=ts": lambda r=round_: time_esbuild(
                    esbuild, paths, scratch / f"esbuild-{r}"),
                "ts-blank-space (in Node)": lambda r=round_: time_ts_blank_space(
                    tsb, listing, scratch / f"tsb-{r}.json"),
            }
            for name, run in runs.items():
                seconds = run()
                best[name] = min(best.get(name, seconds), seconds)
    print(f"{'tool':<28} {'seconds':>8} {'MB/s':>8} {'vs esbuild':>11}")
    base = best["esbuild --loader=ts"]
    for name, seconds in best.items():
        print(f"{name:<28} {seconds:>8.3f} {size / 1e6 / seconds:>8.2f} {seconds / base:>10.2f}x")
    pooled = best[f"shaker ({args.jobs} processes)"] / base
    verdict = "meets" if pooled <= TARGET else "misses"
    print(f"shaker ({args.jobs} processes) / esbuild = {pooled:.2f}x: {verdict} the "
          f"{TARGET}x target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
