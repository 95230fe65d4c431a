"""Tree-sitter queries, kept as ``.scm`` files in ``grammars/`` and compiled once."""

from __future__ import annotations

from functools import cache
from importlib import resources

from tree_sitter import Node, Query, QueryCursor

from shaker.js.parse import language


@cache
def query(name: str) -> Query:
    """The compiled query ``grammars/javascript/<name>.scm``."""
    scm = resources.files("shaker.grammars").joinpath("javascript").joinpath(f"{name}.scm")
    # Annotated: tree-sitter's stub returns typing.Self, which mypy cannot see for 3.10.
    compiled: Query = Query(language(), scm.read_text())
    return compiled


def captures(name: str, node: Node, start: int | None = None, end: int | None = None
             ) -> dict[str, list[Node]]:
    """Captures of query ``name`` under ``node``, optionally limited to a byte range."""
    cursor = QueryCursor(query(name))
    if start is not None and end is not None:
        cursor.set_byte_range(start, end)
    return cursor.captures(node)
