"""Turning one node into an output: read, transform or generate, and record dependencies.

JavaScript goes through the production transform with a ``rewrite_import`` callback that
resolves each surviving specifier and writes it as a placeholder name; CSS has its ``url()``
and ``@import`` targets rewritten the same way; JSON, asset URLs, ``?raw`` text and the
stylesheet-linking module are generated from ``shaker/templates``.  Failures (syntax errors,
unresolvable imports) come back as located problems, never as exceptions, so one build
reports all of them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from functools import cache

from shaker.build.naming import Tokens
from shaker.build.nodes import (
    CrawlSettings,
    Dep,
    Inline,
    Node,
    Output,
    Problem,
    Role,
    display_name,
    written,
)
from shaker.diagnostics import Diagnostic, Severity
from shaker.errors import ShakerSyntaxError
from shaker.js.parse import parse
from shaker.js.transform import may_reference, transform_source
from shaker.options import TransformOptions
from shaker.pipeline.css import css_references
from shaker.pipeline.html import apply_edits
from shaker.pipeline.resolve import ResolveError, Resolver, is_url, split_query
from shaker.source import Source

ASSET_EXTENSIONS = frozenset((
    ".png", ".jpg", ".jpeg", ".jfif", ".pjpeg", ".pjp", ".gif", ".svg", ".ico", ".webp",
    ".avif", ".bmp", ".apng", ".cur", ".woff", ".woff2", ".eot", ".ttf", ".otf", ".mp4",
    ".webm", ".ogg", ".mp3", ".wav", ".flac", ".aac", ".opus", ".mov", ".m4a", ".vtt", ".pdf",
    ".txt", ".wasm", ".webmanifest",
))
_JS_EXTENSIONS = (".js", ".mjs", ".cjs")
_NAME = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_EXPORT = re.compile(rb"\bexport\b")  # the keyword, not `exports`
_RESERVED = frozenset((
    "arguments", "await", "break", "case", "catch", "class", "const", "continue", "debugger",
    "default", "delete", "do", "else", "enum", "eval", "export", "extends", "false", "finally",
    "for", "function", "if", "implements", "import", "in", "instanceof", "interface", "let",
    "new", "null", "package", "private", "protected", "public", "return", "static", "super",
    "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield",
))


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


def import_role(path: str, query: str) -> Role | None:
    """The role a file imported from JavaScript plays, or None if shaker cannot build it."""
    flags = {part.partition("=")[0] for part in re.split(r"[?&]", query.split("#")[0]) if part}
    lower = path.lower()
    if "raw" in flags or ("inline" in flags and lower.endswith(".css")):
        return "raw"
    if "url" in flags:
        return "url"
    if lower.endswith(_JS_EXTENSIONS):
        return "js"
    if lower.endswith(".json"):
        return "json"
    if lower.endswith(".css"):
        return "style"
    if os.path.splitext(lower)[1] in ASSET_EXTENSIONS:
        return "url"
    return None


@cache
def _template(name: str) -> str:
    """A template's code, without its leading comment (written for maintainers, not users)."""
    from importlib import resources

    text = resources.files("shaker.build").joinpath("templates", name).read_text("utf-8")
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith("//"):
        lines.pop(0)
    return "".join(lines)


def _fill(name: str, values: Mapping[str, object], raw: Mapping[str, str] | None = None) -> str:
    """A template from ``shaker/templates`` with ``__SHAKER_X__`` replaced by a JSON literal
    (or, for ``raw`` keys, by the text as it is)."""
    raw = raw or {}

    def substitute(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in raw:
            return raw[key]
        return json.dumps(values[key], ensure_ascii=False) if key in values else match.group(0)

    return re.sub(r"__SHAKER_([A-Z_]+?)__", substitute, _template(name))


def _problem(source: Source, offset: int, message: str) -> Problem:
    return Problem(Diagnostic.at(source, max(0, offset), message, severity=Severity.ERROR),
                   source)


def process(node: Node, settings: CrawlSettings, resolver: Resolver,
            inline: Inline | None = None) -> Output:
    """Load and transform one node; failures are returned as problems, never raised."""
    try:
        if node.role in ("js", "inline"):
            return _javascript(node, settings, resolver, inline)
        if node.role == "asset":
            return Output(node, data=read_file(node.path))
        data = read_file(node.path)
    except OSError as exc:
        source = Source(display_name(node.path), b"")
        return Output(node, problems=[_problem(source, 0, f"cannot read: {exc.strerror}")])
    source = Source(display_name(node.path), data)
    text = source.text
    if node.role == "css":
        return _stylesheet(node, source, resolver)
    if node.role == "json":
        try:
            value = json.loads(text)
        except ValueError as exc:
            offset = len(text[:getattr(exc, "pos", 0)].encode())
            return Output(node, problems=[_problem(source, offset, f"invalid JSON: {exc}")])
        names = [k for k in value if _NAME.match(k) and k not in _RESERVED] \
            if isinstance(value, dict) else []
        code = _fill("json-module.js", {"JSON": value}, {"NAMES": ", ".join(names)})
        return Output(node, code=code, side_effects=False)
    if node.role == "raw":
        return Output(node, code=_fill("raw-module.js", {"TEXT": text}), side_effects=False)
    tokens = Tokens("")
    target = Node(node.path, "css" if node.role == "style" else "asset")
    dep = Dep(target, tokens.token(target), node.path, {"url"})
    name = f"{target.stem}-{dep.token}{target.extension}"
    if node.role == "style":
        code = _fill("css-loader.js", {"HREF": "./" + name})
        return Output(node, code=code, deps=[dep], tokens=tokens, side_effects=True)
    code = _fill("asset-url.js", {"URL": settings.base + "assets/" + name})
    return Output(node, code=code, deps=[dep], tokens=tokens, side_effects=False)


def _javascript(node: Node, settings: CrawlSettings, resolver: Resolver,
                inline: Inline | None) -> Output:
    padding = ""
    if inline is not None:  # pad so that lines and columns are the page's own
        padding = "\n" * (inline.line - 1) + " " * inline.column
        data = (padding + inline.code).encode("utf-8", "surrogatepass")
    else:
        data = read_file(node.path)
    side_effects = None if inline is not None else resolver.side_effects(node.path)
    source = Source(display_name(node.path), data)
    if not _may_import(data, settings):  # nothing to rewrite or strip: only check the syntax
        try:
            parse(source)
        except ShakerSyntaxError as exc:
            return Output(node, problems=[Problem(exc.diagnostic, exc.source)])
        return Output(node, code=source.text, side_effects=side_effects,
                      diagnostics=_commonjs(source))
    tokens = Tokens(data)
    deps: dict[Node, Dep] = {}
    by_specifier: dict[str, Dep | None] = {}
    failures: dict[str, str] = {}
    # Modules live in assets/ and import each other relatively; inline scripts live in the page.
    prefix = "./" if inline is None else settings.base + "assets/"

    def rewrite(specifier: str) -> str | None:
        if specifier in by_specifier:
            found = by_specifier[specifier]
            return None if found is None else written(found, prefix)
        by_specifier[specifier] = None
        try:
            target = resolver.resolve_path(specifier, node.path)
        except ResolveError as exc:
            failures[specifier] = exc.reason
            return None
        if target is None:
            return None
        role = import_role(target, split_query(specifier)[1])
        if role is None:
            failures[specifier] = (f"{os.path.basename(target)} is not JavaScript, JSON, CSS "
                                   "or a known asset type (shaker does not compile TypeScript "
                                   "or JSX)")
            return None
        target_node = Node(target, role)
        dep = deps.get(target_node)
        if dep is None:
            dep = deps[target_node] = Dep(target_node, tokens.token(target_node), specifier)
        by_specifier[specifier] = dep
        return written(dep, prefix)

    options = TransformOptions(filename=source.filename, mode="production",
                               sourcemap=settings.sourcemap and inline is None,
                               define=settings.define, keep_hot=settings.keep_hot,
                               base=settings.base, rewrite_import=rewrite)
    try:
        result = transform_source(source, options)
    except ShakerSyntaxError as exc:
        return Output(node, problems=[Problem(exc.diagnostic, exc.source)])
    for record in result.imports:
        dep = by_specifier.get(record.specifier)
        if dep is not None:
            dep.kinds.add(record.kind)
            if dep.offset < 0:
                dep.offset = record.start
    problems = []
    for specifier, reason in failures.items():
        offset = next((r.start for r in result.imports if r.specifier == specifier), 0)
        problems.append(_problem(source, offset, f'cannot resolve import "{specifier}": '
                                 f"{reason}"))
    for dep in deps.values():
        if not dep.kinds:
            dep.kinds.add("hot-accept")  # kept by --keep-hot: an edge, never a preload
    code = result.code
    if inline is not None:
        code = code[len(padding):] if code.startswith(padding) else code.lstrip("\n")
    diagnostics = list(result.diagnostics)
    if not result.imports and inline is None:
        diagnostics += _commonjs(source)
    return Output(node, code=code, map=result.map, deps=list(deps.values()), tokens=tokens,
                  diagnostics=diagnostics, problems=problems, side_effects=side_effects)


def _commonjs(source: Source) -> list[Diagnostic]:
    """A warning for a module that looks like CommonJS: no import or export, but
    ``module.exports`` or ``require(``.  Browsers cannot run it, and shaker does not convert
    it (Vite pre-bundles such packages with esbuild)."""
    code = source.code
    if not (b"module.exports" in code or b"require(" in code) or _EXPORT.search(code):
        return []
    return [Diagnostic.at(source, 0, "this looks like a CommonJS module (module.exports or "
                          "require without import/export): browsers cannot run it; import "
                          "the package's ES module build instead", id="commonjs-module")]


def _may_import(data: bytes, settings: CrawlSettings) -> bool:
    """Whether a module may have a dependency or something for the transform to change.

    A byte check, sound because keywords cannot be spelled with escapes: every import names
    ``import`` and every re-export ``from``; ``import.meta`` and define keys are the
    transform's own prefilter.  The rest (leaf modules, most of a typical app) is only
    parsed for syntax errors, which costs half of a transform.
    """
    return (b"import" in data or b"from" in data or settings.sourcemap
            or may_reference(data, dict(settings.define)))


def _stylesheet(node: Node, source: Source, resolver: Resolver) -> Output:
    text = source.text
    tokens = Tokens(text)
    deps: dict[Node, Dep] = {}
    edits: list[tuple[int, int, str]] = []
    diagnostics: list[Diagnostic] = []
    problems: list[Problem] = []
    for ref in css_references(text):
        value = ref.value.strip()
        if not value or value.startswith("#") or is_url(value):
            continue
        path, query = split_query(value)
        specifier = path if path.startswith(("/", "./", "../")) else "./" + path
        offset = len(text[:ref.start].encode())
        try:
            target = resolver.resolve_path(specifier, node.path)
        except ResolveError as exc:
            message = f'cannot resolve "{value}": {exc.reason}'
            if ref.kind == "import":
                problems.append(_problem(source, offset, message))
            else:
                diagnostics.append(Diagnostic.at(source, offset, message + "; left as it is",
                                                 id="css-url-unresolved"))
            continue
        if target is None:
            continue
        role: Role = "css" if ref.kind == "import" else "asset"
        target_node = Node(target, role)
        dep = deps.get(target_node)
        if dep is None:
            dep = deps[target_node] = Dep(target_node, tokens.token(target_node), value,
                                          offset=offset)
        dep.kinds.add("static" if ref.kind == "import" else "url")
        edits.append((ref.start, ref.end, written(dep) + query))
    return Output(node, code=apply_edits(text, edits), deps=list(deps.values()),
                  tokens=tokens, diagnostics=diagnostics, problems=problems)


__all__ = ["ASSET_EXTENSIONS", "import_role", "process", "read_file"]
