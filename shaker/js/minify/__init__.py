"""JavaScript minification: whitespace and comments, syntax shortenings, renaming, source maps.

The pipeline is four passes over one copy of the tree (:mod:`.tree`):

1. :mod:`.mangle` builds every scope, resolves every reference and picks short names;
2. :mod:`.syntax` rewrites statements and expressions into shorter equivalents;
3. :mod:`.printer` writes the tokens with the fewest spaces and explicit semicolons;
4. the printer's marks become a v3 source map, composed with ``input_map`` if given.

>>> minify("function add(first, second) { return first + second }", module=False).code
'function add(n,t){return n+t}'
>>> minify("if (ready) { start(true) }").code
'ready&&start(!0)'

The assumptions (no getters with side effects on the shortened forms, no dependence on
``Function.prototype.toString`` or on ``.name`` of renamed functions and classes) are those
of terser and esbuild; the README lists them.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

from shaker.diagnostics import Diagnostic
from shaker.js.minify.mangle import alphabet_for, analyze, assign_names
from shaker.js.minify.printer import Printer
from shaker.js.minify.syntax import optimize
from shaker.js.minify.tree import build
from shaker.js.parse import parse
from shaker.js.sourcemap import SourceMap, compose, encode_mappings
from shaker.source import Source, utf16_len

__all__ = ["MinifyResult", "minify", "minify_source"]


@dataclass(frozen=True)
class MinifyResult:
    """Minified code, its source map (when asked for) and any diagnostics."""

    code: str
    map: SourceMap | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def minify(code: str | bytes, *, filename: str = "<input>", sourcemap: bool = False,
           mangle: bool = True, module: bool = True,
           input_map: Mapping[str, object] | None = None) -> MinifyResult:
    """Minify one file of JavaScript; raises :class:`ShakerSyntaxError` if it is invalid.

    ``module=True`` treats the file as an ES module (strict; its top-level names are
    private and may be renamed unless exported); ``False`` as a classic script, whose
    top-level names are globals and keep their names.
    """
    data = code.encode("utf-8", "surrogatepass") if isinstance(code, str) else code
    return minify_source(Source(filename, data), sourcemap=sourcemap, mangle=mangle,
                         module=module, input_map=input_map)


def minify_source(source: Source, *, sourcemap: bool = False, mangle: bool = True,
                  module: bool = True,
                  input_map: Mapping[str, object] | None = None) -> MinifyResult:
    """:func:`minify` for a :class:`~shaker.source.Source` (the build's entry point)."""
    tree = parse(source)
    limit = sys.getrecursionlimit()
    # Deeply nested expressions (long `a + b + ...` chains) recurse once per level.
    sys.setrecursionlimit(max(limit, 200_000))
    try:
        root = build(tree, source.code)
        analysis = analyze(root, module)
        if mangle:
            assign_names(analysis, alphabet_for(source.text))
        root = optimize(root, analysis)
        printer = Printer(source.code, sourcemap)
        printer.node(root)
    finally:
        sys.setrecursionlimit(limit)
    text = "".join(printer.out)
    smap = _source_map(source, text, printer.marks) if sourcemap else None
    if smap is not None and input_map is not None:
        smap = compose(smap, dict(input_map))
    return MinifyResult(text, smap, [])


def _source_map(source: Source, text: str,
                marks: list[tuple[int, int, str | None]]) -> SourceMap:
    """Turn the printer's (output offset, source byte, name) marks into a v3 map."""
    originals = source.index.line_cols([m[1] for m in marks])
    names: list[str] = []
    name_index: dict[str, int] = {}
    lines: list[list[tuple[int, ...]]] = [[]]
    line_start = 0
    next_nl = text.find("\n")
    ascii_out = text.isascii()
    last_pos = 0  # output offset (on the current line) whose UTF-16 column is last_col
    last_col = 0
    for (pos, _byte, name), (oline, ocol) in zip(marks, originals, strict=True):
        while 0 <= next_nl < pos:
            lines.append([])
            line_start = last_pos = next_nl + 1
            last_col = 0
            next_nl = text.find("\n", line_start)
        if ascii_out:
            col = pos - line_start
        else:
            last_col += utf16_len(text[last_pos:pos].encode("utf-8", "surrogatepass"))
            last_pos = pos
            col = last_col
        if name is None:
            lines[-1].append((col, 0, oline, ocol))
        else:
            index = name_index.get(name)
            if index is None:
                index = name_index[name] = len(names)
                names.append(name)
            lines[-1].append((col, 0, oline, ocol, index))
    return {"version": 3, "sources": [source.filename], "sourcesContent": [source.text],
            "names": names, "mappings": encode_mappings(lines)}
