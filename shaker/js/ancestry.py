"""Parents of syntax nodes in O(1): tree-sitter's ``Node.parent`` costs O(depth).

tree-sitter nodes carry no parent pointer: ``node.parent`` descends from the root to find it,
so walking up from a node ``d`` deep costs O(d²), and doing so from each of ``n`` nested
``if (import.meta.hot) {`` guards cost O(n²) (3,000 guards: 4 s). ``Ancestry`` records the
parent of every node on the paths from the root to a set of nodes in one cursor walk, which
shares the common part of the paths (a cursor's ``goto_parent`` is O(1)), and remembers any
other parent it is asked for.

>>> from shaker.js.parse import parse
>>> from shaker.source import Source
>>> tree = parse(Source("a.js", b"if (a) { if (b) { f(import.meta) } }"))
>>> meta = tree.root_node.named_descendant_for_byte_range(22, 26)
>>> ancestry = Ancestry(tree)
>>> ancestry.index([meta])
>>> [ancestry.parent(meta).type, ancestry.parent(ancestry.parent(meta)).type]
['arguments', 'call_expression']
"""

from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node, Tree

_UNKNOWN = object()


def _contains(node: Node, start: int, end: int) -> bool:
    return node.start_byte <= start and end <= node.end_byte


class Ancestry:
    """Parent lookups for one tree: ``index`` the nodes you will walk up from, then call
    ``parent`` as often as you like."""

    def __init__(self, tree: Tree) -> None:
        self.root = tree.root_node
        self._parents: dict[int, Node | None] = {self.root.id: None}

    def parent(self, node: Node) -> Node | None:
        """``node.parent``, from the index when it is there (and remembered when not)."""
        found = self._parents.get(node.id, _UNKNOWN)
        if found is _UNKNOWN:
            found = node.parent
            self._parents[node.id] = found
        return found  # type: ignore[return-value]

    def index(self, nodes: Iterable[Node]) -> None:
        """Record the parent of every node from the root down to each of ``nodes``."""
        self.deepest([(n.start_byte, n.end_byte) for n in nodes if n.id not in self._parents])

    def deepest(self, ranges: Iterable[tuple[int, int]]) -> list[Node]:
        """The deepest node (named or not) containing each non-empty byte range, in source
        order, recording every parent on the way: one cursor walk that goes up only as far
        as the next range needs, so n nested ranges cost O(n), not O(n × depth)."""
        out: list[Node] = []
        cursor = self.root.walk()
        path = [self.root]
        for start, end in sorted(ranges, key=lambda r: (r[0], -r[1])):
            while len(path) > 1 and not _contains(path[-1], start, end):
                cursor.goto_parent()
                path.pop()
            while cursor.goto_first_child_for_byte(start) is not None:
                child = cursor.node
                assert child is not None  # a cursor always stands on a node
                if not _contains(child, start, end):
                    cursor.goto_parent()
                    break
                self._parents[child.id] = path[-1]
                path.append(child)
            out.append(path[-1])
        return out


__all__ = ["Ancestry"]
