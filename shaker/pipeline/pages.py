"""Which HTML files of a project are its pages, and how a page names a file.

One rule for ``shaker build`` (its default entries) and the dev server's dependency scan
(:mod:`shaker.dev.prebundle`): every ``.html`` under the root except in dependencies,
virtual environments, build outputs, ``public/`` and dot-directories.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from shaker.diagnostics import Diagnostic, Severity

SKIP_DIRS = frozenset({"node_modules", "__pycache__", "site-packages", "dist", "build"})
"""Never searched for pages: dependencies, virtual environments, usual build outputs."""


def page_specifier(value: str) -> str:
    """What a page's ``src``/``href`` (or a stylesheet's ``url()``) resolves as: a bare
    ``main.js`` there is a file beside the page, not a package."""
    return value if value.startswith(("/", "./", "../")) else "./" + value


def inside(path: Path | str, root: Path) -> bool:
    """Whether ``path``'s real location (symlinks followed) is ``root`` or under it: the dev
    server's rule for what may be served, applied to what the build reads and copies."""
    real = os.path.realpath(path)
    return real == str(root) or real.startswith(str(root) + os.sep)


def outside_warning(path: Path, root: Path, what: str) -> Diagnostic:
    rel = os.path.relpath(path, root).replace(os.sep, "/")
    return Diagnostic(Severity.WARNING, f"{rel}: {what} is a symlink to "
                      f"{os.path.realpath(path)}, outside the project; skipped (the dev server "
                      "refuses it too)", str(path), 0, 1, 1, id="outside-root")


def not_a_file(path: Path, root: Path) -> Diagnostic:
    rel = os.path.relpath(path, root).replace(os.sep, "/")
    return Diagnostic(Severity.WARNING, f"{rel}: not a regular file; skipped", str(path), 0, 1,
                      1, id="not-a-file")


def find_pages(root: Path, skip: Iterable[Path] = (),
               warnings: list[Diagnostic] | None = None) -> list[Path]:
    """Every page under ``root``, sorted, except under ``skip`` (the output directory,
    ``public/``).  Symlinked directories are not followed; a page that is a symlink to a
    file outside the root, or not a regular file, is skipped with a warning."""
    skipped = {Path(os.path.realpath(p)) for p in skip}
    found = []
    for directory, dirs, files in os.walk(root):
        here = Path(directory)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS
                         and Path(os.path.realpath(here / d)) not in skipped
                         and not (here / d / "pyvenv.cfg").exists())
        for name in sorted(files):
            if not name.endswith(".html"):
                continue
            if not inside(here / name, root):
                if warnings is not None:
                    warnings.append(outside_warning(here / name, root, "page"))
                continue
            if not os.path.isfile(here / name):
                if warnings is not None:
                    warnings.append(not_a_file(here / name, root))
                continue
            found.append(here / name)
    return found


__all__ = ["SKIP_DIRS", "find_pages", "inside", "not_a_file", "outside_warning",
           "page_specifier"]
