"""CommonJS packages as ES modules, in dev and build alike (react, lodash, dayjs, qs...).

Each CommonJS file of a dependency becomes one ES module:

1. **Fold first**: the production transform runs with the mode's defines
   (``process.env.NODE_ENV``; ``global`` → ``globalThis``), so ``if (process.env.NODE_ENV ===
   'production') module.exports = require('./cjs/react.production.js')`` keeps one branch and
   React's ``index.js`` needs one of its two builds.
2. **Hoist** every ``require("literal")`` that survives to an ``import`` of the module it
   resolves to, through the same resolver and ``write`` callback as any import: a package
   required from two places is one URL, so one instance (one React).  ``require`` of an ES
   module gives its namespace; of JSON its value.  A ``require`` inside ``try`` that resolves to
   nothing throws when called, as in Node; a Node built-in (``fs``, ``path``...) that the
   package does not have is an empty object, with a warning.
3. **Wrap** the body once: ``function (module, exports, require, __filename, __dirname,
   process)`` run with ``this === exports`` the first time anyone asks for it (the exported
   ``__shaker_cjs()``).  It is a hoisted function, so a circular ``require`` reaches a module
   that has not finished and gets its partial ``module.exports``, as in Node.
4. **Export** ``module.exports`` as the default (its ``.default`` when ``__esModule`` is set,
   as bundlers do) and the names Node would find (``shaker.js.cjs_exports``: the patterns of
   cjs-module-lexer, re-exports followed) as named exports.

ES modules are strict: sloppy-mode-only code (``with``, octal literals) fails as it does with
esbuild.  Line numbers are kept: everything shaker adds stands on the first and last lines.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from shaker.diagnostics import Diagnostic
from shaker.errors import ShakerSyntaxError
from shaker.js.cjs_exports import CjsExports, detect_cjs_exports
from shaker.js.commonjs import CommonJsFacts, analyze_commonjs
from shaker.js.names import is_binding_name
from shaker.js.parse import parse
from shaker.js.transform import transform_source
from shaker.options import TransformOptions
from shaker.pipeline.record import (
    ImportRef,
    ModuleError,
    ModuleRecord,
    Target,
    WriteImport,
    error_at,
)
from shaker.pipeline.resolve import ResolveError, Resolver
from shaker.source import Source


class _Options(Protocol):
    @property
    def root(self) -> Path: ...
    @property
    def base(self) -> str: ...
    @property
    def env(self) -> Mapping[str, object]: ...
    @property
    def mode(self) -> str: ...


class Pipeline(Protocol):
    """What the interop uses of ``shaker.pipeline.pipeline.Pipeline`` (structural, so the
    two modules do not import each other)."""

    define: dict[str, str]
    resolver: Resolver

    @property
    def options(self) -> _Options: ...

    def resolve(self, specifier: str, importer: str) -> Target | None: ...

    def load(self, id: str) -> Source: ...

    def relative(self, id: str) -> str: ...

NODE_BUILTINS = frozenset((
    "assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants",
    "crypto", "dgram", "diagnostics_channel", "dns", "domain", "events", "fs", "http", "http2",
    "https", "inspector", "module", "net", "os", "path", "perf_hooks", "process", "punycode",
    "querystring", "readline", "repl", "stream", "string_decoder", "sys", "timers", "tls",
    "trace_events", "tty", "url", "util", "v8", "vm", "wasi", "worker_threads", "zlib",
))
_PROCESS = ('{env:{NODE_ENV:__NODE_ENV__},browser:true,argv:[],version:"",versions:{},'
            'platform:"browser",cwd:()=>"/",nextTick:(f,...a)=>queueMicrotask(()=>f(...a))}')


def is_dependency_file(id: str) -> bool:
    """Files CommonJS interop applies to: dependencies, and ``.cjs`` anywhere (Vite converts
    dependencies only; a project's own files are ES modules)."""
    return id.endswith(".cjs") or f"{os.sep}node_modules{os.sep}" in id


def commonjs_module(pipeline: Pipeline, source: Source, id: str, write: WriteImport
                    ) -> ModuleRecord | None:
    """``source`` as an ES module if it is CommonJS; None when it is not."""
    code = source.code
    if not (b"require" in code or b"exports" in code or b"module" in code):
        return None
    owner = pipeline.resolver.package_of(id)
    if owner is not None and owner[1].get("type") == "module" and not id.endswith(".cjs"):
        return None
    analysis = _analyse(pipeline, source, id)
    folded, facts = analysis.folded, analysis.facts
    if not facts.is_commonjs:
        return None
    header: list[str] = []
    cases: list[str] = []
    imports: list[ImportRef] = []
    diagnostics: list[Diagnostic] = []
    problems = []
    seen: dict[str, str] = {}
    for require in facts.requires:
        if require.specifier in seen:
            continue
        try:
            target = pipeline.resolve(require.specifier, id)
        except ResolveError as exc:
            if require.guarded:
                continue  # the call throws "Cannot find module", as in Node
            name = require.specifier.removeprefix("node:")
            if name.split("/")[0] in NODE_BUILTINS:
                seen[require.specifier] = "{}"
                cases.append(f"case {json.dumps(require.specifier)}:return {{}};")
                diagnostics.append(Diagnostic.at(
                    folded, require.start, f'"{require.specifier}" is a Node.js built-in '
                    "module: it is an empty object in the browser", id="node-builtin"))
                continue
            problems.append((error_at(folded, require.start, f'Failed to resolve require '
                                    f'"{require.specifier}" from "{pipeline.relative(id)}": '
                                    f"{exc.reason}"), folded))
            continue
        if target is None:
            continue
        local = f"__cjs_{len(header)}"
        written = json.dumps(write(target, require.specifier, True) or require.specifier)
        if target.kind == "js":
            header.append(f"import * as {local} from {written};")
            value = f"__shaker_ns({local})"
        elif target.kind == "css":
            header.append(f"import {written};")
            value = "{}"
        else:
            header.append(f"import {local} from {written};")
            value = local
        seen[require.specifier] = value
        cases.append(f"case {json.dumps(require.specifier)}:return {value};")
        imports.append(ImportRef(require.specifier, "static", require.start, target))
    if problems:
        raise ModuleError(problems)
    names = _export_names(pipeline, id, analysis.own, frozenset())
    text, exported = _wrap(pipeline, folded.text, id, header, cases, names,
                           "process" in facts.free_globals)
    side_effects = pipeline.resolver.side_effects(id)
    return ModuleRecord(id, "js", text, None, imports, diagnostics=diagnostics,
                        side_effects=side_effects,
                        exports=frozenset({"default", "__shaker_cjs", *exported}))


def _fold(pipeline: Pipeline, source: Source) -> Source:
    """The module with the mode's defines applied and dead branches removed."""
    define = {"global": "globalThis", **pipeline.define}
    options = TransformOptions(filename=source.filename, mode="production", define=define,
                               base=pipeline.options.base, env=pipeline.options.env)
    result = transform_source(source, options)
    if not result.changed:
        return source
    return Source(source.filename, result.code.encode("utf-8", "surrogatepass"))


@dataclass(frozen=True)
class _Analysis:
    """A module folded, its CommonJS facts, and the names the lexer finds in it."""

    folded: Source
    facts: CommonJsFacts
    own: CjsExports


_ANALYSES: OrderedDict[tuple[str, str, tuple[tuple[str, str], ...], bytes], _Analysis] = \
    OrderedDict()
_ANALYSES_KEPT = 64
"""Analyses kept (by content): ``react-dom/client.js`` re-exports the 1 MB file the browser
asks for next, and each is folded, parsed and lexed once."""


def _analyse(pipeline: Pipeline, source: Source, id: str) -> _Analysis:
    key = (id, pipeline.options.mode, tuple(sorted(pipeline.define.items())),
           hashlib.sha1(source.code, usedforsecurity=False).digest())
    found = _ANALYSES.get(key)
    if found is None:
        folded = _fold(pipeline, source)
        tree = parse(folded, module=False)  # may be a script: HTML-like comments allowed
        facts = analyze_commonjs(tree, folded.code)
        own = detect_cjs_exports(folded, tree) if facts.is_commonjs else CjsExports()
        found = _ANALYSES[key] = _Analysis(folded, facts, own)
        while len(_ANALYSES) > _ANALYSES_KEPT:
            _ANALYSES.popitem(last=False)
    else:
        _ANALYSES.move_to_end(key)
    return found


def _export_names(pipeline: Pipeline, id: str, own: CjsExports, visiting: frozenset[str]
                  ) -> tuple[str, ...]:
    """Node's named exports of a module: its own, then its re-exports' in turn."""
    names = list(own.exports)
    for specifier in own.reexports:
        try:
            target = pipeline.resolve(specifier, id)
        except ResolveError:
            continue
        if target is None or target.kind != "js" or target.virtual or target.id in visiting \
                or target.id == id:
            continue
        try:
            analysis = _analyse(pipeline, pipeline.load(target.id), target.id)
        except (OSError, ModuleError, ShakerSyntaxError):
            continue
        names += _export_names(pipeline, target.id, analysis.own, visiting | {id})
    return tuple(dict.fromkeys(names))


def _wrap(pipeline: Pipeline, body: str, id: str, header: list[str], cases: list[str],
          names: tuple[str, ...], uses_process: bool) -> tuple[str, list[str]]:
    """The ES module around a CommonJS body (the body keeps its line numbers), and the names
    it exports besides ``default``."""
    if body.startswith("#!"):
        body = "//" + body[2:]
    root = str(pipeline.options.root)
    shown = "/" + os.path.relpath(id, root).replace(os.sep, "/") if id.startswith(root) else id
    node_env = pipeline.define.get("process.env.NODE_ENV", '"production"')
    process = _PROCESS.replace("__NODE_ENV__", node_env) if uses_process else \
        "globalThis.process"
    prefix = "".join(header) + (
        'function __shaker_ns(n){return typeof n.__shaker_cjs==="function"?n.__shaker_cjs():n}'
        "function __shaker_require(s){switch(s){" + "".join(cases) + "}"
        "throw new Error(\"Cannot find module '\"+s+\"'\")}"
        "var __shaker_module;export function __shaker_cjs(){if(__shaker_module===undefined){"
        "__shaker_module={exports:{}};__shaker_body.call(__shaker_module.exports,"
        "__shaker_module,__shaker_module.exports,__shaker_require,"
        f"{json.dumps(shown)},{json.dumps(os.path.dirname(shown))},{process})}}"
        "return __shaker_module.exports}"
        "function __shaker_body(module,exports,require,__filename,__dirname,process){")
    exported = [n for n in names if is_binding_name(n) and not n.startswith("__shaker")]
    suffix = ("\n}var __shaker_exports=__shaker_cjs();"
              "export default __shaker_exports&&__shaker_exports.__esModule?"
              "__shaker_exports.default:__shaker_exports;")
    if exported:
        suffix += f"export var {{{','.join(exported)}}}=__shaker_exports??{{}};"
    return prefix + body + suffix + "\n", exported


__all__ = ["NODE_BUILTINS", "commonjs_module", "is_dependency_file"]
