"""The module worker: one daemon thread that builds modules off the event loop, replaceable.

A plugin's synchronous hook that never returns cannot be interrupted: a Python thread cannot
be killed. With a ``ThreadPoolExecutor`` the stuck thread also held every later build (one
worker), so every request and every hot update waited forever, and the interpreter waited
for the thread at exit, so Ctrl-C never finished either. ``Worker.run`` waits at most
``timeout`` seconds; then it abandons that thread (a daemon: it never delays exit) and the
next build starts on a new one.

>>> import asyncio
>>> async def demo():
...     worker = Worker("demo")
...     try:
...         return await worker.run(sum, ((1, 2),), timeout=5)
...     finally:
...         worker.close()
>>> asyncio.run(demo())
3
"""

from __future__ import annotations

import asyncio
import itertools
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

_Job = tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]


class WorkerTimeout(TimeoutError):
    """A job did not finish in time; its thread was abandoned."""


class _Thread:
    def __init__(self, name: str) -> None:
        self.jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while (job := self.jobs.get()) is not None:
            future, fn, args = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # handed to the awaiting coroutine
                future.set_exception(exc)


class Worker:
    """Run functions one at a time in a daemon thread; a job over its timeout abandons the
    thread (``abandoned`` counts them)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._numbers = itertools.count(1)
        self._thread: _Thread | None = None
        self.abandoned = 0

    def _current(self) -> _Thread:
        if self._thread is None:
            self._thread = _Thread(f"{self.name}-{next(self._numbers)}")
        return self._thread

    async def run(self, fn: Callable[..., Any], args: tuple[Any, ...], *, timeout: float) -> Any:
        """``fn(*args)`` in the worker thread; ``WorkerTimeout`` after ``timeout`` seconds."""
        thread = self._current()
        future: Future[Any] = Future()
        thread.jobs.put((future, fn, args))
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
        except asyncio.TimeoutError:
            if not future.cancel() and self._thread is thread:  # running: the thread is stuck
                self._thread = None
                self.abandoned += 1
                waiting = _drain(thread)
                thread.jobs.put(None)  # it ends if the job ever returns
                if waiting:
                    fresh = self._current()  # jobs queued behind the stuck one go on
                    for job in waiting:
                        fresh.jobs.put(job)
            raise WorkerTimeout(f"did not finish within {timeout:g} s") from None

    def close(self) -> None:
        """Stop the thread after its current job (never waits for it)."""
        thread, self._thread = self._thread, None
        if thread is not None:
            for future, _fn, _args in _drain(thread):
                if not future.done():  # a job whose awaiting coroutine was cancelled is
                    future.set_exception(RuntimeError("the server is closing"))
            thread.jobs.put(None)


def _drain(thread: _Thread) -> list[_Job]:
    """The jobs still queued on ``thread``, taken off it."""
    jobs: list[_Job] = []
    while True:
        try:
            job = thread.jobs.get_nowait()
        except queue.Empty:
            return jobs
        if job is not None:
            jobs.append(job)


__all__ = ["Worker", "WorkerTimeout"]
