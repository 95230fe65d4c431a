"""Watching a project root for file changes, in debounced, coalesced batches.

watchfiles does the watching (inotify, FSEvents, ReadDirectoryChangesW, or polling with
``use_polling`` for containers with bind mounts, network drives and WSL's ``/mnt``), in one
thread that hands coalesced batches to the event loop. It watches each directory on its own
(``watched_dirs``: ROOT and every directory under it except ignored ones such as
``node_modules`` and ``.git``, never through a symlink), because watchfiles cannot skip a
directory of a recursive watch; a directory created or removed updates the set. It survives a
file name that is not UTF-8 and ROOT being deleted and created again (both logged).

Its step, the quiet time that ends a batch, is the ``debounce_ms`` (2 ms by default): each
millisecond there is a millisecond of HMR latency, and the cost is a timer wake-up per step
while idle (about 1% of a core at 2 ms).

A batch ends after ``debounce_ms`` without a new event (at most ``max_batch_ms`` after its
first), so an editor's truncate-then-write or write-then-rename arrives as one change. A batch
that deletes a file waits ``delete_grace_ms`` more: a file an editor replaces by renaming
arrives as modified, not as deleted then added. Each path appears once per batch with what it
finally is: ``added`` (new file), ``modified`` or ``deleted``. Batches reach the async callback
one at a time, in order; batches that pile up while it runs are merged.

>>> root = Path("/p")
>>> [is_ignored(root / name, root, ("*.gen.js",))
...  for name in ("node_modules/x/a.js", "src/a.js", "src/b.gen.js", "a.js~")]
[True, False, True, True]
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from shaker.web.logsafe import printable

logger = logging.getLogger("shaker")

ChangeKind = Literal["added", "modified", "deleted"]
IGNORED_DIRS: tuple[str, ...] = (".git", "node_modules", "dist", ".hg", ".svn", "__pycache__")
"""Directory names never watched for changes (at any depth)."""
_EDITOR_TEMP = ("*~", "*.swp", "*.swx", "*.swo", ".#*", "4913", "*.tmp", ".DS_Store")
_RAW_KINDS: dict[int, ChangeKind] = {1: "added", 2: "modified", 3: "deleted"}


@dataclass(frozen=True, order=True)
class FileChange:
    """One file that changed: ``path`` is absolute, ``kind`` what it is now."""

    path: Path
    kind: ChangeKind


def _matches(rel: str, parts: Sequence[str], pattern: str) -> bool:
    if "/" in pattern.strip("/"):
        return fnmatch.fnmatchcase(rel, pattern.strip("/")) or fnmatch.fnmatchcase(
            rel, pattern.strip("/") + "/*"
        )
    return any(fnmatch.fnmatchcase(part, pattern.strip("/")) for part in parts)


def is_ignored(
    path: Path, root: Path, globs: Iterable[str] = (), dirs: Iterable[str] = IGNORED_DIRS
) -> bool:
    """Whether a change to ``path`` is not watched: in an ignored directory, an editor's
    temporary file, or matching a glob (a glob without ``/`` matches a name at any depth)."""
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        return True
    parts = rel.split("/")
    if any(part in dirs for part in parts[:-1]) or parts[-1] in dirs:
        return True
    if any(fnmatch.fnmatchcase(parts[-1], p) for p in _EDITOR_TEMP):
        return True
    return any(_matches(rel, parts, pattern) for pattern in globs)


def coalesce(
    raw: Iterable[tuple[int, str]],
    root: Path | Sequence[Path],
    globs: Sequence[str] = (),
    dirs: Sequence[str] = IGNORED_DIRS,
) -> list[FileChange]:
    """One ``FileChange`` per file from watchfiles' raw ``(change, path)`` pairs.

    What a path *is* decides its kind, not the order of events: a path that no longer exists
    is ``deleted``; one that appeared (created, or renamed into place) is ``added``, unless it
    was also deleted in the batch (an atomic save); anything else is ``modified``. The watcher
    cannot know whether an added path replaced a file it never saw: the caller decides (the dev
    server treats an added file it already serves as modified). Directories are skipped.
    """
    seen: dict[str, set[ChangeKind]] = {}
    for code, name in raw:
        kind = _RAW_KINDS.get(code)
        if kind is not None:
            seen.setdefault(name, set()).add(kind)
    roots = (root,) if isinstance(root, Path) else tuple(root)
    out = []
    for name, kinds in seen.items():
        path = Path(name)
        home = next((r for r in roots if path.is_relative_to(r)), None)
        if home is None or is_ignored(path, home, globs, dirs):
            continue
        if not os.path.lexists(name):
            out.append(FileChange(path, "deleted"))
        elif os.path.isdir(name):
            if "added" in kinds:  # files made before the new directory was watched
                out.extend(FileChange(f, "added") for f in _files_in(path, home, globs, dirs)
                           if str(f) not in seen)
        else:
            appeared = "added" in kinds and "deleted" not in kinds
            out.append(FileChange(path, "added" if appeared else "modified"))
    return sorted(set(out))


def _files_in(directory: Path, root: Path, globs: Sequence[str], dirs: Sequence[str]
              ) -> list[Path]:
    """Files under a directory that just appeared.

    A file written right after ``mkdir`` can land before the watcher has added the new
    directory, so its own event never comes; reading the directory once closes that gap.
    """
    found = []
    for parent, subdirs, names in os.walk(directory):
        subdirs[:] = [d for d in subdirs if d not in dirs]
        for name in names:
            path = Path(parent, name)
            if _decodable(str(path)) and not is_ignored(path, root, globs, dirs):
                found.append(path)
    return found


def merge(batches: Iterable[Sequence[FileChange]]) -> list[FileChange]:
    """Batches that queued up, as one: the last kind of each path wins, but a file added and
    then modified is still ``added``."""
    final: dict[Path, FileChange] = {}
    for batch in batches:
        for change in batch:
            before = final.get(change.path)
            if before is not None and before.kind == "added" and change.kind == "modified":
                continue
            final[change.path] = change
    return sorted(final.values())


Handler = Callable[[list[FileChange]], Awaitable[None]]
Sink = Callable[[list[FileChange]], None]


class FileWatcher:
    """Watch ``root`` and await ``on_changes(batch)`` for every batch; ``stop()`` ends it."""

    def __init__(
        self,
        root: Path,
        on_changes: Handler,
        *,
        ignored: Sequence[str] = (),
        ignored_dirs: Sequence[str] = IGNORED_DIRS,
        use_polling: bool = False,
        poll_interval_ms: int = 300,
        debounce_ms: int = 1,
        max_batch_ms: int = 500,
        delete_grace_ms: int = 50,
        extra_roots: Sequence[Path] = (),
    ) -> None:
        self.root = Path(root).resolve()
        # Directories outside ROOT that are served too (``server.fs_allow``), watched alike.
        # An ancestor of ROOT (a workspace allowed with "..") is not watched whole.
        self.roots = (self.root, *(
            r for r in (Path(x).resolve() for x in extra_roots)
            if r.is_dir() and not r.is_relative_to(self.root)
            and not self.root.is_relative_to(r)
        ))
        self.on_changes = on_changes
        self.ignored = tuple(ignored)
        self.ignored_dirs = tuple(ignored_dirs)
        self.use_polling = use_polling
        self.poll_interval_ms = poll_interval_ms
        self.debounce_ms = max(1, debounce_ms)
        self.max_batch_ms = max(self.debounce_ms, max_batch_ms)
        self.delete_grace_ms = delete_grace_ms
        self.backend: _WatchfilesThread | None = None
        self._consumer: asyncio.Task[None] | None = None
        self._queue: asyncio.Queue[list[FileChange] | None] | None = None

    @property
    def running(self) -> bool:
        return self.backend is not None and self.backend.running

    async def start(self) -> None:
        """Start watching; returns once changes from now on will be seen."""
        if self.backend is not None:
            return
        self._queue = asyncio.Queue()
        queue = self._queue
        backend = _WatchfilesThread(self, queue.put_nowait)
        await backend.start()
        self.backend = backend
        self._consumer = asyncio.create_task(self._consume(), name="shaker-watch-consumer")
        logger.debug("watching %s with %s", self.root, backend.describe())

    async def stop(self) -> None:
        """Stop the backend and the consumer; idempotent."""
        backend, self.backend = self.backend, None
        if backend is not None:
            await backend.stop()
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            assert self._queue is not None
            self._queue.put_nowait(None)
            with contextlib.suppress(asyncio.CancelledError):
                await consumer

    def _coalesce(self, raw: Iterable[tuple[int, str]]) -> list[FileChange]:
        return coalesce(raw, self.roots, self.ignored, self.ignored_dirs)

    async def _consume(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            batch = await queue.get()
            if batch is None:
                return
            pending = [batch]
            if any(c.kind == "deleted" for c in batch) and self.delete_grace_ms:
                await asyncio.sleep(self.delete_grace_ms / 1000)  # a rename may bring it back
            while not queue.empty():
                more = queue.get_nowait()
                if more is None:
                    queue.put_nowait(None)
                    break
                pending.append(more)
            changes = _recheck(merge(pending))
            if not changes:
                continue
            try:
                await self.on_changes(changes)
            except Exception:
                logger.exception(
                    "error while handling changes to %s", ", ".join(str(c.path) for c in changes)
                )


def _recheck(changes: list[FileChange]) -> list[FileChange]:
    """A deleted path that exists again (an editor's rename-over) was modified."""
    out = []
    for change in changes:
        if change.kind == "deleted" and os.path.isfile(change.path):
            change = FileChange(change.path, "modified")
        out.append(change)
    return out


# -- the backend: watchfiles in a thread -------------------------------------------------------

WATCHFILES_MIN_STEP_MS = 1
"""watchfiles checks its event set every step: a shorter step costs CPU while idle."""
ROOT_CHECK_MS = 500
"""How often (ms) the watcher checks that ROOT is still the directory it watches."""
RESTART_DELAY = 0.2
"""Seconds between attempts to restart watchfiles after an error it cannot recover from."""


def _decodable(path: str) -> bool:
    """Whether a path from ``os.walk`` is valid text (a name that is not UTF-8 arrives with
    surrogate escapes; watchfiles cannot take it, and no module URL can name it)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino) if os.path.isdir(path) else None


def watched_dirs(roots: Sequence[Path], globs: Sequence[str] = (),
                 dirs: Sequence[str] = IGNORED_DIRS, skipped: set[str] | None = None
                 ) -> list[str]:
    """Every directory to watch, each non-recursively: the roots and the directories under
    them, without entering ignored directories (``node_modules``, ``.git``...), symlinked
    directories (which may lead out of ROOT) or directories whose names are not UTF-8
    (reported once through ``skipped``).

    watchfiles' filters only filter events: watching ROOT recursively would still put an
    inotify watch on every directory of ``node_modules`` (and follow symlinks out of ROOT).
    """
    out: list[str] = []
    for root in roots:
        if not os.path.isdir(root):
            continue
        for parent, subdirs, _names in os.walk(root, followlinks=False):
            out.append(parent)
            kept = []
            for name in sorted(subdirs):
                path = os.path.join(parent, name)
                if not _decodable(path):
                    if skipped is not None and path not in skipped:
                        skipped.add(path)
                        logger.warning("not watching %s: its name is not UTF-8",
                                       printable(os.fsencode(path)))
                    continue
                if os.path.islink(path) or is_ignored(Path(path), root, globs, dirs):
                    continue
                kept.append(name)
            subdirs[:] = kept
    return out


def changed_since(dirs: Iterable[str], since_ns: int) -> list[tuple[int, str]]:
    """Raw ``added`` events for the files in ``dirs`` modified at or after ``since_ns``: what
    a restarted watcher may have missed (the dev server treats an added file it already
    serves as modified)."""
    out = []
    for directory in dirs:
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            try:
                if (entry.is_file(follow_symlinks=False) and _decodable(entry.path)
                        and entry.stat(follow_symlinks=False).st_mtime_ns >= since_ns):
                    out.append((1, entry.path))
            except OSError:
                continue
    return out


class _WatchfilesThread:
    """watchfiles' native watcher (or its polling) in one thread, over ``watched_dirs``.

    It survives what stopped it before: a file whose name is not UTF-8 (watchfiles then fails
    every later call: the watcher is recreated and the files changed meanwhile are reported),
    ROOT deleted (reported, then checked every ``ROOT_CHECK_MS`` until it exists again, when
    watching resumes and every file in it is reported), any other watchfiles error (logged,
    restarted). A new or removed directory updates the set of watched directories.
    """

    def __init__(self, watcher: FileWatcher, sink: Sink) -> None:
        self.watcher = watcher
        self.sink = sink
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.dirs: list[str] = []
        self._skipped: set[str] = set()
        self._bad_names: set[str] = set()
        self.restarts = 0

    def describe(self) -> str:
        how = (
            f"polling every {self.watcher.poll_interval_ms} ms"
            if self.watcher.use_polling
            else ("native events")
        )
        return f"watchfiles ({how}), {len(self.dirs)} directories"

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[BaseException | None] = loop.create_future()
        self.thread = threading.Thread(
            target=self._run, args=(loop, ready), name="shaker-watcher", daemon=True
        )
        self.thread.start()
        error = await ready
        if error is not None:
            self.thread.join()
            self.thread = None
            raise error

    async def stop(self) -> None:
        self.stop_event.set()
        thread, self.thread = self.thread, None
        if thread is not None:
            await asyncio.get_running_loop().run_in_executor(None, thread.join)

    # -- in the thread ------------------------------------------------------------------------

    def _plan(self) -> list[str]:
        watcher = self.watcher
        return watched_dirs(watcher.roots, watcher.ignored, watcher.ignored_dirs, self._skipped)

    def _open(self, dirs: list[str]) -> Any:
        """A RustNotify over ``dirs``; a directory that vanished meanwhile is planned again."""
        from watchfiles._rust_notify import RustNotify

        watcher = self.watcher
        for attempt in range(5):
            try:
                notify = RustNotify(dirs, False, watcher.use_polling,
                                    watcher.poll_interval_ms, False, True)
            except FileNotFoundError:
                if attempt == 4:
                    raise
                dirs = self._plan()
                continue
            self.dirs = dirs
            return notify
        raise AssertionError("unreachable")

    def _emit(self, loop: asyncio.AbstractEventLoop, raw: Iterable[tuple[int, str]]) -> None:
        batch = self.watcher._coalesce(raw)
        if batch:
            loop.call_soon_threadsafe(self.sink, batch)

    def _needs_replan(self, raw: set[tuple[int, str]]) -> bool:
        watched = set(self.dirs)
        for code, name in raw:
            if code == 1 and name not in watched and os.path.isdir(name) \
                    and not os.path.islink(name):
                return True
            if code in (2, 3) and name in watched and not os.path.isdir(name):
                return True
        return False

    def _run(
        self, loop: asyncio.AbstractEventLoop, ready: asyncio.Future[BaseException | None]
    ) -> None:
        def resolve(value: BaseException | None) -> None:
            if not ready.done():
                ready.set_result(value)

        watcher = self.watcher
        root = watcher.root
        try:
            identity = _identity(root)
            if identity is None:
                raise FileNotFoundError(f"{root} is not a directory")
            notify = self._open(self._plan())
        except BaseException as exc:  # a missing root, too many inotify watches, ...
            loop.call_soon_threadsafe(resolve, exc)
            return
        loop.call_soon_threadsafe(resolve, None)
        step = max(watcher.debounce_ms, WATCHFILES_MIN_STEP_MS)
        since = time.time_ns()
        try:
            while not self.stop_event.is_set():
                try:
                    raw = notify.watch(watcher.max_batch_ms, step, ROOT_CHECK_MS, self.stop_event)
                except Exception as exc:  # watchfiles keeps failing once it failed: recreate
                    notify = self._recover(notify, exc, loop, since)
                    if notify is None:
                        return
                    continue
                if raw == "stop":
                    break
                if _identity(root) != identity:
                    notify.close()
                    notify = self._await_root(loop)
                    if notify is None:
                        return
                    identity = _identity(root)
                    continue
                if not isinstance(raw, set):
                    continue
                since = time.time_ns()
                if self._needs_replan(raw):  # watch a new directory before listing it
                    replacement = self._open(self._plan())
                    notify.close()
                    notify = replacement
                self._emit(loop, raw)
        except Exception:
            logger.exception("the file watcher stopped")
        finally:
            notify.close()

    def _recover(self, notify: Any, exc: Exception, loop: asyncio.AbstractEventLoop,
                 since: int) -> Any:
        """Recreate watchfiles after ``exc``; report the files changed since ``since``
        (the batch that failed is lost with the old instance). None if stopping."""
        text = str(exc)
        if "decode path" in text:
            if text not in self._bad_names:
                self._bad_names.add(text)
                logger.warning("file watcher: ignoring a file whose name is not UTF-8 (%s)",
                               printable(text))
        else:
            logger.warning("file watcher: %s; restarting it", printable(text))
        notify.close()
        self.restarts += 1
        while not self.stop_event.is_set():
            try:
                replacement = self._open(self._plan())
            except Exception as again:
                logger.warning("file watcher: cannot restart (%s); retrying", printable(again))
                self.stop_event.wait(RESTART_DELAY)
                continue
            self._emit(loop, changed_since(self.dirs, since - 1_000_000_000))
            return replacement
        return None

    def _await_root(self, loop: asyncio.AbstractEventLoop) -> Any:
        """ROOT was deleted or replaced: say so, wait until it is a directory again, then
        watch it anew and report every file in it. None if stopping."""
        root = self.watcher.root
        if _identity(root) is None:
            logger.warning("%s was deleted: hot updates stop until it exists again", root)
            while _identity(root) is None:
                if self.stop_event.wait(ROOT_CHECK_MS / 1000):
                    return None
        while not self.stop_event.is_set():
            try:
                notify = self._open(self._plan())
            except Exception as exc:
                logger.warning("file watcher: cannot watch %s yet (%s)", root, printable(exc))
                self.stop_event.wait(ROOT_CHECK_MS / 1000)
                continue
            logger.warning("%s exists again: watching it (%d directories)", root,
                           len(self.dirs))
            self.restarts += 1
            self._emit(loop, changed_since(self.dirs, 0))
            return notify
        return None
