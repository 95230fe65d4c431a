"""Every named import must name an export: the build fails where the browser would.

After the crawl every module's output is known, so each named import is checked against what
its target exports (``shaker.pipeline.exports``: the rule the dev server applies too), and
reported at the importer's ``file:line:col`` with the exporter and the names it has.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from shaker.build.nodes import Dep, Node, Output, Problem, written
from shaker.errors import ShakerSyntaxError
from shaker.js.bindings import Bindings, module_bindings
from shaker.js.parse import parse
from shaker.pipeline.exports import ExportFacts, all_exports, missing_export_message
from shaker.pipeline.record import display_name, error_at
from shaker.source import Source

_CODE_ROLES = ("js", "inline", "json")
_DEFAULT_ONLY: ExportFacts = (frozenset({"default"}), ())  # style, url and raw modules


def missing_exports(outputs: Mapping[Node, Output], base: str, root: str) -> list[Problem]:
    """A problem for each named import its target module does not export."""
    bindings: dict[Node, Bindings | None] = {}

    def parsed(node: Node) -> Bindings | None:
        if node not in bindings:
            output = outputs.get(node)
            code = output.code if output is not None else None
            try:
                bindings[node] = module_bindings(parse(Source(node.path, code.encode(
                    "utf-8", "surrogatepass")))) if code is not None else None
            except ShakerSyntaxError:
                bindings[node] = None
        return bindings[node]

    def facts(node: Node) -> ExportFacts | None:
        if node.role not in _CODE_ROLES:
            return _DEFAULT_ONLY
        found = parsed(node)
        if found is None:
            return None
        deps = _deps_by_text(outputs[node], base)
        stars = tuple(deps[s].target for s in found.star_reexports if s in deps)
        return found.exports, stars

    problems: list[Problem] = []
    for node, output in outputs.items():
        if node.role not in ("js", "inline") or output.code is None:
            continue
        found = parsed(node)
        if found is None or not found.imports:
            continue
        deps = _deps_by_text(output, base)
        for named in found.imports:
            dep = deps.get(named.specifier)
            if dep is None:
                continue
            names = all_exports(dep.target, facts)
            if names is None or named.name in names:
                continue
            problems.append(_problem(node, dep, named.name, names, root))
    return problems


def _deps_by_text(output: Output, base: str) -> dict[str, Dep]:
    """Each dependency by the specifier text written into the output."""
    prefix = base + "assets/" if output.node.role == "inline" else "./"
    return {written(dep, prefix): dep for dep in output.deps}


def _problem(node: Node, dep: Dep, name: str, names: frozenset[str], root: str) -> Problem:
    with open(node.path, "rb") as fh:
        source = Source(display_name(node.path), fh.read())
    offset = dep.offset
    try:  # the offending import's own statement (one dependency may be imported twice)
        found = module_bindings(parse(source)).imports
        offset = next((i.offset for i in found if i.specifier == dep.specifier
                       and i.name == name), offset)
    except ShakerSyntaxError:
        pass
    exporter = dep.target.path  # a module that is no file (role `empty`) is named by its id
    if os.path.isabs(exporter):
        exporter = os.path.relpath(exporter, root)
    message = missing_export_message(name, exporter, os.path.relpath(node.path, root), names)
    return Problem(error_at(source, offset, message), source)


__all__ = ["missing_exports"]
