"""Load every module a build reaches, transform it, and note what it depends on.

The crawl starts from the entries (module scripts of HTML pages, inline ``<script
type="module">``, stylesheets, configured files) and follows what survives the production
transform: static imports, re-exports and literal dynamic imports still in the output, CSS
``@import`` and ``url()``.  Imports inside removed HMR code are never followed, so a dev-only
helper imported only there is not even read.  Each node is processed by
:func:`shaker.build.load.process`.

A typical app's modules take a tenth of a millisecond each, and one process is fastest for
them; a build that has spent ``WORKERS_PAY_OFF`` seconds in-process starts worker processes
(``fork``: the parser and the resolver's caches are inherited, not rebuilt) for the rest.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from shaker.build.load import process
from shaker.build.nodes import Inline, Node, Output
from shaker.pipeline.pipeline import Pipeline

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

SERIAL_MODULES = 32  # modules transformed in-process before deciding on workers
WORKERS_PAY_OFF = 0.2  # seconds of in-process transforming after which workers start
MIN_QUEUED = 16  # ...if at least this many modules are waiting


def _worth_workers(done: int, seconds: float, queued: int) -> bool:
    """Whether to start worker processes now: the build has already spent ``WORKERS_PAY_OFF``
    seconds transforming in-process (so it is a large one) and has modules queued.

    Workers cost a ``fork`` each and the pickling of every result; a typical app's modules
    take a tenth of a millisecond, and for those one process is faster.
    """
    return done >= SERIAL_MODULES and seconds >= WORKERS_PAY_OFF and queued >= MIN_QUEUED

_worker_state: Pipeline | None = None


def _process_batch(nodes: list[Node]) -> list[Output]:
    """Worker side: the pipeline (resolver caches, plugins) was inherited through ``fork``."""
    assert _worker_state is not None
    return [process(node, _worker_state) for node in nodes]


def crawl(entries: list[Node], pipeline: Pipeline, *,
          inline: Mapping[Node, Inline] | None = None, workers: int | None = None,
          on_output: Callable[[Output], None] | None = None) -> dict[Node, Output]:
    """Process ``entries`` and everything they reach; outputs in discovery order."""
    global _worker_state
    inline = inline or {}
    workers = max(1, workers or os.cpu_count() or 1)
    outputs: dict[Node, Output] = {}
    pending: deque[Node] = deque(dict.fromkeys(entries))
    seen = set(pending)
    pool: ProcessPoolExecutor | None = None
    in_flight: dict[Future[list[Output]], list[Node]] = {}
    serial_js = 0
    serial_seconds = 0.0
    queued_js = sum(1 for node in pending if node.role == "js")

    def accept(output: Output) -> None:
        nonlocal queued_js
        outputs[output.node] = output
        if on_output is not None:
            on_output(output)
        for dep in output.deps:
            if dep.target not in seen:
                seen.add(dep.target)
                pending.append(dep.target)
                queued_js += dep.target.role == "js"

    try:
        while pending or in_flight:
            batch: list[Node] = []
            while pending:
                node = pending.popleft()
                is_js = node.role == "js"
                queued_js -= is_js
                parallel = pool is not None or (
                    workers > 1 and _worth_workers(serial_js, serial_seconds, queued_js + is_js))
                if not is_js or not parallel:
                    started = time.perf_counter()
                    accept(process(node, pipeline, inline.get(node)))
                    if is_js:
                        serial_js += 1
                        serial_seconds += time.perf_counter() - started
                    continue
                batch.append(node)
            if batch:
                if pool is None:
                    import multiprocessing
                    from concurrent.futures import ProcessPoolExecutor

                    _worker_state = pipeline
                    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(
                        "fork"))
                size = max(1, min(32, len(batch) // (workers * 3) or 1))
                for i in range(0, len(batch), size):
                    chunk = batch[i:i + size]
                    in_flight[pool.submit(_process_batch, chunk)] = chunk
            if in_flight:
                from concurrent.futures import FIRST_COMPLETED, wait

                done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                for future in done:
                    del in_flight[future]
                    for output in future.result():
                        accept(output)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        _worker_state = None
    return outputs


__all__ = ["MIN_QUEUED", "SERIAL_MODULES", "WORKERS_PAY_OFF", "crawl"]
