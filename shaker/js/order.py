"""Does a read of a ``let``/``const`` binding certainly run after its declaration?

A lexical binding is in its temporal dead zone (TDZ) until its declaration has run: reading
it earlier throws ``ReferenceError``.  The strip may replace a read of an alias of
``import.meta.hot`` by ``undefined`` only where the read cannot throw, that is where it
certainly runs after the declaration; elsewhere the read is kept (see ``scan``).

The answer is conservative (False when unsure).  A read runs no earlier than the moment the
code around it can first run:

- code in the declaration's own scope runs in source order, so a read after the declarator
  runs after it; in a ``switch`` body only within the declarator's own ``case`` (a jump to a
  later case skips the declaration);
- a function expression, arrow, method or class member runs only after it was created, at
  its position in the source;
- a function *declaration* is hoisted: it can run wherever its name is read (recursively),
  and, when it is exported from a module that imports anything, from another module of an
  import cycle before this module's body has run at all.
"""

from __future__ import annotations

from tree_sitter import Node

from shaker.js.scope import FUNCTION_TYPES, Binding, Scopes

_HOISTED = frozenset({"function_declaration", "generator_function_declaration"})
_NEVER = 1 << 62  # a position no code reaches


class Order:
    """Answers :meth:`after` for one module; caches what hoisted functions can reach."""

    def __init__(self, scopes: Scopes) -> None:
        self.scopes = scopes
        self._imports: bool | None = None
        self._earliest: dict[tuple[int, int], int] = {}

    def module_imports(self) -> bool:
        """Whether the module has a static import or re-export (so it can be in a cycle)."""
        if self._imports is None:
            self._imports = any(
                c.type == "import_statement"
                or (c.type == "export_statement" and c.child_by_field_name("source") is not None)
                for c in self.scopes.root.children)
        return self._imports

    def after(self, ref: Node, binding: Binding, declarator: Node) -> bool:
        """Whether every evaluation of ``ref`` happens after ``declarator`` has run."""
        scope = binding.scope
        start = self._earliest_in(ref, scope, set())
        if start < declarator.end_byte:
            return False
        if scope.type == "switch_body":
            parent_of = self.scopes.parent
            case = declarator
            while (parent := parent_of(case)) is not None and parent != scope:
                case = parent
            return start < case.end_byte
        return True

    def _earliest_in(self, node: Node, scope: Node, visiting: set[int]) -> int:
        """The earliest source position, within ``scope``, at which ``node`` may run."""
        parent_of = self.scopes.parent  # O(1), where ``node.parent`` is O(depth)
        pos = node.start_byte
        cur = parent_of(node)
        while cur is not None and cur != scope:
            if cur.type in _HOISTED:
                pos = self._hoisted(cur, scope, visiting)
            elif cur.type in FUNCTION_TYPES:
                pos = min(pos, cur.start_byte)
            cur = parent_of(cur)
        return pos

    def _hoisted(self, function: Node, scope: Node, visiting: set[int]) -> int:
        """The earliest position in ``scope`` from which ``function`` may be called."""
        key = (function.id, scope.id)
        cached = self._earliest.get(key)
        if cached is not None:
            return cached
        if function.id in visiting:  # a cycle adds no entry point of its own
            return _NEVER
        visiting.add(function.id)
        earliest = _NEVER
        parent = self.scopes.parent(function)
        name = function.child_by_field_name("name")
        if parent is not None and parent.type == "export_statement" and self.module_imports():
            earliest = -1
        elif name is not None:
            binding = self.scopes.resolve(name)
            if binding is None:
                earliest = -1
            else:
                for ref in self.scopes.references(binding):
                    owner = self.scopes.parent(ref)
                    if owner is not None and owner.type == "export_specifier":
                        if self.module_imports():
                            earliest = -1
                            break
                        continue
                    earliest = min(earliest, self._earliest_in(ref, scope, visiting))
                    if earliest < 0:
                        break
        visiting.discard(function.id)
        if not visiting:  # an answer found inside a cycle may lack the cycle's entry points
            self._earliest[key] = earliest
        return earliest


__all__ = ["Order"]
