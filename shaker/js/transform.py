"""Source → parse → scan → strip | inject → TransformResult.  Pure: no I/O anywhere."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shaker.diagnostics import Diagnostic, Severity
from shaker.js.edits import EditBuffer
from shaker.js.plan import Plan
from shaker.js.prefilter import CANDIDATE, may_use_import_meta
from shaker.js.scan import ImportRecord, module_imports, scan
from shaker.js.scope import Scopes
from shaker.js.values import parse_constant
from shaker.options import TransformOptions
from shaker.source import Source

if TYPE_CHECKING:
    from shaker.js.incremental import Parsed
    from shaker.js.sourcemap import SourceMap

# Byte prefilter, then a literal-aware scan (``prefilter``): ``import.meta`` is the keyword
# `import`, then `.`, then `meta`, with only blanks or comments between them, and the spec
# forbids escapes in it; a file whose bytes never spell that cannot reference it, and one
# whose every spelling sits in a string, template, comment or regex does not either.


def env_values(options: TransformOptions) -> dict[str, object]:
    """``import.meta.env`` as Vite defines it for this mode, plus user keys and
    ``import.meta.env.X`` defines."""
    production = options.mode == "production"
    env: dict[str, object] = {
        "BASE_URL": options.base,
        "DEV": not production,
        "MODE": options.mode,
        "PROD": production,
        "SSR": False,
    }
    env.update(options.env)
    prefix = "import.meta.env."
    for key, value in options.define.items():
        if key.startswith(prefix):
            constant = parse_constant(value)
            if constant is not None:
                env[key[len(prefix):]] = constant.value
    return env

@dataclass(frozen=True)
class HotInfo:
    """What the dev server's module graph needs to know about a module's HMR use."""

    uses_hot: bool = False
    self_accepting: bool = False
    accepted_deps: tuple[str, ...] = ()
    declines: bool = False


@dataclass(frozen=True)
class TransformResult:
    """The transformed code and everything learned on the way."""

    code: str
    map: SourceMap | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    changed: bool = False
    hot: HotInfo = HotInfo()
    imports: tuple[ImportRecord, ...] = ()
    # The parse, for the next transform of an edited version of this module (``previous=``);
    # None when the module needed no tree.
    parsed: Parsed | None = None


def may_reference(code: bytes, define: Mapping[str, str] | None = None) -> bool:
    """Whether ``code`` can possibly reference ``import.meta`` or a define key."""
    if b"meta" in code and CANDIDATE.search(code) is not None and may_use_import_meta(code):
        return True
    if define:
        return any(key.split(".")[0].encode() in code for key in define)
    return False


def transform_source(source: Source, options: TransformOptions,
                     previous: Parsed | None = None, *, referenced: bool = False
                     ) -> TransformResult:
    """Transform one module; see :func:`shaker.transform` for the public entry point.

    ``previous`` (an earlier result's ``parsed``) makes the parse incremental;
    ``referenced``: the caller's :func:`may_reference` already answered True.
    """
    code = source.code
    development = options.mode == "development"
    needs_tree = referenced or options.rewrite_import is not None or may_reference(
        code, dict(options.define))
    if options.sourcemap and not needs_tree:
        from shaker.js.sourcemap import find_source_mapping_url

        needs_tree = find_source_mapping_url(code) is not None
    if not needs_tree:
        return _unchanged(source, options)

    from shaker.js.parse import parse_module

    parsed = parse_module(source, previous=previous)
    tree = parsed.tree
    scopes = Scopes(tree, code)
    env = env_values(options)
    keep_hot = options.keep_hot or options.define.get("import.meta.hot") == "import.meta.hot"
    facts = scan(tree, source, scopes, env=env, define=dict(options.define),
                 fold_env=not development, development=development)
    diagnostics = list(facts.diagnostics)
    plan = Plan()
    if development:
        from shaker.js.inject import inject

        inject(source, facts, plan, url=options.module_url, env=env, base=options.base)
    else:
        if facts.hot_written is not None and not keep_hot:
            diagnostics.append(Diagnostic.at(
                source, facts.hot_written.start_byte,
                "import.meta.hot is assigned in this module, so it is not undefined in "
                "production; its uses are left as they are",
                severity=Severity.WARNING, id="hot-assigned"))
            keep_hot = True
        if keep_hot:
            facts.specials = {k: s for k, s in facts.specials.items() if s.kind != "hot"}
            facts.alias_decls = []
            facts.destructures = []
        if facts.specials or facts.destructures:
            from shaker.js.strip import strip

            stripped = strip(tree, source, scopes, facts)
            plan = stripped.plan
            diagnostics.extend(stripped.diagnostics)

    # The import list serves the dev server and the build; plain strips skip the query.
    imports = module_imports(tree, code) if development or options.rewrite_import else []
    if options.rewrite_import is not None:
        _rewrite_imports(plan, [*imports, *facts.accepted_deps], options)
    input_map = options.input_map
    if options.sourcemap:
        from shaker.js.sourcemap import find_source_mapping_url, parse_data_url

        found = find_source_mapping_url(code)
        if found is not None:
            url, start, end = found
            end += 2 if code.startswith(b"\r\n", end) else 1 if code[end:end + 1] in (
                b"\n", b"\r") else 0
            plan.remove(start, end)
            if input_map is None:
                input_map = parse_data_url(url)
    diagnostics.sort(key=lambda d: d.offset)
    hot = HotInfo(
        uses_hot=facts.uses_hot,
        self_accepting=facts.self_accepting,
        accepted_deps=tuple(d.specifier for d in facts.accepted_deps),
        declines=facts.declines,
    )
    edits = plan.edits()
    if not edits:
        result = _unchanged(source, options)
        return TransformResult(result.code, result.map, diagnostics, False, hot, tuple(imports),
                               parsed)
    buffer = EditBuffer(code)
    for edit in edits:
        buffer.replace(edit.start, edit.end, edit.text)
    return TransformResult(buffer.apply_text(), _map(buffer, source, options, input_map),
                           diagnostics, True, hot, tuple(imports), parsed)


def _rewrite_imports(plan: Plan, records: list[ImportRecord], options: TransformOptions
                     ) -> None:
    assert options.rewrite_import is not None
    for record in records:
        if plan.covers(record.start, record.end):
            continue
        new = options.rewrite_import(record.specifier)
        if new is not None and new != record.specifier:
            import json

            plan.replace(record.start, record.end, json.dumps(new))
            if record.attributes is not None:
                # The rewritten target is served as JavaScript (a JSON or CSS file becomes a
                # module), so `with { type: "json" }` no longer describes it.
                plan.remove(record.end, record.attributes[1])


def _unchanged(source: Source, options: TransformOptions) -> TransformResult:
    if not options.sourcemap:
        return TransformResult(source.text)
    return TransformResult(source.text, _map(EditBuffer(source.code), source, options))


def _map(buffer: EditBuffer, source: Source, options: TransformOptions,
         input_map: Mapping[str, object] | None = None) -> SourceMap | None:
    if not options.sourcemap:
        return None
    from shaker.js.sourcemap import compose

    generated = buffer.generate_map(source=source.filename, source_content=source.text)
    if input_map is not None:
        return compose(generated, dict(input_map))
    return generated
