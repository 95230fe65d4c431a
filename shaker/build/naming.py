"""Content-hashed output names, and the placeholders that let modules be hashed in order.

A module's hash must cover its final content, and that content names its dependencies'
hashed files.  So modules are transformed once, in parallel, with each dependency written as
a placeholder *of the same length as a hash*; then, dependencies first, each module's
placeholders are replaced and its own hash computed.  Same-length placeholders keep every
source-map column valid.  A cycle cannot be ordered: its members are hashed together (any
change in one renames all of them), which is what Rollup does for its chunk hashes too.

Placeholders only need to be unique within one module; the marker is chosen so that it does
not occur anywhere in that module's source.

>>> tokens = Tokens("import x from './a.js'")
>>> a, b = tokens.token("a"), tokens.token("b")
>>> len(a) == HASH_LENGTH, a == tokens.token("a"), a != b
(True, True, True)
>>> tokens.substitute(f"./a-{a}.js ./b-{b}.js", {a: "0123abcd", b: "feedbeef"})
'./a-0123abcd.js ./b-feedbeef.js'
>>> strongly_connected(["a", "b", "c"], {"a": ["b"], "b": ["a", "c"], "c": []})
[['c'], ['a', 'b']]
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import TypeVar

HASH_LENGTH = 8
ASSETS_DIR = "assets"
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# (open, close): each marker is "!~" + open + 3 digits + close + "~" = HASH_LENGTH characters.
_MARKERS = (("{", "}"), ("[", "]"), ("<", ">"), ("(", ")"), ("|", "|"), ("^", "^"))
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")

N = TypeVar("N", bound=Hashable)


class Tokens:
    """Placeholders for one module: same key, same token; never text the source contains."""

    def __init__(self, source: str | bytes) -> None:
        text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
        free = [m for m in _MARKERS if "!~" + m[0] not in text]
        if not free:  # pragma: no cover - a source containing all six markers
            raise ValueError("no placeholder marker is free in this module")
        self.opening, self.closing = free[0]
        self.pattern = re.compile("!~" + re.escape(self.opening) + "[0-9a-zA-Z]{3}"
                                  + re.escape(self.closing) + "~")
        self._tokens: dict[Hashable, str] = {}

    def token(self, key: Hashable) -> str:
        found = self._tokens.get(key)
        if found is None:
            n = len(self._tokens)
            if n >= len(_DIGITS) ** 3:
                raise ValueError("a module with more than 238,328 distinct imports")
            digits = _DIGITS[n // 3844] + _DIGITS[n // 62 % 62] + _DIGITS[n % 62]
            found = self._tokens[key] = f"!~{self.opening}{digits}{self.closing}~"
        return found

    def substitute(self, text: str, values: Mapping[str, str]) -> str:
        """Replace every token of this module in ``text`` by its value (unknown ones stay)."""
        if not values:
            return text
        return self.pattern.sub(lambda m: values.get(m.group(0), m.group(0)), text)


def safe_stem(path: str | PurePath) -> str:
    """The file-name part of an output name: the source's stem, URL- and shell-safe."""
    name = PurePath(path).name
    stem = name.rsplit(".", 1)[0] if "." in name[1:] else name
    return _UNSAFE.sub("_", stem).strip("._") or "module"


def content_hash(*parts: bytes | str) -> str:
    """The first ``HASH_LENGTH`` hex digits of a SHA-256 over ``parts``."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:HASH_LENGTH]


def output_name(stem: str, hash: str, extension: str) -> str:
    """``assets/<stem>-<hash><extension>``, relative to the output directory."""
    return f"{ASSETS_DIR}/{stem}-{hash}{extension}"


def strongly_connected(nodes: Sequence[N], edges: Mapping[N, Iterable[N]]) -> list[list[N]]:
    """Tarjan's algorithm without recursion: components, dependencies before dependents.

    Members of a component keep the order of ``nodes``; edges to unknown nodes are ignored.
    """
    known = set(nodes)
    order = {node: i for i, node in enumerate(nodes)}
    index: dict[N, int] = {}
    low: dict[N, int] = {}
    on_stack: set[N] = set()
    stack: list[N] = []
    out: list[list[N]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[N, Iterable[N]]] = []
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work.append((root, iter([n for n in edges.get(root, ()) if n in known])))
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:  # type: ignore[attr-defined]
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter([n for n in edges.get(child, ()) if n in known])))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                component.sort(key=order.__getitem__)
                out.append(component)
    return out


__all__ = ["ASSETS_DIR", "HASH_LENGTH", "Tokens", "content_hash", "output_name", "safe_stem",
           "strongly_connected"]
