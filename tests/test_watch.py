"""Probes for the file watcher (``shaker.dev.watch``): what used to stop it, or leak out of it.

Each probe drives a real ``FileWatcher`` (watchfiles, native events) on a temporary tree and
waits on events, never on fixed sleeps.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from test_server_support import async_test

from shaker.dev import watch
from shaker.dev.watch import FileChange, FileWatcher

WAIT = 10.0


class Collector:
    """Batches from the watcher, and a way to wait for a path to show up in one."""

    def __init__(self) -> None:
        self.changes: list[FileChange] = []
        self.event = asyncio.Event()

    async def __call__(self, batch: list[FileChange]) -> None:
        self.changes.extend(batch)
        self.event.set()

    async def saw(self, path: Path, action: Callable[[], object] | None = None) -> FileChange:
        """Wait until ``path`` is reported, doing ``action`` again each time another batch
        arrives without it (a write can land in the watcher's restart window)."""
        for _ in range(20):
            for change in self.changes:
                if change.path == path:
                    return change
            self.event.clear()
            await asyncio.wait_for(self.event.wait(), WAIT)
        raise AssertionError(f"{path} never reported: {self.changes}")


class LogWaiter(logging.Handler):
    """Set an asyncio event (from any thread) when a record containing ``text`` is logged."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.loop = asyncio.get_running_loop()
        self.event = asyncio.Event()
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.records.append(message)
        if self.text in message:
            self.loop.call_soon_threadsafe(self.event.set)

    async def wait(self) -> None:
        await asyncio.wait_for(self.event.wait(), WAIT)


def logged(text: str) -> LogWaiter:
    handler = LogWaiter(text)
    logging.getLogger("shaker").addHandler(handler)
    return handler


def inotify_watches() -> int | None:
    """inotify watches this process holds (Linux), or None where it cannot be read."""
    if not sys.platform.startswith("linux"):
        return None
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == "anon_inode:inotify":
                with open(f"/proc/self/fdinfo/{fd}") as info:
                    count += sum(1 for line in info if line.startswith("inotify wd:"))
        except OSError:
            continue
    return count


def tree(root: Path, packages: int = 200) -> Path:
    (root / "src" / "lib").mkdir(parents=True)
    for n in range(packages):
        (root / "node_modules" / f"pkg{n}" / "dist" / "esm").mkdir(parents=True)
    (root / ".git" / "objects" / "ab").mkdir(parents=True)
    return root


@async_test
async def test_node_modules_and_git_get_no_watches(tmp_path: Path) -> None:
    """Before: ROOT was watched recursively, so every directory of node_modules and .git held
    an inotify watch (15,561 on a real project; 803 here) although their events were dropped."""
    root = tree(tmp_path / "root")
    before = inotify_watches()
    collector = Collector()
    watcher = FileWatcher(root, collector)
    await watcher.start()
    try:
        assert watcher.backend is not None
        assert sorted(Path(d).relative_to(root).as_posix() for d in watcher.backend.dirs) == [
            ".", "src", "src/lib"]
        if before is not None:
            assert inotify_watches() - before == 3  # type: ignore[operator]
        (root / "src" / "lib" / "a.js").write_text("1")
        assert (await collector.saw(root / "src/lib/a.js")).kind == "added"
    finally:
        await watcher.stop()


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
@async_test
async def test_symlinks_never_lead_the_watcher_out_of_root(tmp_path: Path) -> None:
    """Before: a symlinked directory was followed, so files outside ROOT were watched and
    reported as ROOT/link/..."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "src").mkdir(parents=True)
    outside.mkdir()
    (root / "src" / "link").symlink_to(outside, target_is_directory=True)
    collector = Collector()
    watcher = FileWatcher(root, collector)
    await watcher.start()
    try:
        (outside / "x.js").write_text("1")
        (root / "src" / "marker.js").write_text("1")  # events arrive in order: this comes last
        await collector.saw(root / "src/marker.js")
        assert [c.path for c in collector.changes] == [root / "src" / "marker.js"]
        assert watch.watched_dirs([root]) == [str(root), str(root / "src")]
    finally:
        await watcher.stop()


@pytest.mark.skipif(sys.platform == "darwin", reason="APFS refuses names that are not UTF-8")
@async_test
async def test_a_file_name_that_is_not_utf8_does_not_stop_the_watcher(tmp_path: Path) -> None:
    """Before: watchfiles raised "Unable to decode path" for the event, kept raising it on
    every later call, and the watcher thread stopped: no hot update ever again."""
    root = tree(tmp_path / "root", packages=2)
    waiter = logged("name is not UTF-8")
    collector = Collector()
    watcher = FileWatcher(root, collector)
    await watcher.start()
    try:
        with open(os.path.join(bytes(root), b"src", b"caf\xe9.js"), "wb") as fh:
            fh.write(b"x")
        await waiter.wait()
        after = root / "src" / "after.js"
        after.write_text("1")
        await collector.saw(after, lambda: after.write_text("2"))
        assert watcher.running
        with open(os.path.join(bytes(root), b"node_modules", b"\xff.js"), "wb") as fh:
            fh.write(b"x")  # not watched at all
        again = root / "src" / "again.js"
        again.write_text("1")
        await collector.saw(again)
    finally:
        await watcher.stop()
        logging.getLogger("shaker").removeHandler(waiter)
    assert sum("name is not UTF-8" in r for r in waiter.records) == 1
    for change in collector.changes:  # only names a module URL can carry
        str(change.path).encode("utf-8")


@async_test
async def test_root_deleted_and_created_again_is_reported_and_watched_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: deleting ROOT removed its inotify watch and the watcher went silent, for good
    and without a word, even once ROOT existed again."""
    monkeypatch.setattr(watch, "ROOT_CHECK_MS", 50, raising=False)
    root = tmp_path / "root"
    (root / "src").mkdir(parents=True)
    deleted, back = logged("was deleted"), logged("exists again")
    collector = Collector()
    watcher = FileWatcher(root, collector)
    await watcher.start()
    try:
        shutil.rmtree(root)
        await deleted.wait()
        (root / "src").mkdir(parents=True)
        (root / "src" / "restored.js").write_text("1")
        await back.wait()
        assert (await collector.saw(root / "src/restored.js")).kind == "added"
        later = root / "src" / "later.js"
        later.write_text("1")
        await collector.saw(later)
        assert watcher.running
    finally:
        await watcher.stop()
        logging.getLogger("shaker").removeHandler(deleted)
        logging.getLogger("shaker").removeHandler(back)


@async_test
async def test_new_and_removed_directories_update_the_watched_set(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "src").mkdir(parents=True)
    collector = Collector()
    watcher = FileWatcher(root, collector)
    await watcher.start()
    try:
        assert watcher.backend is not None
        deep = root / "src" / "a" / "b"
        deep.mkdir(parents=True)
        (deep / "one.js").write_text("1")
        await collector.saw(deep / "one.js")
        (deep / "two.js").write_text("1")  # written after the directory is watched
        await collector.saw(deep / "two.js")
        assert str(deep) in watcher.backend.dirs
        (root / "node_modules" / "x").mkdir(parents=True)  # created: still not watched
        (root / "src" / "marker.js").write_text("1")
        await collector.saw(root / "src" / "marker.js")
        assert not any("node_modules" in d for d in watcher.backend.dirs)
    finally:
        await watcher.stop()
