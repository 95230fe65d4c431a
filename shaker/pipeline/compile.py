"""What runs before shaker's JavaScript transform: TypeScript, React Fast Refresh, JSX.

A module's file name decides, as in Vite: ``.ts``/``.mts``/``.cts`` have their types erased
(positions kept; enums, namespaces and parameter properties lowered as esbuild does),
``.tsx`` too with the TSX grammar; ``.jsx``/``.tsx`` have their JSX lowered (automatic
runtime unless ``tsconfig.json`` or a pragma says otherwise; ``jsxDEV`` with file, line and
column in development).  In development, when the app has ``react-refresh`` installed, the
project's own modules get Fast Refresh registrations first (the refresh transform must see
JSX: ``const Title = styled.h1`` is a component only because ``<Title>`` uses it).

The order is fixed: erase types → register for refresh → lower JSX.  Each step's map is
composed into one, which the JavaScript transform then composes with its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from shaker.js.jsx import JsxOptions, transform_jsx
from shaker.js.refresh import RefreshResult, register_refresh
from shaker.js.sourcemap import SourceMap, compose
from shaker.js.typescript import TYPESCRIPT_SUFFIXES, TypeScriptOptions, strip_types
from shaker.pipeline.generated import fill, template
from shaker.pipeline.tsconfig import TsConfig
from shaker.source import Source

JSX_SUFFIXES = (".jsx", ".tsx")
REFRESH_SUFFIXES = (".js", ".jsx", ".mjs", ".ts", ".tsx", ".mts")


@dataclass(frozen=True)
class Compiled:
    """JavaScript, a map back to the file (None: positions unchanged), refresh facts."""

    source: Source
    map: SourceMap | None = None
    refresh: RefreshResult | None = None


def compile_module(source: Source, id: str, *, tsconfig: TsConfig, development: bool,
                   refresh_url: str | None = None, module_url: str | None = None) -> Compiled:
    """``source`` as plain JavaScript.  ``refresh_url``: where ``/@react-refresh`` is served
    (development with react-refresh installed); only then do components get registered."""
    suffix = os.path.splitext(id)[1].lower()
    maps: list[SourceMap | None] = []
    if suffix in TYPESCRIPT_SUFFIXES:
        erased = strip_types(source, TypeScriptOptions(
            tsx=TYPESCRIPT_SUFFIXES[suffix],
            experimental_decorators=tsconfig.experimental_decorators,
            verbatim_module_syntax=tsconfig.verbatim_module_syntax,
            jsx_factory=tsconfig.jsx_factory or "React.createElement",
            jsx_fragment_factory=tsconfig.jsx_fragment_factory or "React.Fragment"))
        source = _next(source, erased.code)
        maps.append(erased.map)
    refreshed: RefreshResult | None = None
    if refresh_url is not None and suffix in REFRESH_SUFFIXES and not _dependency(id):
        refreshed = register_refresh(source, module_url or id)
        if refreshed.changed:
            source = _next(source, _with_refresh(refreshed, refresh_url))
            maps.append(refreshed.map)
    if suffix in JSX_SUFFIXES:
        lowered = transform_jsx(source, jsx_options(tsconfig, development))
        source = _next(source, lowered.code)
        maps.append(lowered.map)
    return Compiled(source, _composed(maps), refreshed)


def jsx_options(tsconfig: TsConfig, development: bool) -> JsxOptions:
    """tsconfig's ``jsx`` settings: ``react`` is the classic runtime, anything else (or none)
    the automatic one, as Vite's esbuild settings do."""
    if tsconfig.jsx == "react":
        return JsxOptions(runtime="classic",
                          factory=tsconfig.jsx_factory or "React.createElement",
                          fragment=tsconfig.jsx_fragment_factory or "React.Fragment")
    return JsxOptions(import_source=tsconfig.jsx_import_source or "react",
                      development=development)


def _with_refresh(result: RefreshResult, runtime: str) -> str:
    """The registered module, tied to the runtime, and (when it registered components) how
    it takes its updates: in place when the new version exports only components, else on to
    its importers with the reason."""
    prologue = fill(template("refresh-prologue.js"), {"RUNTIME": runtime}).rstrip("\n")
    epilogue = template("refresh-accept.js") if result.components else ""
    code = result.code
    if code.startswith("#!"):  # the prologue goes after a hashbang line
        line_end = code.find("\n") + 1 or len(code)
        return code[:line_end] + prologue + code[line_end:] + "\n" + epilogue
    return prologue + code + ("" if code.endswith("\n") else "\n") + epilogue


def _dependency(id: str) -> bool:
    return f"{os.sep}node_modules{os.sep}" in id


def _next(source: Source, code: str) -> Source:
    return Source(source.filename, code.encode("utf-8", "surrogatepass"))


def _composed(maps: list[SourceMap | None]) -> SourceMap | None:
    """The steps' maps as one (later steps outermost); None when no step moved anything."""
    result: SourceMap | None = None
    for step in maps:
        if step is None:
            continue
        result = step if result is None else compose(step, result)
    return result


__all__ = ["JSX_SUFFIXES", "Compiled", "compile_module", "jsx_options"]
