"""Atomic output directories: write beside the target, swap in only on success.

``shaker transform DIR -o OUT`` and ``shaker build`` both promise that a failure leaves the
previous output exactly as it was.  Both write into a staging directory next to the target
(same file system, so the swap is two renames) and call :meth:`Staging.commit` at the end.

Staging names follow one pattern, ``.<target>.shaker-*`` (``shaker.config.STAGING_MARK``),
for the new tree and for the old one being deleted: the dev server's watcher knows it, so a
build into a watched root reloads no page, whatever output directory it was given.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType

from shaker.config import STAGING_MARK


def write_file(name: str, data: bytes, *, dir_fd: int | None = None, mode: int = 0o666
               ) -> None:
    """Write ``data`` to ``name`` (relative to ``dir_fd`` when given) with plain syscalls.

    Opening relative to a directory descriptor skips re-walking the path, which dominates
    when thousands of small files are written; the umask still applies to ``mode``.
    """
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode, dir_fd=dir_fd)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


class Staging:
    """A temporary sibling of ``target``; removed unless committed.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "dist"
    >>> with Staging(out) as tmp:
    ...     _ = (tmp.path / "a.txt").write_text("a")
    ...     tmp.commit()
    >>> (out / "a.txt").read_text()
    'a'
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        target.parent.mkdir(parents=True, exist_ok=True)
        self.prefix = f".{target.name}{STAGING_MARK}"
        self.path = Path(tempfile.mkdtemp(prefix=self.prefix, dir=target.parent))
        umask = os.umask(0)
        os.umask(umask)
        self.path.chmod(0o777 & ~umask)  # mkdtemp makes 0700; output should look ordinary
        self._committed = False

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if not self._committed:
            shutil.rmtree(self.path, ignore_errors=True)

    def commit(self) -> None:
        """Replace ``target`` by the staged tree; the old tree is deleted afterwards."""
        target = self.target
        if target.exists():
            old = target.with_name(f"{self.prefix}old-{os.getpid()}")
            target.rename(old)
            self.path.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            self.path.rename(target)
        self._committed = True
