"""Tree-shaking across modules: which crawled modules a build can leave out.

Once ``import.meta.hot`` code is gone, ``import { setupHot } from "./hmr.js"`` has no user
left, and the production transform reduces it to ``import "./hmr.js"`` (kept, because loading
the module might do something).  Here that last edge goes too, together with the module, when
loading the module provably does nothing:

- it is not an entry, and every import of it is such a bare ``import "..."`` statement (a
  re-export, a dynamic import or an import that binds a name keeps it);
- its package declares ``"sideEffects": false`` (or a list that does not match it), or
  :func:`shaker.effects.has_top_level_effects` finds nothing at its top level;
- and the same holds for everything it imports statically (dropping it drops them).

Then everything still reachable from the entries is emitted, and the bare imports of dropped
modules are removed from their importers' output.  Pure: outputs in, decisions out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from shaker.build.nodes import Node, Output
from shaker.errors import ShakerSyntaxError
from shaker.js.effects import ImportStatement, has_top_level_effects, import_statements
from shaker.js.parse import parse
from shaker.source import Source

_STATIC = frozenset({"static", "reexport"})
_SHAKEABLE = frozenset({"js", "json", "url", "raw"})


@dataclass(eq=False)
class Shaken:
    """What to emit, and which import statements to cut from which module's output."""

    emitted: set[Node] = field(default_factory=set)
    dropped: list[Node] = field(default_factory=list)
    removals: dict[Node, list[ImportStatement]] = field(default_factory=dict)


def shake(outputs: Mapping[Node, Output], entries: Iterable[Node]) -> Shaken:
    """Decide what is emitted; see the module docstring for the rules."""
    entries = list(dict.fromkeys(entries))
    importers: dict[Node, list[Node]] = defaultdict(list)
    for node, output in outputs.items():
        for dep in output.deps:
            importers[dep.target].append(node)
    entry_set = set(entries)
    candidates = [
        node for node in outputs
        if node not in entry_set and node.role in _SHAKEABLE and all(
            importer.role in ("js", "inline") and _only_bare(outputs[importer], node)
            for importer in importers[node])
    ]
    pure = _pure(candidates, outputs)
    droppable = {(importer, node) for node in candidates if pure.get(node)
                 for importer in importers[node]}
    result = Shaken()
    stack = list(reversed(entries))
    while stack:
        node = stack.pop()
        if node in result.emitted or node not in outputs:
            continue
        result.emitted.add(node)
        for dep in reversed(outputs[node].deps):
            if (node, dep.target) not in droppable:
                stack.append(dep.target)
    result.dropped = [n for n in outputs if n not in result.emitted]
    trees: dict[Node, list[ImportStatement]] = {}
    for importer, target in sorted(droppable):
        if importer in result.emitted and target not in result.emitted:
            if importer not in trees:
                trees[importer] = _statements(outputs[importer])
            suffix = written_suffix(outputs[importer], target)
            cut = [s for s in trees[importer] if s.bare and s.specifier.endswith(suffix)]
            result.removals.setdefault(importer, []).extend(cut)
    return result


def _only_bare(output: Output, target: Node) -> bool:
    """Whether every place ``output`` names ``target`` is a bare ``import "..."``.

    Decided around the placeholder the crawl wrote (text the source cannot contain), without
    parsing: the string must follow the ``import`` keyword with only blanks between.  Anything
    else (``from``, ``import(``, a comment in between, a re-export) answers False, which can
    only keep a module, never drop one wrongly.  Statement ranges for the actual removal come
    from a real parse, later, for the few modules that are dropped.
    """
    deps = [d for d in output.deps if d.target == target]
    code = output.code
    if code is None or len(deps) != 1 or deps[0].kinds != {"static"}:
        return False
    token = deps[0].token
    at = code.find(token)
    if at < 0:
        return False
    while at >= 0:
        quote = code.rfind('"', 0, at)
        end = quote
        while end > 0 and code[end - 1] in " \t\r\n":
            end -= 1
        if code[max(0, end - 6):end] != "import":
            return False
        if end >= 7 and (code[end - 7].isalnum() or code[end - 7] in "_$."):
            return False  # `reimport "x"` is no import statement
        at = code.find(token, at + 1)
    return True


def written_suffix(output: Output, target: Node) -> str:
    """The part of a written specifier that names ``target`` (its placeholder file name)."""
    dep = next(d for d in output.deps if d.target == target)
    return f"{target.stem}-{dep.token}{target.extension}"


def _statements(output: Output) -> list[ImportStatement]:
    if output.code is None:
        return []
    try:
        return import_statements(parse(Source(output.node.path, output.code.encode())))
    except ShakerSyntaxError:  # pragma: no cover - our own output always parses
        return []


def _own_pure(node: Node, output: Output) -> bool:
    if output.side_effects is not None:
        return not output.side_effects
    if node.role != "js" or output.code is None:
        return False
    try:
        tree = parse(Source(node.path, output.code.encode()))
    except ShakerSyntaxError:  # pragma: no cover - our own output always parses
        return False
    return not has_top_level_effects(tree)


def _pure(candidates: list[Node], outputs: Mapping[Node, Output]) -> dict[Node, bool]:
    """Greatest fixpoint of "own top level is pure and so are all static imports"."""
    pure: dict[Node, bool] = {}
    order: list[Node] = []
    stack = list(candidates)
    while stack:
        node = stack.pop()
        if node in pure:
            continue
        output = outputs.get(node)
        own = output is not None and node.role in _SHAKEABLE and _own_pure(node, output)
        pure[node] = own
        order.append(node)
        if own and output is not None:
            stack.extend(d.target for d in output.deps if d.kinds & _STATIC)
    changed = True
    while changed:
        changed = False
        for node in order:
            if pure[node] and any(not pure.get(d.target, False)
                                  for d in outputs[node].deps if d.kinds & _STATIC):
                pure[node] = False
                changed = True
    return pure


__all__ = ["Shaken", "shake", "written_suffix"]
