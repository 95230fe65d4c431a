"""``shaker build``: a project in, a deployable ``dist/`` out, with no ``import.meta.hot`` left.

The I/O shell around the pure parts: find the entries (HTML pages and their module scripts,
or ``build.entries``), crawl and transform (:mod:`shaker.build.crawl`), link into
tree-shaken chunks (:mod:`shaker.build.bundling`; ``bundle=False``: only drop unused modules,
:mod:`shaker.build.shake`), hash and rewrite (:mod:`shaker.build.emit`), then write
everything into a temporary directory beside the output directory and swap it in only when
all of it is written.  A failed build raises :class:`BuildError` and leaves the previous
output exactly as it was.

>>> # result = build(Path("examples/seed"), BuildOptions(manifest=True))
>>> # [f.path for f in result.files]  ->  ['index.html', 'assets/main-1a2b3c4d.js', ...]
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from shaker.build.bundling import LinkFailed, bundle_outputs
from shaker.build.crawl import crawl
from shaker.build.emit import (
    Page,
    add_source_maps,
    cut_imports,
    hash_modules,
    manifest_chunks,
    minify_outputs,
    rewrite_page,
)
from shaker.build.exports import missing_exports
from shaker.build.manifest import build_manifest, to_json
from shaker.build.nodes import Inline, Node, Problem
from shaker.build.outdir import Staging, write_file
from shaker.build.shake import Shaken, shake
from shaker.config import resolve_base
from shaker.diagnostics import Diagnostic, Severity
from shaker.errors import ShakerError
from shaker.pipeline.env import load_env
from shaker.pipeline.html import parse_html
from shaker.pipeline.pages import (
    find_pages,
    inside,
    not_a_file,
    outside_warning,
    page_specifier,
)
from shaker.pipeline.pipeline import Pipeline, PipelineOptions, read_source
from shaker.pipeline.plugins import PluginContainer
from shaker.pipeline.record import ModuleError
from shaker.pipeline.resolve import ResolveError, Resolver, is_url
from shaker.plugin import Plugin

DEFAULT_ENTRIES = ("index.html",)
_REF_ROLES = {"module-script": "js", "modulepreload": "js", "stylesheet": "css", "asset": "asset"}
_TEXT_SUFFIXES = (".html", ".js", ".css", ".json", ".svg", ".map", ".txt", ".xml", ".mjs")


@dataclass(frozen=True)
class BuildOptions:
    """What ``shaker build`` can be told; paths are relative to the project root."""

    outdir: str = "dist"
    base: str = "/"
    sourcemap: bool = False
    minify: bool = False
    """Minify every JavaScript output (:mod:`shaker.js.minify`) before it is hashed.

    ``shaker build`` and ``BuildConfig.minify`` default to True; the library default stays
    False so that callers of :func:`build` get the output they always had."""
    manifest: bool = False
    keep_hot: bool = False
    define: Mapping[str, str] = field(default_factory=dict)
    entries: tuple[str, ...] = DEFAULT_ENTRIES
    public_dir: str = "public"
    workers: int | None = None
    plugins: tuple[Plugin, ...] = ()
    """Python plugins: their ``resolve_id``/``load``/``transform`` hooks run as in dev."""
    bundle: bool = True
    """Link modules into scope-hoisted, tree-shaken chunks (:mod:`shaker.bundle`); False
    writes one file per module (``shaker build --no-bundle``).  ``keep_hot`` implies False:
    ``import.meta.hot.accept("./dep.js")`` names modules, which chunks no longer are."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", resolve_base(self.base))  # the one rule, in config


class OutputFile(NamedTuple):
    """One written file, for the report: path relative to the output directory."""

    path: str
    size: int
    gzip: int | None  # None for files not worth compressing (images, maps)
    kind: str  # html, js, css, map, asset, manifest, public


@dataclass
class BuildResult:
    """What a successful build wrote and how long it took."""

    outdir: Path
    files: list[OutputFile] = field(default_factory=list)
    modules: int = 0
    dropped: list[str] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0


class BuildError(ShakerError):
    """The build failed; nothing was written.  ``problems`` are located errors."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p.diagnostic.message) for p in problems))

    def render(self, color: bool = False) -> str:
        return "\n\n".join(p.render(color) for p in self.problems)


def _entries(root: Path, options: BuildOptions, outdir: Path, public: Path,
             warnings: list[Diagnostic] | None = None) -> tuple[list[Path], list[Path]]:
    """(HTML pages, other entry files) from ``build.entries``; the default finds pages."""
    if tuple(options.entries) == DEFAULT_ENTRIES:
        pages = find_pages(root, (outdir, public), warnings)
        if not pages:
            raise BuildError([Problem(Diagnostic(Severity.ERROR, "no index.html (or other "
                                      "page) in the project, and no build.entries in "
                                      "shaker.config.py", str(root), 0, 1, 1))])
        return pages, []
    pages, files = [], []
    for entry in options.entries:
        path = (root / entry).resolve()
        if not path.is_file():
            raise BuildError([Problem(Diagnostic(Severity.ERROR, f"build entry {entry!r} "
                                      "does not exist", str(root / entry), 0, 1, 1))])
        (pages if path.suffix in (".html", ".htm") else files).append(path)
    return pages, files


def _plan_pages(root: Path, pages: list[Path], resolver: Resolver
                ) -> tuple[list[Page], dict[Node, Inline], list[Problem], list[Diagnostic]]:
    plans: list[Page] = []
    inline: dict[Node, Inline] = {}
    problems: list[Problem] = []
    warnings: list[Diagnostic] = []
    for path in pages:
        try:
            source = read_source(str(path))
        except ModuleError as exc:
            problems += [Problem(d, s) for d, s in exc.problems]
            continue
        text = source.text
        page = Page(str(path), os.path.relpath(path, root).replace(os.sep, "/"),
                    parse_html(text))
        for i, ref in enumerate(page.html.refs):
            if ref.kind == "inline-module":
                node = Node(str(path), "inline", i)
                inline[node] = Inline(ref.value, ref.line, ref.column)
                page.refs.append((ref, node))
                continue
            value = ref.value.strip()
            if not value or value.startswith("#") or is_url(value):
                continue
            specifier = page_specifier(value)
            start = ref.start + (text[ref.start:ref.start + 1] in ("'", '"'))
            offset = len(text[:start].encode())
            try:
                target = resolver.resolve_path(specifier, path)
            except ResolveError as exc:
                message = f'cannot resolve "{value}": {exc.reason}'
                if ref.kind == "asset":
                    warnings.append(Diagnostic.at(source, offset, message + "; left as it is",
                                                  id="html-url-unresolved"))
                else:
                    problems.append(Problem(Diagnostic.at(source, offset, message,
                                                          severity=Severity.ERROR), source))
                continue
            if target is not None:
                page.refs.append((ref, Node(target, _REF_ROLES[ref.kind])))  # type: ignore[arg-type]
        plans.append(page)
    return plans, inline, problems, warnings


def build(root: Path, options: BuildOptions | None = None) -> BuildResult:
    """Build the project at ``root``; raises :class:`BuildError` (nothing written) on errors."""
    started = time.perf_counter()
    options = options or BuildOptions()
    root = Path(os.path.realpath(root))
    outdir = Path(os.path.abspath(root / options.outdir))
    if outdir == root or outdir in root.parents:
        raise ValueError(f"the output directory {outdir} would replace the project")
    public = root / options.public_dir
    pipeline = Pipeline(PipelineOptions(
        root, "production", options.base, dict(options.define), load_env(root, "production"),
        keep_hot=options.keep_hot, sourcemap=options.sourcemap,
        public_dir=public if public.is_dir() else None), PluginContainer(options.plugins))
    skipped: list[Diagnostic] = []
    page_files, entry_files = _entries(root, options, outdir, public, skipped)
    pages, inline, problems, warnings = _plan_pages(root, page_files, pipeline.resolver)
    warnings = skipped + warnings
    entries = [node for page in pages for _, node in page.refs]
    for file in entry_files:
        role = "css" if file.suffix == ".css" else "js"
        entries.append(Node(os.path.realpath(file), role))  # type: ignore[arg-type]
    outputs = crawl(entries, pipeline, inline=inline, workers=options.workers)
    for output in outputs.values():
        problems.extend(output.problems)
        warnings.extend(output.diagnostics)
    if not problems:
        problems = missing_exports(outputs, options.base, str(root))
    if problems:
        raise BuildError(problems)
    module_count = sum(1 for n in outputs if n.role in ("js", "inline"))
    if options.bundle and not options.keep_hot:
        try:
            bundled = bundle_outputs(outputs, entries, options.sourcemap, options.base)
        except LinkFailed as exc:
            raise BuildError([Problem(Diagnostic(Severity.ERROR, str(exc), str(root), 0, 1,
                                                 1))]) from exc
        outputs = bundled.outputs
        warnings.extend(bundled.warnings)
        shaken = Shaken(emitted=bundled.emitted, dropped=bundled.dropped)
    else:
        shaken = shake(outputs, entries)
        cut_imports(outputs, shaken)
    if options.minify:
        minify_outputs(outputs, shaken.emitted)
    emitted = hash_modules(outputs, shaken.emitted, str(root))
    if options.sourcemap:
        add_source_maps(outputs, emitted, str(outdir))
    files: dict[str, tuple[bytes, str]] = {}
    for name, data in emitted.files.items():
        files[name] = (data, _kind(name))
    for page in pages:
        html = rewrite_page(page, outputs, emitted, shaken, options.base)
        files[page.out] = (html.encode("utf-8", "surrogateescape"), "html")
    if options.manifest:
        js_entries = {n for n in entries if n.role in ("js", "css")}
        chunks = manifest_chunks(outputs, emitted, js_entries, str(root))
        text = to_json(build_manifest(chunks)).encode()
        files["manifest.json"] = (text, "manifest")
        files[".vite/manifest.json"] = (text, "manifest")
    report = _write(outdir, files, public if public.is_dir() else None, root, warnings)
    result = BuildResult(outdir, report, modules=module_count, warnings=warnings)
    result.dropped = [os.path.relpath(n.path, root) for n in shaken.dropped]
    result.seconds = time.perf_counter() - started
    return result


def _kind(name: str) -> str:
    if name.endswith(".map"):
        return "map"
    if name.endswith(".js"):
        return "js"
    if name.endswith(".css"):
        return "css"
    return "asset"


def _copy_public(public: Path, tmp: Path, root: Path, warnings: list[Diagnostic]) -> None:
    """Copy ``public/`` into ``tmp`` as the dev server would serve it: regular files whose
    real location is inside the root. A symlink that leaves the root (file or directory) is
    skipped with a warning; so is anything that is not a regular file (a FIFO would block the
    copy forever); a symlinked directory inside the root is copied once (no loops)."""
    seen: set[str] = set()
    stack = [(public, tmp)]
    while stack:
        source, target = stack.pop()
        real = os.path.realpath(source)
        if real in seen:
            continue
        seen.add(real)
        target.mkdir(parents=True, exist_ok=True)
        with os.scandir(source) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                path = Path(entry.path)
                if entry.is_symlink() and not inside(path, root):
                    warnings.append(outside_warning(path, root, "public file"))
                    continue
                if entry.is_dir():
                    stack.append((path, target / entry.name))
                elif entry.is_file():
                    shutil.copy2(path, target / entry.name)
                else:
                    warnings.append(not_a_file(path, root))


def _write(outdir: Path, files: Mapping[str, tuple[bytes, str]], public: Path | None,
           root: Path | None = None, warnings: list[Diagnostic] | None = None
           ) -> list[OutputFile]:
    """Write into a sibling temporary directory, then swap it in (the old one goes last).

    Gzip sizes for the report are computed in a thread meanwhile: ``zlib`` and the writes
    both release the GIL, so the report costs no extra wall time on a second core.
    """
    report: dict[str, OutputFile] = {}
    gzipped: dict[str, int] = {}
    compressible = [(name, data) for name, (data, kind) in files.items()
                    if name.endswith(_TEXT_SUFFIXES) and kind != "map"]
    sizer = threading.Thread(target=_gzip_sizes, args=(compressible, gzipped), daemon=True)
    sizer.start()
    with Staging(outdir) as staging:
        tmp = staging.path
        if public is not None:
            _copy_public(public, tmp, root or public.parent,
                         warnings if warnings is not None else [])
            for directory, _dirs, names in os.walk(tmp):
                for name in names:
                    path = Path(directory) / name
                    rel = path.relative_to(tmp).as_posix()
                    report[rel] = OutputFile(rel, path.stat().st_size, None, "public")
        made: set[str] = set()
        for name, (data, _kind) in files.items():
            parent = os.path.dirname(name)
            if parent and parent not in made:
                os.makedirs(tmp / parent, exist_ok=True)
                made.add(parent)
            write_file(str(tmp / name), data)
        sizer.join()
        staging.commit()
    sizer.join()
    for name, (data, kind) in files.items():
        report.pop(name, None)  # a built file wins over a public one of the same name
        report[name] = OutputFile(name, len(data), gzipped.get(name), kind)
    return list(report.values())


def _gzip_sizes(files: list[tuple[str, bytes]], sizes: dict[str, int]) -> None:
    for name, data in files:
        sizes[name] = len(zlib.compress(data, 6, wbits=31))  # gzip framing, as served


__all__ = ["BuildError", "BuildOptions", "BuildResult", "OutputFile", "build"]
