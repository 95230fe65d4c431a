"""From crawled, shaken modules to the files of ``dist/``: hashes, names, pages, manifest.

Everything here is computed in memory; :mod:`shaker.build` writes it.  The order matters:

1. cut the bare imports of dropped modules (and compose the source map through the cut);
2. hash modules dependencies first (:func:`shaker.naming.strongly_connected`), replacing each
   placeholder with its dependency's hash before hashing the module itself;
3. rewrite each page: references to hashed names, ``<link rel=stylesheet>`` for the CSS its
   modules import, ``<link rel=modulepreload>`` for the modules they import statically;
4. the manifest, keyed the way Vite keys it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from shaker.build.manifest import Chunk
from shaker.build.naming import content_hash, output_name, strongly_connected
from shaker.build.nodes import JS_ROLES, Node, Output
from shaker.build.shake import Shaken
from shaker.js.edits import EditBuffer
from shaker.pipeline.html import (
    HtmlPage,
    HtmlRef,
    apply_edits,
    head_insertion_point,
    quote_attribute,
)

_STATIC = frozenset({"static", "reexport"})


@dataclass(eq=False)
class Page:
    """An HTML page of the build: where it goes, and the node each reference stands for."""

    path: str  # absolute source path
    out: str  # path relative to the output directory
    html: HtmlPage
    refs: list[tuple[HtmlRef, Node]] = field(default_factory=list)


@dataclass(eq=False)
class Emitted:
    """The files of the build, relative to the output directory."""

    files: dict[str, bytes] = field(default_factory=dict)
    names: dict[Node, str] = field(default_factory=dict)
    inline: dict[Node, str] = field(default_factory=dict)


def cut_imports(outputs: dict[Node, Output], shaken: Shaken) -> None:
    """Remove the import statements of dropped modules from their importers, in place."""
    for node, statements in shaken.removals.items():
        output = outputs[node]
        assert output.code is not None
        buffer = EditBuffer(output.code.encode("utf-8", "surrogatepass"))
        for statement in sorted(set(statements), key=lambda s: s.start):
            buffer.replace(statement.start, statement.end, statement.replacement)
        output.code = buffer.apply().decode("utf-8", "surrogatepass")
        if output.map is not None:
            from shaker.js.sourcemap import compose

            outer = buffer.generate_map(source=node.path)
            output.map = compose(outer, output.map)
        output.deps = [d for d in output.deps if d.target in shaken.emitted]


def minify_outputs(outputs: Mapping[Node, Output], emitted: set[Node]) -> None:
    """Minify the JavaScript of every emitted module, in place, before anything is hashed.

    Placeholders (``!~{abc}~`` inside import specifier strings) survive: minification never
    changes what a string holds, only how it is quoted, and the placeholders hold no quote,
    backslash or ``</``.  Hashes are computed afterwards, so they cover the final bytes.
    Module scripts inline in a page are modules too.
    """
    from shaker.errors import ShakerSyntaxError
    from shaker.js.minify import minify

    for node, output in outputs.items():
        if node not in emitted or output.code is None:
            continue
        if node.role not in JS_ROLES and node.role != "inline":
            continue
        try:
            result = minify(output.code, filename=node.path, module=True,
                            sourcemap=output.map is not None, input_map=output.map)
        except ShakerSyntaxError:  # pragma: no cover - outputs are parsed already
            continue  # keep it as it is rather than fail the build
        output.code = result.code
        if output.map is not None:
            output.map = result.map


def hash_modules(outputs: Mapping[Node, Output], emitted: set[Node], root: str) -> Emitted:
    """Final names and contents of every emitted node (inline scripts: code only)."""
    result = Emitted()
    order = [n for n in outputs if n in emitted]
    edges = {n: [d.target for d in outputs[n].deps if d.target in emitted] for n in order}
    hashes: dict[Node, str] = {}
    texts: dict[Node, str] = {}
    for component in strongly_connected(order, edges):
        for node in component:
            output = outputs[node]
            if output.code is not None:
                texts[node] = _substitute(output, hashes)
        cyclic = len(component) > 1 or component[0] in edges[component[0]]
        if not cyclic:
            node = component[0]
            output = outputs[node]
            if output.data is not None:
                hashes[node] = content_hash(output.data)
            else:
                hashes[node] = content_hash(_identity(node, root), texts[node])
        else:
            together = content_hash(*(part for node in component for part in (
                _identity(node, root), texts.get(node) or outputs[node].data or b"")))
            for node in component:
                hashes[node] = content_hash(together, _identity(node, root))
            for node in component:
                if node in texts:
                    texts[node] = _substitute(outputs[node], hashes, texts[node])
        for node in component:
            if node.role == "inline":
                result.inline[node] = texts[node]
                continue
            name = output_name(node.stem, hashes[node], node.extension)
            result.names[node] = name
            output = outputs[node]
            data = output.data
            if data is None:
                data = texts[node].encode("utf-8", "surrogatepass")
            result.files[name] = data
    return result


def _identity(node: Node, root: str) -> str:
    """What keeps two modules with equal text apart: a module's URL is its identity."""
    path = node.path
    if not os.path.isabs(path):  # a module that is no file (role `empty`): its id, as it is
        return f"{node.role}:{path}"  # (relpath would join it to the working directory)
    rel = path[len(root) + 1:] if path.startswith(root + os.sep) else os.path.relpath(path, root)
    # A shared chunk is named after its first module, which may have a chunk of its own.
    return f"{node.role}:{rel}" + (f"#{node.index}" if node.index else "")


def _substitute(output: Output, hashes: Mapping[Node, str], text: str | None = None) -> str:
    text = output.code if text is None else text
    assert text is not None
    if output.tokens is None or not output.deps:
        return text
    values = {d.token: hashes[d.target] for d in output.deps if d.target in hashes}
    return output.tokens.substitute(text, values)


def add_source_maps(outputs: Mapping[Node, Output], emitted: Emitted, outdir: str) -> None:
    """Write ``<file>.map`` beside each module that has a map, and point the module at it."""
    from shaker.js.sourcemap import to_json

    for node, name in list(emitted.names.items()):
        output = outputs[node]
        if output.map is None:
            continue
        source_map = dict(output.map)
        map_dir = os.path.join(outdir, os.path.dirname(name))
        source_map["file"] = os.path.basename(name)
        if output.linked is not None:  # a chunk: one source per linked module
            source_map["sources"] = [os.path.relpath(path, map_dir).replace(os.sep, "/")
                                     if os.path.isabs(path) else path
                                     for path in source_map.get("sources", [])]
        else:
            source_map["sources"] = [os.path.relpath(node.path, map_dir).replace(os.sep, "/")]
        emitted.files[name + ".map"] = to_json(source_map).encode()
        code = emitted.files[name]
        if code and not code.endswith(b"\n"):
            code += b"\n"
        emitted.files[name] = code + f"//# sourceMappingURL={os.path.basename(name)}.map\n"\
            .encode()


def static_closure(outputs: Mapping[Node, Output], starts: Iterable[Node],
                   emitted: set[Node]) -> list[Node]:
    """Everything reachable through static imports (and style → stylesheet), in order.

    Stylesheets are not followed: their ``@import`` rules are the browser's to load.
    """
    seen: dict[Node, None] = {}
    stack = list(reversed(list(starts)))
    while stack:
        node = stack.pop()
        if node in seen or node not in emitted:
            continue
        seen[node] = None
        if node.role == "css":
            continue  # the browser follows a stylesheet's own @import rules, in cascade order
        output = outputs[node]
        stack.extend(reversed([d.target for d in output.deps
                               if d.kinds & _STATIC or (node.role == "style"
                                                        and d.target.role == "css")]))
    return list(seen)


def rewrite_page(page: Page, outputs: Mapping[Node, Output], emitted: Emitted,
                 shaken: Shaken, base: str) -> str:
    """The page with hashed references, stylesheet links and module preloads.

    A relative ``base`` (``./``, see ``shaker.config.resolve_base``) becomes the way from this
    page's directory back to the output root, as in Vite: ``../`` for ``sub/index.html``.
    """
    if base == "./":
        depth = page.out.count("/")
        base = "../" * depth if depth else "./"
    edits: list[tuple[int, int, str]] = []
    starts: list[Node] = []
    linked: set[Node] = set()
    for ref, node in page.refs:
        if node.role == "inline":
            edits.append((ref.start, ref.end, emitted.inline[node]))
            starts.append(node)
            continue
        edits.append((ref.start, ref.end, quote_attribute(base + emitted.names[node])))
        if ref.kind in ("module-script", "modulepreload"):
            starts.append(node)
            linked.add(node)
        elif ref.kind == "stylesheet":
            linked.add(node)
    closure = static_closure(outputs, starts, shaken.emitted)
    links = []
    for node in closure:
        if node in linked or node.role == "inline":
            continue
        href = quote_attribute(base + emitted.names[node])
        if node.role == "css":
            links.append(f'<link rel="stylesheet" crossorigin href={href}>')
        elif node.role in JS_ROLES:
            links.append(f'<link rel="modulepreload" crossorigin href={href}>')
    if links:
        links.sort(key=lambda tag: "modulepreload" in tag)  # stylesheets first
        at = head_insertion_point(page.html)
        text = page.html.text
        line_start = text.rfind("\n", 0, at) + 1
        indent = text[line_start:at] if not text[line_start:at].strip() else ""
        edits.append((at, at, "".join(f"{tag}\n{indent}" for tag in links)))
    return apply_edits(page.html.text, edits)


def manifest_chunks(outputs: Mapping[Node, Output], emitted: Emitted, entries: set[Node],
                    root: str) -> dict[str, Chunk]:
    """Vite-style chunks: keyed by source path, or ``_<file>`` for generated modules."""
    keys: dict[Node, str] = {}
    for node, name in emitted.names.items():
        if node.role == "js" and node.index > 0:  # a shared chunk: no source of its own
            keys[node] = "_" + os.path.basename(name)
        elif not os.path.isabs(node.path) and node.role in ("js", "json"):
            keys[node] = node.path.replace("\0", "")  # a virtual module: its id, as Vite
        elif node.role in ("js", "json", "asset") or (node.role == "css" and node in entries):
            keys[node] = os.path.relpath(node.path, root).replace(os.sep, "/")
        elif node.role in JS_ROLES:
            keys[node] = "_" + os.path.basename(name)
    dynamic = {d.target for n in keys for d in outputs[n].deps if "dynamic" in d.kinds}
    chunks: dict[str, Chunk] = {}
    for node, key in keys.items():
        chunk = Chunk(file=emitted.names[node], is_entry=node in entries,
                      is_dynamic_entry=node in dynamic)
        if not key.startswith("_"):
            chunk.src = key
        elif node.role == "js" and node.index > 0:
            chunk.name = node.stem
        if node.role in ("js", "json"):
            chunk.name = node.stem
        for dep in outputs[node].deps:
            target = dep.target
            if target not in emitted.names:
                continue
            if dep.kinds & _STATIC and target in keys and target.role in JS_ROLES:
                chunk.imports.append(keys[target])
                if target.role == "style":
                    chunk.css.extend(emitted.names[d.target] for d in outputs[target].deps
                                     if d.target in emitted.names)
            elif "dynamic" in dep.kinds and target in keys:
                chunk.dynamic_imports.append(keys[target])
            elif target.role == "asset":
                chunk.assets.append(emitted.names[target])
            elif target.role == "css" and node.role == "js":  # a chunk's stylesheets
                chunk.css.append(emitted.names[target])
        if node in keys and node.role == "css" and chunk.is_entry:
            chunk.name = node.stem
        chunks[key] = chunk
    return chunks


__all__ = [
    "Emitted",
    "Page",
    "add_source_maps",
    "cut_imports",
    "hash_modules",
    "manifest_chunks",
    "minify_outputs",
    "rewrite_page",
    "static_closure",
]
