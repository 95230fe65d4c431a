"""What a production build works on: nodes (a file in a role), dependencies, outputs.

A node is a file in a *role*: the same ``logo.png`` is an ``asset`` (the file, copied) and a
``url`` module (JavaScript exporting its URL) when JavaScript imports it; ``style.css`` is
``css`` (the stylesheet) and ``style`` (the small module that links it) when JavaScript
imports it.  Each dependency is written into its importer's output as
``./<stem>-<placeholder><ext>`` (:mod:`shaker.naming`); the build replaces placeholders with
content hashes once every module is done.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, NamedTuple

from shaker.build.naming import Tokens, safe_stem
from shaker.diagnostics import Diagnostic, render_rich, render_short
from shaker.source import Source

Role = Literal["js", "inline", "json", "css", "style", "asset", "url", "raw", "empty"]
JS_ROLES = ("js", "json", "style", "url", "raw", "empty")  # roles whose output is a JS module
"""``empty``: the module of a ``browser`` field ``false`` entry; its path is that module's id
(``__shaker-browser-external:<what was left out>``), not a file."""


class Node(NamedTuple):
    """A file in a role; ``index`` tells inline scripts of one page apart.

    A tuple, not a dataclass: nodes are dictionary keys in every phase of a build, and a
    tuple hashes in C.
    """

    path: str
    role: Role
    index: int = 0

    @property
    def extension(self) -> str:
        """The output file's extension."""
        return _extension(self.path, self.role)

    @property
    def stem(self) -> str:
        """The name part of the output file: a generated module keeps its source's extension
        (``data.json-<hash>.js``, ``style.css-<hash>.js``) so it cannot be taken for a module
        of the same stem."""
        return _stem(self.path, self.role)


@cache
def _extension(path: str, role: str) -> str:
    if role in JS_ROLES:
        return ".js"
    if role == "css":
        return ".css"
    name = os.path.basename(path)
    return os.path.splitext(name)[1] if "." in name[1:] else ""


@cache
def _stem(path: str, role: str) -> str:
    if role == "empty":  # `browser-external-http`: what was left out, and that it was
        return "browser-external-" + safe_stem(path.rpartition(":")[2])
    stem = safe_stem(path)
    parts = path.split(os.sep)
    if "node_modules" in parts:  # `index.js` says little: name it after its package too
        at = len(parts) - 1 - parts[::-1].index("node_modules")
        package = parts[at + 1:at + 3] if parts[at + 1:at + 2][0].startswith("@") else \
            parts[at + 1:at + 2]
        name = safe_stem("_".join(package).lstrip("@") + ".x")
        if name != stem:
            stem = f"{name}-{stem}"
    if role in ("json", "style", "url", "raw"):
        name = os.path.basename(path)
        if "." in name[1:]:
            stem += "." + safe_stem(name.rsplit(".", 1)[1] + ".x")
    return stem


@dataclass(eq=False)
class Dep:
    """One dependency of a module, as it is written in the module's output."""

    target: Node
    token: str
    specifier: str
    kinds: set[str] = field(default_factory=set)  # static, reexport, dynamic, url, hot-accept
    offset: int = -1  # byte offset in the source, for messages


class Problem(NamedTuple):
    """An error that fails the build: a located diagnostic and, for a code frame, its source."""

    diagnostic: Diagnostic
    source: Source | None = None

    def render(self, color: bool = False) -> str:
        if self.source is None:
            return render_short(self.diagnostic)
        return render_rich(self.diagnostic, self.source, color=color)


@dataclass(eq=False)
class Output:
    """What one node became: text (with placeholders) or bytes, and its dependencies."""

    node: Node
    code: str | None = None
    data: bytes | None = None
    map: dict[str, Any] | None = None
    deps: list[Dep] = field(default_factory=list)
    tokens: Tokens | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    side_effects: bool | None = None  # None: unknown, decide by looking at the code
    linked: list[Node] | None = None
    """For a chunk (:mod:`shaker.build.bundling`): the modules linked into it; its source
    map's ``sources`` are their paths."""


class Inline(NamedTuple):
    """An inline module script: its code and where it starts in the page."""

    code: str
    line: int
    column: int


def written(dep: Dep, prefix: str = "./") -> str:
    """The specifier a dependency is written as: its output name, with a placeholder hash."""
    return f"{prefix}{dep.target.stem}-{dep.token}{dep.target.extension}"


__all__ = ["JS_ROLES", "Dep", "Inline", "Node", "Output", "Problem", "Role", "written"]
