"""Transform a directory tree into another, on every core, atomically.

The I/O shell around :func:`shaker.transform` for ``shaker transform DIR -o OUT``.  Work is
split into chunks of files; each worker reads, pre-filters, transforms or copies, and
writes into a temporary directory beside OUT.  Only when every file succeeded is the
temporary directory swapped in, so a syntax error leaves OUT exactly as it was.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from .diagnostics import Diagnostic
from .errors import ShakerSyntaxError
from .options import TransformOptions
from .source import Source
from .transform import may_reference, transform_source

JS_SUFFIXES = (".js", ".mjs", ".jsx")
# Directories never worth descending into when mirroring a tree.
_SKIP_DIRS = frozenset({".git", "node_modules", "__pycache__"})


@dataclass
class FileOutcome:
    """What happened to one file."""

    path: str
    changed: bool = False
    diagnostics: list[Diagnostic] = field(default_factory=list)
    error: ShakerSyntaxError | None = None


@dataclass
class BatchReport:
    """Totals for the one-line summary."""

    files: int = 0
    transformed: int = 0
    changed: int = 0
    outcomes: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def errors(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.error is not None]

    @property
    def warnings(self) -> int:
        return sum(len(o.diagnostics) for o in self.outcomes)


def list_files(root: Path) -> list[str]:
    """Relative paths of every file under ``root``, skipping VCS and dependency folders."""
    out: list[str] = []
    stack = [""]
    while stack:
        rel = stack.pop()
        with os.scandir(root / rel if rel else root) as it:
            for entry in it:
                path = f"{rel}/{entry.name}" if rel else entry.name
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in _SKIP_DIRS:
                        stack.append(path)
                elif entry.is_file():
                    out.append(path)
    out.sort()
    return out


def _process_chunk(src_root: str, out_root: str, paths: list[str], options: TransformOptions
                   ) -> list[FileOutcome]:
    """Worker: transform or copy each file of ``paths`` from src_root into out_root."""
    made: set[str] = set()
    outcomes: list[FileOutcome] = []
    for rel in paths:
        src = os.path.join(src_root, rel)
        dst = os.path.join(out_root, rel)
        parent = os.path.dirname(dst)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        if not rel.endswith(JS_SUFFIXES):
            shutil.copyfile(src, dst)
            continue
        with open(src, "rb") as fh:
            data = fh.read()
        if not options.sourcemap and not may_reference(data, dict(options.define)):
            with open(dst, "wb") as fh:
                fh.write(data)
            continue
        outcome = FileOutcome(rel)
        try:
            opts = replace(options, filename=src)
            result = transform_source(Source(src, data), opts)
        except ShakerSyntaxError as exc:
            outcome.error = exc
            outcomes.append(outcome)
            continue
        outcome.changed = result.changed
        outcome.diagnostics = result.diagnostics
        outcomes.append(outcome)
        with open(dst, "wb") as fh:
            fh.write(result.code.encode("utf-8", "surrogatepass") if result.changed else data)
    return outcomes


def _chunks(paths: list[str], sizes: list[int], n: int) -> list[list[str]]:
    """Split into about ``n`` chunks of similar byte size (large files first)."""
    order = sorted(range(len(paths)), key=lambda i: -sizes[i])
    buckets: list[list[str]] = [[] for _ in range(n)]
    loads = [0] * n
    for i in order:
        k = loads.index(min(loads))
        buckets[k].append(paths[i])
        loads[k] += sizes[i] + 4096
    return [b for b in buckets if b]


def transform_tree(src: Path, out: Path, options: TransformOptions, *,
                   workers: int | None = None) -> BatchReport:
    """Mirror ``src`` into ``out``, transforming JS files; ``out`` is replaced atomically."""
    started = time.perf_counter()
    src = src.resolve()
    out = out.resolve()
    if out == src or src in out.parents:
        raise ValueError(f"output directory {out} must not be inside the input {src}")
    paths = list_files(src)
    report = BatchReport(files=len(paths))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.shaker-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes 0700; the result should look like a normal dir
    try:
        n = max(1, min(workers or os.cpu_count() or 1, len(paths) // 8 or 1))
        sizes = [_size(src / p) for p in paths]
        chunks = _chunks(paths, sizes, n * 4 if n > 1 else 1)
        if n == 1:
            results = [_process_chunk(str(src), str(tmp), c, options) for c in chunks]
        else:
            ctx = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
                futures = [pool.submit(_process_chunk, str(src), str(tmp), c, options)
                           for c in chunks]
                results = [f.result() for f in futures]
        for outcomes in results:
            report.outcomes.extend(outcomes)
        report.outcomes.sort(key=lambda o: o.path)
        report.transformed = len(report.outcomes)
        report.changed = sum(1 for o in report.outcomes if o.changed)
        if report.errors:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report.seconds = time.perf_counter() - started
    return report


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _swap_in(tmp: Path, out: Path) -> None:
    """Replace ``out`` by ``tmp`` with two renames; the old tree is deleted afterwards."""
    if out.exists():
        old = out.with_name(f".{out.name}.shaker-old-{os.getpid()}")
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out)
