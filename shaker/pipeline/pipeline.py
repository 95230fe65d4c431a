"""One road from an import to a module record, for ``shaker dev`` and ``shaker build`` alike.

Vite's model: ``resolve`` (plugins' ``resolve_id`` first, then the resolver: relative with
Vite's extension order, root-absolute, bare packages) → ``load`` (plugins' ``load`` first,
then the file, which must be UTF-8) → ``transform`` (plugins' ``transform``, then shaker's own:
the development or production JavaScript transform, JSON, ``?raw``, CSS ``url()``).  The
shells differ only in how a resolved import is *written* into the output: the dev server
writes a URL it will serve, the build a placeholder it will replace with a hashed file name.
That is the ``write`` callback every step takes.

Everything here is synchronous so that a build calls it directly and the dev server calls it
in a worker thread; nothing here knows about HTTP, output directories or hashes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shaker.diagnostics import Diagnostic
from shaker.errors import ShakerSyntaxError, require_utf8
from shaker.js.incremental import Parsed
from shaker.js.parse import parse
from shaker.js.transform import may_reference, transform_source
from shaker.options import Mode, TransformOptions
from shaker.pipeline.cjs import commonjs_module, is_dependency_file
from shaker.pipeline.compile import compile_module
from shaker.pipeline.css import css_references
from shaker.pipeline.generated import (
    MODULEPRELOAD_POLYFILL,
    MODULEPRELOAD_POLYFILL_ID,
    empty_module,
    json_module,
    modulepreload_polyfill,
    raw_module,
)
from shaker.pipeline.html import apply_edits
from shaker.pipeline.kinds import RESOLVE_EXTENSIONS, module_kind
from shaker.pipeline.pages import page_specifier
from shaker.pipeline.plugins import PluginContainer
from shaker.pipeline.record import (
    ImportRef,
    ModuleError,
    ModuleRecord,
    Target,
    WriteImport,
    display_name,
    error_at,
)
from shaker.pipeline.resolve import (
    BUILD_CONDITIONS,
    DEV_CONDITIONS,
    ResolveError,
    Resolver,
    is_browser_external,
    is_url,
    split_query,
)
from shaker.pipeline.tsconfig import TsConfig, load_tsconfig
from shaker.source import Source


@dataclass(frozen=True)
class PipelineOptions:
    """What every module of one dev server or one build shares."""

    root: Path
    mode: Mode = "production"
    base: str = "/"
    define: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, object] = field(default_factory=dict)
    """Variables from ``.env`` files (``import.meta.env.VITE_X``)."""
    keep_hot: bool = False
    sourcemap: bool = False
    public_dir: Path | None = None
    react_refresh: str | None = None
    """Development with react-refresh installed: the URL of ``/@react-refresh``, and the
    project's modules get Fast Refresh registrations."""

    @property
    def all_defines(self) -> dict[str, str]:
        """The user's defines over the defaults every bundler applies (Vite's)."""
        value = '"development"' if self.mode == "development" else '"production"'
        return {"process.env.NODE_ENV": value, **self.define}


def new_resolver(options: PipelineOptions) -> Resolver:
    """A resolver with the conditions of the options' mode (``development`` or
    ``production``); each caches what it has looked up, so the dev server makes one per
    module (an ``npm install`` or a new file is then seen) and a build keeps one."""
    conditions = DEV_CONDITIONS if options.mode == "development" else BUILD_CONDITIONS
    return Resolver(options.root, conditions=conditions, public_dir=options.public_dir)


class Pipeline:
    """resolve → load → transform for one project and mode."""

    def __init__(self, options: PipelineOptions, plugins: PluginContainer | None = None,
                 resolver: Resolver | None = None) -> None:
        self.options = options
        self.plugins = plugins or PluginContainer(())
        self.resolver = resolver or new_resolver(options)
        self.define = options.all_defines
        self._tsconfig: TsConfig | None = None

    @property
    def tsconfig(self) -> TsConfig:
        """The project's ``tsconfig.json`` (``extends`` applied), read on first use."""
        if self._tsconfig is None:
            self._tsconfig = load_tsconfig(self.options.root)
        return self._tsconfig

    # -- resolve ------------------------------------------------------------------------------

    def resolve(self, specifier: str, importer: str) -> Target | None:
        """What ``specifier`` imported from ``importer`` (a file path or a virtual id) names.

        None: leave it as written (URLs, ``public/`` files, the dev server's ``/@`` URLs,
        with or without the base).
        ``vite/modulepreload-polyfill`` is a built-in virtual module (after plugins, which
        may replace it).
        A ``browser`` field ``false`` entry is ``Target(<browser-external id>, "empty",
        virtual=True)``: virtual, so the dev server writes a ``/@id/`` URL for it; ``empty``,
        so dev and build load it with :meth:`empty` instead of reading a file.
        Raises :class:`ResolveError` when nothing matches.
        """
        if specifier.startswith("/@") or specifier.startswith(self.options.base + "@"):
            return None  # the dev server's own URLs (/@shaker/client), under the base too
        if not os.path.isabs(importer):  # a virtual module imports relative to the root
            importer = str(self.options.root / "index.html")
        if self.plugins.has("resolve_id"):
            answer = self.plugins.resolve_id(specifier, importer)
            if answer is not None:
                if not os.path.isabs(answer):
                    return Target(answer, module_kind(answer) or "js", virtual=True)
                path, query = split_query(answer)
                return self._target(specifier, importer, os.path.realpath(path), query)
        if specifier == MODULEPRELOAD_POLYFILL:
            return Target(MODULEPRELOAD_POLYFILL_ID, "js", virtual=True)
        if is_url(specifier):
            return None
        aliased = self._tsconfig_path(specifier, importer)
        if aliased is not None:
            return aliased
        found = self.resolver.resolve_path(specifier, importer)
        if found is None:
            return None
        if is_browser_external(found):
            return Target(found, "empty", virtual=True)
        return self._target(specifier, importer, found, split_query(specifier)[1])

    def _tsconfig_path(self, specifier: str, importer: str) -> Target | None:
        """tsconfig ``paths`` (with ``baseUrl``): an alias like ``@/lib/x`` → ``src/lib/x``,
        the longest matching pattern first, each target tried in order, as TypeScript does."""
        config = self.tsconfig
        if not config.paths or config.paths_base is None or specifier.startswith(
                ("./", "../", "/", "#")):
            return None
        path, query = split_query(specifier)
        matches = []
        for pattern, targets in config.paths.items():
            prefix, star, suffix = pattern.partition("*")
            if not star and path == pattern:
                matches.append((len(pattern), "", targets))
            elif star and path.startswith(prefix) and path.endswith(suffix) and (
                    len(path) >= len(prefix) + len(suffix)):
                matches.append((len(prefix), path[len(prefix):len(path) - len(suffix)],
                                targets))
        for _, middle, targets in sorted(matches, key=lambda m: -m[0]):
            for target in targets:
                candidate = os.path.join(config.paths_base, target.replace("*", middle))
                relative = os.path.relpath(candidate, os.path.dirname(importer))
                try:
                    found = self.resolver.resolve_path("./" + relative + query, importer)
                except ResolveError:
                    continue
                if found is not None:
                    return self._target(specifier, importer, found, query)
        return None

    def _target(self, specifier: str, importer: str, path: str, query: str) -> Target:
        kind = module_kind(path, query)
        if kind is None:
            raise ResolveError(specifier, importer, f"{os.path.basename(path)} is not "
                               "JavaScript, TypeScript, JSX, JSON, CSS or a known asset type "
                               "(import it with ?url or ?raw, or add a plugin that loads it)")
        return Target(path, kind, query)

    def relative(self, id: str) -> str:
        """``id`` as Vite's messages name it: relative to the root when inside it."""
        root = str(self.options.root) + os.sep
        return id[len(root):] if id.startswith(root) else id

    def missing_candidates(self, specifier: str, importer: str) -> tuple[str, ...]:
        """Files whose creation would make a failed relative or root-absolute import resolve."""
        path = split_query(specifier)[0]
        if path.startswith(("./", "../")):
            base = os.path.normpath(os.path.join(os.path.dirname(importer), path))
        elif path.startswith("/") and not path.startswith("//"):
            base = os.path.normpath(os.path.join(self.options.root, path[1:]))
        else:
            return ()
        return (base, *(base + ext for ext in RESOLVE_EXTENSIONS),
                *(os.path.join(base, "index" + ext) for ext in RESOLVE_EXTENSIONS))

    # -- load -----------------------------------------------------------------------------------

    def load(self, id: str) -> Source:
        """The text of ``id``: a plugin's ``load`` answer, else the file, which must be UTF-8;
        then the plugins' ``transform`` hooks."""
        text = self.plugins.load(id) if self.plugins.has("load") else None
        if text is None and id == MODULEPRELOAD_POLYFILL_ID:
            text = modulepreload_polyfill(self.options.mode)
        if text is None:
            if not os.path.isabs(id):
                raise FileNotFoundError(f"no plugin loads {id!r}")
            source = read_source(id)
        else:
            source = Source(display_name(id), text.encode("utf-8", "surrogatepass"))
        if self.plugins.has("transform"):
            code = self.plugins.transform(source.text, id)
            if code != source.text:
                source = Source(source.filename, code.encode("utf-8", "surrogatepass"))
        return source

    # -- transform ------------------------------------------------------------------------------

    def javascript(self, source: Source, id: str, write: WriteImport, *,
                   url: str | None = None, sourcemap: bool | None = None,
                   previous: Parsed | None = None) -> ModuleRecord:
        """A JavaScript module: each import resolved and written, the mode's transform applied.

        ``url`` is the module's dev-server URL (its hot context's identity).  Every import
        that resolves to nothing is reported, at the importer's line and column.
        """
        options = self.options
        sourcemap = options.sourcemap if sourcemap is None else sourcemap
        if is_dependency_file(id):
            converted = commonjs_module(self, source, id, write)
            if converted is not None:
                return converted
        input_map = None
        try:
            compiled = compile_module(source, id, tsconfig=self.tsconfig,
                                      development=options.mode == "development",
                                      refresh_url=options.react_refresh, module_url=url)
        except ShakerSyntaxError as exc:
            raise ModuleError([(exc.diagnostic, exc.source)]) from None
        if compiled.source is not source:
            source, input_map = compiled.source, compiled.map
        data = source.code
        side_effects = None if not os.path.isabs(id) else self.resolver.side_effects(id)
        if not (b"import" in data or b"from" in data or sourcemap
                or may_reference(data, self.define)):
            try:  # nothing to rewrite, strip or define: only check the syntax
                parse(source)
            except ShakerSyntaxError as exc:
                raise ModuleError([(exc.diagnostic, exc.source)]) from None
            return ModuleRecord(id, "js", source.text, side_effects=side_effects,
                                diagnostics=_commonjs(source))
        targets: dict[str, Target | None] = {}
        failures: dict[str, str] = {}

        def rewrite(specifier: str) -> str | None:
            if specifier in failures:
                return None
            if specifier not in targets:
                try:
                    targets[specifier] = self.resolve(specifier, id)
                except ResolveError as exc:
                    failures[specifier] = exc.reason
                    return None
            target = targets[specifier]
            return None if target is None else write(target, specifier, True)

        transform_options = TransformOptions(
            filename=source.filename, mode=options.mode, url=url, sourcemap=sourcemap,
            define=self.define, keep_hot=options.keep_hot, base=options.base,
            env=options.env, rewrite_import=rewrite,
            input_map=input_map if sourcemap else None)
        try:
            result = transform_source(source, transform_options, previous)
        except ShakerSyntaxError as exc:
            raise ModuleError([(exc.diagnostic, exc.source)]) from None
        if failures:
            problems = []
            missing: list[str] = []
            for specifier, reason in failures.items():
                offset = next((r.start for r in result.imports if r.specifier == specifier), 0)
                message = f'Failed to resolve import "{specifier}" from "{self.relative(id)}"'
                message += ". Does the file exist?" if reason == "no such file" else f": {reason}"
                problems.append((error_at(source, offset, message), source))
                missing += self.missing_candidates(specifier, id)
            raise ModuleError(problems, tuple(missing))
        imports = [ImportRef(r.specifier, r.kind, r.start, targets.get(r.specifier))
                   for r in result.imports]
        imports += [ImportRef(s, "hot-accept", 0, targets.get(s))
                    for s in result.hot.accepted_deps]
        diagnostics = list(result.diagnostics)
        if not result.imports:
            diagnostics += _commonjs(source)
        return ModuleRecord(id, "js", result.code, result.map, imports, result.hot,
                            diagnostics, side_effects, parsed=result.parsed)

    def json(self, source: Source, id: str) -> ModuleRecord:
        """JSON as a module: the value as default export, its keys as named exports."""
        try:
            code = json_module(source)
        except ShakerSyntaxError as exc:
            raise ModuleError([(exc.diagnostic, exc.source)]) from None
        return ModuleRecord(id, "json", code, side_effects=False)

    def empty(self, id: str) -> ModuleRecord:
        """A target of kind ``empty`` (a ``browser`` field ``false`` entry): ``export default
        {}``, as Vite loads ``__vite-browser-external``.  Nothing is read; it is declared
        free of side effects, as a package's ``"sideEffects": false`` would."""
        return ModuleRecord(id, "empty", empty_module(), side_effects=False)

    def raw(self, source: Source, id: str) -> ModuleRecord:
        """``?raw`` and CSS ``?inline``: the text as the default export."""
        return ModuleRecord(id, "raw", raw_module(source.text), side_effects=False)

    def stylesheet(self, source: Source, id: str, write: WriteImport, *,
                   inline_imports: bool = False, seen: frozenset[str] = frozenset()
                   ) -> ModuleRecord:
        """CSS with every ``url()`` and ``@import`` resolved from the stylesheet's own folder
        and written by ``write``: a URL that still works wherever the CSS ends up (a dev
        ``<style>`` tag, a build's ``assets/``).  An ``@import`` that resolves to nothing is
        an error; a ``url()`` a warning (it is left as written, as browsers would load it).

        ``inline_imports``: each ``@import``ed stylesheet's text replaces its rule (in an
        ``@media`` block when the rule has a media query), as postcss-import does for Vite, so
        its rules apply as soon as the ``<style>`` does."""
        text = source.text
        edits: list[tuple[int, int, str]] = []
        imports: list[ImportRef] = []
        diagnostics: list[Diagnostic] = []
        problems: list[tuple[Diagnostic, Source]] = []
        missing: list[str] = []
        for ref in css_references(text):
            value = ref.value.strip()
            if not value or value.startswith("#") or is_url(value):
                continue
            path, query = split_query(value)
            specifier = page_specifier(path)
            offset = len(text[:ref.start].encode("utf-8", "surrogatepass"))
            try:
                target = self.resolve(specifier + query, id)
            except ResolveError as exc:
                message = f'cannot resolve "{value}": {exc.reason}'
                if ref.kind == "import":
                    problems.append((error_at(source, offset, message), source))
                    missing += self.missing_candidates(specifier, id)
                else:
                    diagnostics.append(Diagnostic.at(source, offset, message + "; left as it is",
                                                     id="css-url-unresolved"))
                continue
            if target is None:
                continue
            if ref.kind == "import":
                target = Target(target.id, "css", target.query, target.virtual)
            imports.append(ImportRef(value, ref.kind, offset, target))
            if inline_imports and ref.rule is not None and not target.virtual \
                    and target.id not in seen:
                inlined = self._inline(text, ref.rule, ref.end, target.id, write, seen | {id})
                if inlined is not None:
                    edits.append((*ref.rule, inlined.code))
                    imports += inlined.imports
                    diagnostics += inlined.diagnostics
                    continue
            written = write(target, value, False)
            if written is not None:
                edits.append((ref.start, ref.end, written))
        if problems:
            raise ModuleError(problems, tuple(missing))
        return ModuleRecord(id, "css", apply_edits(text, edits), imports=imports,
                            diagnostics=diagnostics)


    def _inline(self, text: str, rule: tuple[int, int], value_end: int, path: str,
                write: WriteImport, seen: frozenset[str]) -> ModuleRecord | None:
        """The stylesheet an ``@import`` rule names, ready to stand in its place; None for a
        rule with a condition shaker does not inline (``layer``, ``supports()``)."""
        condition = text[value_end:rule[1]].lstrip("\"')").rstrip(";").strip()
        if condition.startswith(("layer", "supports")):
            return None
        record = self.stylesheet(self.load(path), path, write, inline_imports=True,
                                 seen=seen)
        if condition:
            record.code = f"@media {condition} {{\n{record.code}\n}}"
        return record


def read_source(path: str) -> Source:
    """A file as a :class:`Source`; bytes that are not UTF-8 are a located error."""
    with open(path, "rb") as fh:
        data = fh.read()
    source = Source(display_name(path), data)
    try:
        require_utf8(source)  # a build must not turn it into U+FFFD, nor dev into a traceback
    except ShakerSyntaxError as exc:
        raise ModuleError([(exc.diagnostic, exc.source)]) from None
    return source


def _commonjs(source: Source) -> list[Diagnostic]:
    """A warning for a module that looks like CommonJS: no import or export, but
    ``module.exports`` or ``require(``.  Browsers cannot run it, and shaker does not convert
    it yet (Vite pre-bundles such packages with esbuild)."""
    code = source.code
    if not (b"module.exports" in code or b"require(" in code):
        return []
    if b"export" in code.replace(b"exports", b""):  # the keyword, not `exports`
        return []
    return [Diagnostic.at(source, 0, "this looks like a CommonJS module (module.exports or "
                          "require without import/export): browsers cannot run it; import "
                          "the package's ES module build instead", id="commonjs-module")]


__all__ = ["Pipeline", "PipelineOptions", "new_resolver", "read_source"]
