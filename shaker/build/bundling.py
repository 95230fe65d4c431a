"""From one output per module to one output per chunk (:mod:`shaker.bundle`).

The crawl's outputs are JavaScript with placeholders (:mod:`shaker.build.naming`) for what
they import; here every module's placeholders are re-issued from one bundle-wide
:class:`Tokens` (same length, so nothing moves), the modules are linked, and each chunk
becomes an :class:`Output` whose dependencies are the chunks it imports, the stylesheets its
modules load and the assets they name.  An entry chunk keeps its entry's node, so pages and
the manifest find it where they found the module; a shared chunk gets a node of its own.
An inline module script is linked like an entry into a chunk named after its page
(``index-<hash>.js``, as Vite does); the script stays in the page and imports that chunk.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from shaker.build.naming import ASSETS_DIR, Tokens, safe_stem
from shaker.build.nodes import JS_ROLES, Dep, Node, Output, written
from shaker.bundle import LinkOptions, ModuleInput, link
from shaker.diagnostics import Diagnostic
from shaker.errors import ShakerError
from shaker.pipeline.generated import stylesheet_loader

_STATIC = frozenset({"static", "reexport"})


class LinkFailed(ShakerError):
    """The linker raised: the build fails with this message, never a traceback."""


@dataclass
class Bundled:
    outputs: dict[Node, Output]
    emitted: set[Node] = field(default_factory=set)
    dropped: list[Node] = field(default_factory=list)
    chunk_modules: dict[Node, list[Node]] = field(default_factory=dict)
    warnings: list[Diagnostic] = field(default_factory=list)


def _stylesheets(chunk: Node, sheets: list[Node], outputs: Mapping[Node, Output],
                 bundled: Bundled, shared: set[Node]) -> list[Node]:
    """The stylesheets a chunk loads: its modules' CSS in one file, as Vite writes it
    (``<chunk>-<hash>.css``), except those named elsewhere too or holding ``@import`` rules
    (an ``@import`` must come first in a file), which keep their own files."""
    sheets = list(dict.fromkeys(sheets))
    alone = [s for s in sheets if s in shared or any(
        d.target.role == "css" for d in outputs[s].deps)]
    together = [s for s in sheets if s not in alone]
    if len(together) < 2:
        return sheets
    texts = [outputs[s].code or "" for s in together]
    tokens = Tokens("\n".join(texts))
    parts: list[str] = []
    deps: dict[Node, Dep] = {}
    for sheet, text in zip(together, texts, strict=True):
        output = outputs[sheet]
        if output.tokens is not None and output.deps:
            values = {d.token: tokens.token(d.target) for d in output.deps}
            text = output.tokens.substitute(text, values)
            for dep in output.deps:
                deps.setdefault(dep.target, Dep(dep.target, values[dep.token], dep.specifier,
                                                set(dep.kinds)))
        parts.append(text if text.endswith("\n") else text + "\n")
    combined = Node(chunk.path, "css", chunk.index)
    bundled.outputs[combined] = Output(combined, code="".join(parts), deps=list(deps.values()),
                                       tokens=tokens)
    for sheet in together:
        bundled.outputs.pop(sheet, None)
    return [*alone, combined]


def _module_id(node: Node) -> str:
    return f"{node.role}:{node.index}:{node.path}"


def bundle_outputs(outputs: Mapping[Node, Output], entries: list[Node],
                   sourcemap: bool = False, base: str = "/") -> Bundled:
    """Link every JavaScript module reachable from ``entries`` into chunks."""
    modules = [n for n, o in outputs.items()
               if (n.role in JS_ROLES or n.role == "inline") and o.code is not None]
    inline = [n for n in entries if n.role == "inline"]
    tokens = Tokens("\n".join(outputs[n].code or "" for n in modules))
    ids = {_module_id(n): n for n in modules}
    inputs: dict[str, ModuleInput] = {}
    for node in modules:
        output = outputs[node]
        assert output.code is not None
        code = output.code
        imports: dict[str, str | None] = {}
        if output.tokens is not None and output.deps:
            values = {d.token: tokens.token(d.target) for d in output.deps}
            code = output.tokens.substitute(code, values)
            for dep in output.deps:
                if dep.target.role in JS_ROLES:
                    spec = written(Dep(dep.target, values[dep.token], dep.specifier),
                                   base + ASSETS_DIR + "/" if node.role == "inline" else "./")
                    imports[spec] = _module_id(dep.target)
        source_map = output.map
        if source_map is not None and len(source_map.get("sources", [])) == 1:
            source_map = {**source_map, "sources": [node.path]}  # as add_source_maps does
        if node.role == "style":  # one loader per chunk stands for them (see _stylesheets)
            code, source_map = "", None
        inputs[_module_id(node)] = ModuleInput(
            _module_id(node), code, imports, output.side_effects,
            name=safe_stem(os.path.basename(node.path)), map=source_map, path=node.path,
            placed=node.role == "style")
    js_entries: list[str] = []
    for node in entries:
        if node.role in JS_ROLES or node.role == "inline":
            js_entries.append(_module_id(node))
    js_entries = list(dict.fromkeys(js_entries))
    shared: dict[str, Node] = {}

    def chunk_node(chunk_id: str) -> Node:
        if chunk_id in ids:
            found = ids[chunk_id]
            # An inline script's chunk is a file named after its page (Vite: index-<hash>.js).
            return Node(found.path, "js", 1000 + found.index) if found.role == "inline" \
                else found
        found = shared.get(chunk_id)
        if found is None:
            first = ids[chunk_id.rsplit("#shared", 1)[0]]
            found = shared[chunk_id] = Node(first.path, "js", len(shared) + 1)
        return found

    def specifier(chunk_id: str) -> str:
        target = chunk_node(chunk_id)
        return written(Dep(target, tokens.token(target), ""))

    try:
        result = link(inputs, js_entries, LinkOptions(chunk_specifier=specifier,
                                                      sourcemap=sourcemap))
    except Exception as exc:  # a linker bug: say so, and how to build meanwhile
        raise LinkFailed(f"linking the modules failed ({type(exc).__name__}: {exc}); this is "
                         "a bug in shaker, please report it. `shaker build --no-bundle` "
                         "builds without linking.") from exc
    bundled = Bundled({n: o for n, o in outputs.items() if n.role not in JS_ROLES},
                      warnings=list(result.warnings))
    # Stylesheets something else names too (a page's <link>, an @import) keep their file.
    shared_sheets = {n for n in entries if n.role == "css"} | {
        d.target for n, o in outputs.items() if n.role == "css" for d in o.deps}
    for chunk in result.chunks:
        node = chunk_node(chunk.id)
        deps: dict[Node, Dep] = {}
        for chunk_id in chunk.imports:
            target = chunk_node(chunk_id)
            deps[target] = Dep(target, tokens.token(target), specifier(chunk_id), {"static"})
        for chunk_id in chunk.dynamic_imports:
            target = chunk_node(chunk_id)
            dep = deps.setdefault(target, Dep(target, tokens.token(target),
                                              specifier(chunk_id)))
            dep.kinds.add("dynamic")
        members = [ids[m] for m in chunk.modules]
        sheets: list[Node] = []
        for member in members:
            for dep in outputs[member].deps:
                if dep.target.role == "css":
                    sheets.append(dep.target)
                elif dep.target.role not in JS_ROLES:
                    deps.setdefault(dep.target, Dep(dep.target, tokens.token(dep.target),
                                                    dep.specifier, {"url"}))
        code, source_map = chunk.code, chunk.map
        if sheets:
            sheets = _stylesheets(node, sheets, outputs, bundled, shared_sheets)
            for sheet in sheets:
                deps[sheet] = Dep(sheet, tokens.token(sheet), "", {"static"})
            loader = stylesheet_loader(*(written(deps[s]) for s in sheets))
            code = loader + code
            if source_map is not None:  # the loader's lines map nowhere
                source_map = {**source_map, "mappings": ";" * loader.count("\n")
                              + source_map["mappings"]}
        bundled.outputs[node] = Output(node, code=code, deps=list(deps.values()),
                                       tokens=tokens, side_effects=True, map=source_map,
                                       linked=members)
        bundled.chunk_modules[node] = members
    for node in inline:  # the script stays in the page, and loads its chunk
        target = chunk_node(result.entry_chunks[_module_id(node)])
        dep = Dep(target, tokens.token(target), "", {"static"})
        spec = written(dep, base + ASSETS_DIR + "/")
        bundled.outputs[node] = Output(node, code=f"import {json.dumps(spec)};\n", deps=[dep],
                                       tokens=tokens, side_effects=True)
    linked = {m for nodes in bundled.chunk_modules.values() for m in nodes}
    bundled.dropped = [n for n in modules if n not in linked and n not in bundled.outputs]
    stack = list(entries)
    while stack:
        node = stack.pop()
        if node in bundled.emitted or node not in bundled.outputs:
            continue
        bundled.emitted.add(node)
        stack.extend(d.target for d in bundled.outputs[node].deps)
    return bundled


__all__ = ["Bundled", "LinkFailed", "bundle_outputs"]
