"""Which file, if any, a request may read: canonicalise first, then allow/deny.

Every Vite file-serving advisory (reference/vite-hmr.md §7.2) came from checking a path in one
form and reading it in another: before percent-decoding, before stripping a query, before
dropping a trailing ``/.``, before following a symlink. So the order here is fixed:

1. ``parse_target`` turns the raw request-target into decoded path segments and a query,
   refusing (400) anything a browser never sends: ``#``, NUL and control characters,
   backslashes, ``..`` segments, percent-escapes that survive one decoding.
2. ``DenyList.matches`` runs on those segments (case-insensitively), so no query trick can
   reach it: the query never names the file.
3. ``guard_path`` resolves symlinks and checks that the real file lies under an allowed root,
   then runs the deny list again on the real path.

Everything except ``guard_path`` is pure.

>>> parse_target("/src/%2e%2e/x").status
400
>>> parse_target("/src//a.js/.?raw??").segments
('src', 'a.js')
>>> DenyList((".env", ".git/**")).matches(("app", ".ENV"))
True
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_FORBIDDEN_CHARS = re.compile(r"[\x00-\x1f\x7f\\]")


@dataclass(frozen=True)
class Target:
    """A canonical request-target, or the reason it was refused (``status`` 400)."""

    segments: tuple[str, ...] = ()
    query: str = ""
    trailing_slash: bool = False
    status: int = 200
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def path(self) -> str:
        """The canonical, decoded URL path (no query, no trailing slash except ``/``)."""
        return "/" + "/".join(self.segments)


def _refuse(reason: str) -> Target:
    return Target(status=400, reason=reason)


def parse_target(raw: str) -> Target:
    """Canonicalise a raw HTTP request-target (path and query, still percent-encoded)."""
    if "#" in raw:
        return _refuse("'#' in the request-target")
    raw_path, _, query = raw.partition("?")
    if not raw_path.startswith("/"):
        return _refuse("request-target must be an absolute path")
    try:
        path = unquote(raw_path, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return _refuse("percent-encoding is not UTF-8")
    if _ESCAPE.search(path):
        return _refuse("percent-encoding survives one decoding (double encoding)")
    if _FORBIDDEN_CHARS.search(path):
        return _refuse("control character or backslash in the path")
    segments: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            return _refuse("'..' segment in the path")
        segments.append(part)
    trailing = path.endswith(("/", "/.")) and bool(segments)
    return Target(segments=tuple(segments), query=query, trailing_slash=trailing)


def _glob_to_regex(pattern: str) -> str:
    """Translate a picomatch-style glob (``*``, ``?``, ``**``, ``{a,b}``, ``[ab]``)."""
    pattern = pattern.strip()
    if pattern.startswith("/"):
        pattern = pattern.lstrip("/")
    elif not pattern.startswith("**/"):
        pattern = "**/" + pattern  # like Vite: a bare name matches at any depth
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("(?:/.*)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            char = pattern[i]
            if char == "*":
                out.append("[^/]*")
            elif char == "?":
                out.append("[^/]")
            elif char == "{":
                end = pattern.find("}", i)
                if end < 0:
                    out.append(re.escape(char))
                else:
                    options = pattern[i + 1 : end].split(",")
                    out.append("(?:" + "|".join(re.escape(o) for o in options) + ")")
                    i = end
            elif char == "[":
                end = pattern.find("]", i)
                if end < 0:
                    out.append(re.escape(char))
                else:
                    body = pattern[i + 1 : end].replace("\\", "\\\\")
                    if body.startswith("!"):
                        body = "^" + body[1:]
                    out.append(f"[{body}]")
                    i = end
            else:
                out.append(re.escape(char))
            i += 1
    return "".join(out)


class DenyList:
    """Case-insensitive glob deny list over path segments; a denied directory denies its tree.

    A path is denied when the pattern matches the whole relative path *or any of its
    prefixes*, so ``.env`` also covers ``.env/x`` and ``*.pem`` covers ``certs.pem/key``.
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(p for p in patterns if p.strip())
        joined = "|".join(f"(?:{_glob_to_regex(p)})" for p in self.patterns)
        self._regex = re.compile(f"(?:{joined})\\Z", re.IGNORECASE | re.DOTALL) if joined else None

    def matches(self, segments: Sequence[str]) -> bool:
        if self._regex is None:
            return False
        return any(
            self._regex.match("/".join(segments[:end])) for end in range(1, len(segments) + 1)
        )


@dataclass(frozen=True)
class Access:
    """The outcome for one candidate file: ``status`` 200 (``path`` is real), 403 or 404."""

    status: int
    path: Path | None = None
    reason: str = ""


def _container(path: Path, roots: Sequence[Path]) -> Path | None:
    for root in roots:
        if path == root or root in path.parents:
            return root
    return None


def guard_path(candidate: Path, roots: Sequence[Path], deny: DenyList) -> Access:
    """Decide whether ``candidate`` (absolute, lexically normal) may be served.

    ``roots`` must be real (symlink-free) absolute directories: the project root first, then
    the ``fs_allow`` entries. Deny is checked on the requested path and on the real one, so a
    harmless-looking symlink to ``.env`` is refused like ``.env`` itself.
    """
    lexical_root = _container(candidate, roots)
    lexical = candidate.relative_to(lexical_root).parts if lexical_root else candidate.parts[1:]
    if any(":" in part for part in lexical):  # NTFS alternate streams, drive letters
        return Access(403, reason="':' in a file path")
    if deny.matches(lexical):
        return Access(403, reason="denied by server.fs_deny")
    try:
        real = candidate.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, not a directory, symlink loop
        return Access(404, reason="not found")
    container = _container(real, roots)
    if container is None:
        return Access(403, reason="outside the project root and server.fs_allow")
    if deny.matches(real.relative_to(container).parts):
        return Access(403, reason="denied by server.fs_deny")
    try:  # a FIFO, socket or device would block or never end a read: never served
        mode = real.stat().st_mode
    except OSError:
        return Access(404, reason="not found")
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return Access(403, reason="not a regular file")
    return Access(200, path=real)
