"""``shaker transform``: strip ``import.meta.hot`` from a file, stdin (``-``) or a tree.

Exit status: 0 on success, 1 when an input cannot be transformed (a syntax error, a file
that is not UTF-8; nothing is written), 2 for usage errors (a missing input, a bad option),
as for every shaker command.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from shaker.cli.config import parse_base
from shaker.config import resolve_base
from shaker.diagnostics import Diagnostic, Severity, render_short
from shaker.errors import ShakerSyntaxError
from shaker.options import TransformOptions

if TYPE_CHECKING:
    from shaker.js.sourcemap import SourceMap
    from shaker.source import Source


def _define(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--define")
        out[key] = value
    return out


@click.command("transform")
@click.argument("path", type=click.Path(exists=True, allow_dash=True, path_type=Path))
@click.option("-o", "--out", "out", type=click.Path(path_type=Path),
              help="Output file or directory (default: stdout for a file).")
@click.option("--mode", type=click.Choice(["production", "development"]), default="production",
              show_default=True)
@click.option("--sourcemap", type=click.Choice(["inline", "external", "none"]), default="none",
              show_default=True)
@click.option("--keep-hot", is_flag=True, help="Leave import.meta.hot untouched.")
@click.option("--define", "defines", multiple=True, metavar="KEY=VALUE",
              help="Replace a global name with a JavaScript expression.")
@click.option("--url", help="Module URL for development mode (default: derived from PATH).")
@click.option("--base", default="/", show_default=True, callback=parse_base,
              help="import.meta.env.BASE_URL (normalised as for dev and build).")
@click.option("-j", "--jobs", type=int, default=None, help="Worker processes (default: cores).")
def transform(path: Path, out: Path | None, mode: str, sourcemap: str, keep_hot: bool,
              defines: tuple[str, ...], url: str | None, base: str, jobs: int | None) -> None:
    """Transform a file, stdin (-) or a directory tree."""
    base = resolve_base(base, build=mode == "production")  # development serves a path
    options = TransformOptions(mode=mode, sourcemap=sourcemap != "none",  # type: ignore[arg-type]
                               define=_define(defines), keep_hot=keep_hot, url=url, base=base)
    if str(path) != "-" and path.is_dir():
        if out is None:
            raise click.UsageError("transforming a directory needs -o OUT")
        if sourcemap == "inline" or sourcemap == "external":
            options = TransformOptions(**{**options.__dict__, "sourcemap": False})
            click.echo("shaker: source maps are written for single files only; ignored for "
                       "a tree", err=True)
        _transform_tree(path, out, options, jobs)
        return
    _transform_file(path, out, options, sourcemap)


def _transform_tree(path: Path, out: Path, options: TransformOptions, jobs: int | None) -> None:
    from shaker.build.tree import transform_tree

    try:
        report = transform_tree(path, out, options, workers=jobs)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    for outcome in report.outcomes:
        for diag in outcome.diagnostics:
            _echo_diagnostic(diag)
        if outcome.error is not None:
            click.echo(outcome.error.render(color=_color()), err=True)
    errors = len(report.errors)
    summary = (f"shaker: {report.files} files, {report.transformed} parsed, {report.changed} "
               f"changed, {report.warnings} warnings, {errors} errors in "
               f"{report.seconds:.2f}s")
    if errors:
        click.echo(summary + f"; {out} left unchanged", err=True)
        sys.exit(1)
    click.echo(summary, err=True)


def _transform_file(path: Path, out: Path | None, options: TransformOptions,
                    sourcemap: str) -> None:
    from shaker.errors import require_utf8
    from shaker.js.sourcemap import find_source_mapping_url, parse_data_url, to_data_url, to_json
    from shaker.js.transform import transform_source
    from shaker.source import Source

    if str(path) == "-":
        data = sys.stdin.buffer.read()
        filename = "<stdin>"
    else:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise click.FileError(str(path), hint=exc.strerror) from exc
        filename = str(path)
    source = Source(filename, data)
    try:
        require_utf8(source)  # before anything is read or written beside it
    except ShakerSyntaxError as exc:
        click.echo(exc.render(color=_color()), err=True)
        sys.exit(1)
    input_map = None
    if options.sourcemap:
        found = find_source_mapping_url(data)
        if found is not None and parse_data_url(found[0]) is None and str(path) != "-":
            map_path = path.parent / found[0]
            if map_path.is_file():
                import json

                try:
                    input_map = json.loads(map_path.read_text())
                except ValueError:
                    click.echo(f"shaker: ignoring unreadable input map {map_path}", err=True)
    try:
        source, input_map = _compiled(source, path, options, input_map)
    except ShakerSyntaxError as exc:
        click.echo(exc.render(color=_color()), err=True)
        sys.exit(1)
    opts = TransformOptions(**{**options.__dict__, "filename": filename, "input_map": input_map})
    try:
        result = transform_source(source, opts)
    except ShakerSyntaxError as exc:
        click.echo(exc.render(color=_color()), err=True)
        sys.exit(1)
    for diag in result.diagnostics:
        _echo_diagnostic(diag)
    code = result.code
    if result.map is not None:
        if sourcemap == "inline":
            code = _with_map_comment(code, to_data_url(result.map))
        elif out is None:
            raise click.UsageError("--sourcemap external needs -o OUT")
        else:
            result.map["file"] = out.name
            map_path = out.with_name(out.name + ".map")
            map_path.parent.mkdir(parents=True, exist_ok=True)
            map_path.write_text(to_json(result.map))
            code = _with_map_comment(code, map_path.name)
    if out is None:
        sys.stdout.write(code)
        sys.stdout.flush()
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.shaker.tmp")  # *.tmp: the dev watcher skips it
    tmp.write_bytes(code.encode("utf-8", "surrogatepass"))
    tmp.replace(out)
    if any(d.severity is Severity.ERROR for d in result.diagnostics):
        sys.exit(1)


def _compiled(source: Source, path: Path, options: TransformOptions,
              input_map: SourceMap | None) -> tuple[Source, SourceMap | None]:
    """A ``.ts``/``.tsx``/``.jsx`` file as JavaScript (types erased, JSX lowered with the
    project's tsconfig), as the dev server and the build compile it; other files unchanged.
    The transform's output is then JavaScript: shaker does not print TypeScript."""
    from shaker.js.sourcemap import compose
    from shaker.pipeline.compile import JSX_SUFFIXES, compile_module
    from shaker.pipeline.tsconfig import load_tsconfig

    if path.suffix.lower() not in (*JSX_SUFFIXES, ".ts", ".mts", ".cts"):
        return source, input_map
    compiled = compile_module(source, str(path), tsconfig=load_tsconfig(path.parent),
                              development=options.mode == "development")
    if compiled.map is None:
        return compiled.source, input_map
    return compiled.source, compiled.map if input_map is None else compose(compiled.map,
                                                                           input_map)


def _with_map_comment(code: str, url: str) -> str:
    if code and not code.endswith("\n"):
        code += "\n"
    return f"{code}//# sourceMappingURL={url}\n"


def _echo_diagnostic(diag: Diagnostic) -> None:
    click.echo(render_short(diag), err=True)


def _color() -> bool:
    return sys.stderr.isatty()


__all__ = ["transform"]
