"""Turning one build node into an output through the shared pipeline.

The pipeline resolves, loads and transforms exactly as it does for the dev server; the build
only decides how a resolved import is *written*: as ``./<stem>-<placeholder><ext>``, the
output file it will become (:mod:`shaker.build.naming` replaces placeholders with content
hashes once every module is done).  A file plays a role per way it is used: ``style.css``
imported from JavaScript is a ``style`` module (it links the stylesheet) and a ``css`` output
(the stylesheet); ``logo.png`` is a ``url`` module and an ``asset``.  Failures (syntax errors,
unresolvable imports, invalid JSON, bytes that are not UTF-8) come back as located problems,
never as exceptions, so one build reports all of them.
"""

from __future__ import annotations

import os

from shaker.build.naming import Tokens
from shaker.build.nodes import Dep, Inline, Node, Output, Problem, Role, written
from shaker.diagnostics import Diagnostic, Severity
from shaker.pipeline.generated import stylesheet_loader, url_module
from shaker.pipeline.pipeline import Pipeline
from shaker.pipeline.record import ImportRef, ModuleError, Target, display_name
from shaker.source import Source

_MODULE_ROLES: dict[str, Role] = {
    "js": "js", "json": "json", "css": "style", "url": "url", "raw": "raw", "empty": "empty",
}
"""The role of a file imported from JavaScript, by the kind the pipeline resolved it to."""


def read_file(path: str) -> bytes:
    """A whole file, through the system calls alone (a build reads thousands of small ones)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


class _Writer:
    """The pipeline's ``write`` callback for one build node: placeholders, and the deps."""

    def __init__(self, tokens: Tokens, prefix: str) -> None:
        self.tokens = tokens
        self.prefix = prefix
        self.deps: dict[Node, Dep] = {}
        self.by_specifier: dict[str, Dep] = {}

    def __call__(self, target: Target, specifier: str, as_module: bool) -> str:
        if as_module:
            role = _MODULE_ROLES[target.kind]
        else:  # CSS @import and url(): the files themselves
            role = "css" if target.kind == "css" else "asset"
        node = Node(target.id, role)
        dep = self.deps.get(node)
        if dep is None:
            dep = self.deps[node] = Dep(node, self.tokens.token(node), specifier)
        self.by_specifier[specifier] = dep
        return written(dep, self.prefix) + ("" if as_module else target.query)


def process(node: Node, pipeline: Pipeline, inline: Inline | None = None) -> Output:
    """Load and transform one node; failures are returned as problems, never raised."""
    try:
        return _process(node, pipeline, inline)
    except ModuleError as exc:
        return Output(node, problems=[Problem(d, s) for d, s in exc.problems])
    except OSError as exc:
        source = Source(display_name(node.path), b"")
        reason = exc.strerror or str(exc)
        diagnostic = Diagnostic.at(source, 0, f"cannot read: {reason}", severity=Severity.ERROR)
        return Output(node, problems=[Problem(diagnostic, source)])


def _process(node: Node, pipeline: Pipeline, inline: Inline | None) -> Output:
    role = node.role
    if role == "asset":
        return Output(node, data=read_file(node.path))
    if role == "empty":  # a browser-field `false` entry: no file behind it
        return Output(node, code=pipeline.empty(node.path).code, side_effects=False)
    if role in ("style", "url"):
        tokens = Tokens("")
        target = Node(node.path, "css" if role == "style" else "asset")
        dep = Dep(target, tokens.token(target), node.path, {"url"})
        name = f"{target.stem}-{dep.token}{target.extension}"
        if role == "style":
            code = stylesheet_loader("./" + name)
            return Output(node, code=code, deps=[dep], tokens=tokens, side_effects=True)
        code = url_module(pipeline.options.base + "assets/" + name)
        return Output(node, code=code, deps=[dep], tokens=tokens, side_effects=False)
    if role == "inline":
        assert inline is not None
        # Pad so that lines and columns are the page's own.
        padding = "\n" * (inline.line - 1) + " " * inline.column
        source = Source(display_name(node.path),
                        (padding + inline.code).encode("utf-8", "surrogatepass"))
        # Inline scripts live in the page, modules in assets/.
        writer = _Writer(Tokens(source.code), pipeline.options.base + "assets/")
        record = pipeline.javascript(source, node.path, writer, sourcemap=False)
        code = record.code
        code = code[len(padding):] if code.startswith(padding) else code.lstrip("\n")
        return _output(node, code, writer, record.imports, record.diagnostics)
    source = pipeline.load(node.path)
    if role == "json":
        return Output(node, code=pipeline.json(source, node.path).code, side_effects=False)
    if role == "raw":
        return Output(node, code=pipeline.raw(source, node.path).code, side_effects=False)
    writer = _Writer(Tokens(source.code), "./")
    if role == "css":
        record = pipeline.stylesheet(source, node.path, writer)
        for dep in writer.deps.values():
            dep.kinds.add("static" if dep.target.role == "css" else "url")
        for ref in record.imports:
            dep = writer.by_specifier.get(ref.specifier)
            if dep is not None and dep.offset < 0:
                dep.offset = ref.offset
        return Output(node, code=record.code, deps=list(writer.deps.values()),
                      tokens=writer.tokens, diagnostics=record.diagnostics)
    record = pipeline.javascript(source, node.path, writer)
    output = _output(node, record.code, writer, record.imports, record.diagnostics)
    output.map = record.map
    output.side_effects = record.side_effects
    return output


def _output(node: Node, code: str, writer: _Writer, imports: list[ImportRef],
            diagnostics: list[Diagnostic]) -> Output:
    for ref in imports:
        dep = writer.by_specifier.get(ref.specifier)
        if dep is not None and ref.kind != "hot-accept":
            dep.kinds.add(ref.kind)
            if dep.offset < 0:
                dep.offset = ref.offset
    for dep in writer.deps.values():
        if not dep.kinds:
            dep.kinds.add("hot-accept")  # kept by --keep-hot: an edge, never a preload
    return Output(node, code=code, deps=list(writer.deps.values()), tokens=writer.tokens,
                  diagnostics=list(diagnostics))


__all__ = ["process", "read_file"]
