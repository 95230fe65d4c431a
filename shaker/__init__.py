"""shaker: Vite's ``import.meta.hot`` workflow for any JavaScript project, in Python.

The library API is the transform; importing it loads only the standard library and
tree-sitter (the dev server, build and CLI live in modules imported on demand)::

    >>> import shaker
    >>> code = "if (import.meta.hot) {\\n  import.meta.hot.accept()\\n}\\nrun()\\n"
    >>> result = shaker.transform(code)
    >>> print(result.code, end="")
    run()
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from shaker.config import (
    BuildConfig,
    Config,
    ConfigError,
    HmrConfig,
    OptimizeDepsConfig,
    ServerConfig,
    WatchConfig,
)
from shaker.diagnostics import Diagnostic, Severity, render_rich, render_short
from shaker.errors import ShakerError, ShakerSyntaxError
from shaker.js.incremental import Parsed
from shaker.js.scan import ImportRecord
from shaker.js.transform import HotInfo, TransformResult, transform_source
from shaker.options import Mode, RewriteImport, TransformOptions
from shaker.plugin import Plugin
from shaker.source import Source

if TYPE_CHECKING:
    from shaker.js.minify import MinifyResult

__version__ = "0.1.0"

__all__ = [
    "BuildConfig",
    "Config",
    "ConfigError",
    "Diagnostic",
    "HmrConfig",
    "HotInfo",
    "ImportRecord",
    "OptimizeDepsConfig",
    "Parsed",
    "Plugin",
    "ServerConfig",
    "Severity",
    "ShakerError",
    "ShakerSyntaxError",
    "TransformOptions",
    "TransformResult",
    "WatchConfig",
    "__version__",
    "minify",
    "render_rich",
    "render_short",
    "transform",
]


def minify(
    code: str | bytes,
    *,
    filename: str = "<input>",
    sourcemap: bool = False,
    mangle: bool = True,
    module: bool = True,
    input_map: Mapping[str, object] | None = None,
) -> MinifyResult:
    """Minify JavaScript: whitespace, comments, shorter syntax, shorter local names.

    ``module=True`` (an ES module) may rename top-level names that are not exported;
    ``False`` (a classic script) keeps them, since they are globals.  Raises
    :class:`ShakerSyntaxError` for invalid JavaScript.  Imported on first use, so that
    ``import shaker`` stays light.

    >>> import shaker
    >>> shaker.minify("let total = 0; export function add(value) { total += value }").code
    'let t=0;export function add(a){t+=a}'
    """
    from shaker.js.minify import minify as _minify

    return _minify(code, filename=filename, sourcemap=sourcemap, mangle=mangle,
                   module=module, input_map=input_map)


def transform(
    code: str | bytes,
    *,
    filename: str = "<input>",
    mode: Mode = "production",
    url: str | None = None,
    sourcemap: bool = False,
    define: Mapping[str, str] | None = None,
    keep_hot: bool = False,
    base: str = "/",
    rewrite_import: RewriteImport | None = None,
    input_map: Mapping[str, object] | None = None,
    previous: Parsed | None = None,
) -> TransformResult:
    """Transform one ES module.

    ``mode="production"`` removes every use of ``import.meta.hot`` (it is ``undefined``
    there) and folds ``import.meta.env`` and ``define`` constants; ``"development"`` injects
    the hot context for the dev server at ``url``.  Raises :class:`ShakerSyntaxError` for
    invalid JavaScript.

    ``previous`` is the ``parsed`` handle of an earlier result for an edited version of the
    same module: the parse then reuses its tree (tree-sitter's incremental parsing).  A dev
    server keeps the last result's handle per module.
    """
    options = TransformOptions(
        filename=filename, mode=mode, url=url, sourcemap=sourcemap, define=dict(define or {}),
        keep_hot=keep_hot, base=base, rewrite_import=rewrite_import, input_map=input_map,
    )
    data = code.encode("utf-8", "surrogatepass") if isinstance(code, str) else code
    result = transform_source(Source(filename, data), options, previous)
    if isinstance(code, str) and not result.changed and result.code == code:
        # Hand back the caller's own string when nothing changed (cheap identity check).
        return TransformResult(code, result.map, result.diagnostics, False, result.hot,
                               result.imports, result.parsed)
    return result
