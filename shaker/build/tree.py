"""Transform a directory tree into another, on every core, atomically.

The I/O shell around :func:`shaker.transform` for ``shaker transform DIR -o OUT``.  Work is
split into chunks of files; each worker reads, pre-filters, transforms or copies, and
writes into a temporary directory beside OUT.  Only when every file succeeded is the
temporary directory swapped in, so a syntax error, or a JavaScript file that is not UTF-8
(:class:`shaker.errors.SourceDecodeError`), leaves OUT exactly as it was.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from shaker.build.outdir import Staging, write_file
from shaker.diagnostics import Diagnostic
from shaker.errors import ShakerSyntaxError, require_utf8
from shaker.js.transform import may_reference, transform_source
from shaker.options import TransformOptions
from shaker.source import Source

JS_SUFFIXES = (".js", ".mjs", ".jsx")
TYPESCRIPT_SUFFIXES = (".ts", ".tsx", ".mts", ".cts")
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


def list_files(root: Path) -> list[tuple[str, int]]:
    """Relative paths and sizes of every file under ``root`` (no VCS or dependency dirs)."""
    out: list[tuple[str, int]] = []
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
                    out.append((path, entry.stat().st_size))
    out.sort()
    return out


class _Dirs:
    """Directory file descriptors, so each file is opened relative to its directory.

    Opening by absolute path makes the kernel walk every component again; on overlay file
    systems that dominates the cost of mirroring thousands of small files.
    """

    def __init__(self, root: str, *, create: bool) -> None:
        self.root = root
        self.create = create
        self._fds: dict[str, int] = {}

    def fd(self, rel_dir: str) -> int:
        found = self._fds.get(rel_dir)
        if found is not None:
            return found
        if len(self._fds) >= 64:
            self.close()
        path = os.path.join(self.root, rel_dir) if rel_dir else self.root
        if self.create:
            os.makedirs(path, exist_ok=True)
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        self._fds[rel_dir] = fd
        return fd

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()


def _read(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    chunks = []
    while True:
        chunk = os.read(fd, max(size, 65536))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size = 65536


def _process_chunk(src_root: str, out_root: str, paths: list[str], options: TransformOptions
                   ) -> list[FileOutcome]:
    """Worker: transform or copy each file of ``paths`` from src_root into out_root."""
    src_dirs = _Dirs(src_root, create=False)
    out_dirs = _Dirs(out_root, create=True)
    outcomes: list[FileOutcome] = []
    define = dict(options.define)
    try:
        for rel in paths:
            rel_dir, _, name = rel.rpartition("/")
            fd = os.open(name, os.O_RDONLY, dir_fd=src_dirs.fd(rel_dir))
            try:
                if rel.endswith(TYPESCRIPT_SUFFIXES):
                    data = _read(fd)
                    write_file(name, data, dir_fd=out_dirs.fd(rel_dir))
                    if may_reference(data, define):
                        outcomes.append(_typescript_left(rel, os.path.join(src_root, rel),
                                                         data))
                    continue
                if not rel.endswith(JS_SUFFIXES):
                    size = os.fstat(fd).st_size
                    out = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644,
                                  dir_fd=out_dirs.fd(rel_dir))
                    try:
                        _copy_fd(fd, out, size)
                    finally:
                        os.close(out)
                    continue
                data = _read(fd)
            finally:
                os.close(fd)
            out_fd = out_dirs.fd(rel_dir)
            path = os.path.join(src_root, rel)
            try:
                require_utf8(Source(path, data))  # even a file copied as is: as for one file
            except ShakerSyntaxError as exc:
                outcomes.append(FileOutcome(rel, error=exc))
                continue
            if not options.sourcemap and not may_reference(data, define):
                write_file(name, data, dir_fd=out_fd)
                continue
            outcome = FileOutcome(rel)
            try:
                result = transform_source(Source(path, data), replace(options, filename=path),
                                          referenced=not options.sourcemap)
            except ShakerSyntaxError as exc:
                outcome.error = exc
                outcomes.append(outcome)
                continue
            outcome.changed = result.changed
            outcome.diagnostics = result.diagnostics
            outcomes.append(outcome)
            output = result.code.encode("utf-8", "surrogatepass") if result.changed else data
            write_file(name, output, dir_fd=out_fd)
    finally:
        src_dirs.close()
        out_dirs.close()
    return outcomes


def _typescript_left(rel: str, path: str, data: bytes) -> FileOutcome:
    """A TypeScript file that mentions ``import.meta``: copied as it is (shaker prints
    JavaScript, not TypeScript), with a warning saying so and what to do instead."""
    source = Source(path, data)
    offset = max(0, data.find(b"import.meta"))
    message = ("TypeScript is copied unchanged by a tree transform (shaker writes JavaScript, "
               "not TypeScript), so import.meta.hot stays in it: transform the file alone "
               "(`shaker transform FILE.ts`, JavaScript out) or build with `shaker build`")
    return FileOutcome(rel, diagnostics=[Diagnostic.at(source, offset, message,
                                                       id="typescript-copied")])


def _copy_fd(src: int, dst: int, size: int) -> None:
    """Copy a whole file in the kernel when it can (copy_file_range), else through memory."""
    copied = 0
    try:
        while copied < size:
            n = os.copy_file_range(src, dst, size - copied)
            if n == 0:
                break
            copied += n
        if copied >= size:
            return
    except OSError:
        pass
    os.lseek(src, copied, os.SEEK_SET)
    while True:
        chunk = os.read(src, 1 << 20)
        if not chunk:
            return
        os.write(dst, chunk)


def _chunks(paths: list[str], sizes: list[int], n: int) -> list[list[str]]:
    """Split the sorted paths into ``n`` contiguous runs of similar byte size.

    Contiguous runs keep a directory's files together (its descriptors stay cached); the
    caller hands runs out largest-first so one huge file does not finish last.
    """
    total = sum(sizes) + 4096 * len(sizes)
    target = total / n
    runs: list[list[str]] = [[]]
    load = 0.0
    for path, size in zip(paths, sizes, strict=True):
        if load >= target and len(runs) < n:
            runs.append([])
            load = 0.0
        runs[-1].append(path)
        load += size + 4096
    return [r for r in runs if r]


def transform_tree(src: Path, out: Path, options: TransformOptions, *,
                   workers: int | None = None) -> BatchReport:
    """Mirror ``src`` into ``out``, transforming JS files; ``out`` is replaced atomically."""
    started = time.perf_counter()
    src = src.resolve()
    out = out.resolve()
    if out == src or src in out.parents:
        raise ValueError(f"output directory {out} must not be inside the input {src}")
    listing = list_files(src)
    paths = [p for p, _ in listing]
    report = BatchReport(files=len(paths))
    with Staging(out) as staging:
        tmp = staging.path
        n = max(1, min(workers or os.cpu_count() or 1, len(paths) // 8 or 1))
        sizes = [size for _, size in listing]
        chunks = _chunks(paths, sizes, n * 6 if n > 1 else 1)
        # Largest first (LPT scheduling), so one big file does not finish last.
        weight = dict(zip(paths, sizes, strict=True))
        chunks.sort(key=lambda c: -sum(weight[p] for p in c))
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
        if not report.errors:
            staging.commit()
    report.seconds = time.perf_counter() - started
    return report
