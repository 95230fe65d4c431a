"""The ``shaker`` command: click group with ``transform`` (and ``dev``, ``build``, ``preview``).

The CLI is the outermost shell: it reads files, renders diagnostics (rich code frames on
stderr), chooses exit codes, and writes output.  Library code below it never prints.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import ClassVar

import click

from shaker import __version__
from shaker.diagnostics import Diagnostic, Severity, render_short
from shaker.errors import ShakerSyntaxError
from shaker.options import TransformOptions


def _define(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--define")
        out[key] = value
    return out


class _LazyGroup(click.Group):
    """A group whose heavier commands (aiohttp, watchfiles) are imported only when run.

    ``shaker transform`` is a hot path for build tools; it must not pay for the server.
    """

    lazy: ClassVar[dict[str, str]] = {
        "dev": "shaker.cli.dev:dev",
        "build": "shaker.cli.build:build_command",
        "preview": "shaker.cli.build:preview_command",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, _, attr = self.lazy[name].partition(":")
            try:
                command = getattr(importlib.import_module(module), attr)
            except ImportError as exc:  # a broken install should say what is missing
                raise click.ClickException(f"`shaker {name}` is unavailable: {exc}") from exc
            self.add_command(command, name)
        return super().get_command(ctx, name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="shaker")
def main() -> None:
    """Vite's import.meta.hot workflow for any JavaScript project, without Node.js."""


@main.command()
@click.argument("path", type=click.Path(allow_dash=True, path_type=Path))
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
@click.option("--base", default="/", show_default=True, help="import.meta.env.BASE_URL")
@click.option("-j", "--jobs", type=int, default=None, help="Worker processes (default: cores).")
def transform(path: Path, out: Path | None, mode: str, sourcemap: str, keep_hot: bool,
              defines: tuple[str, ...], url: str | None, base: str, jobs: int | None) -> None:
    """Transform a file, stdin (-) or a directory tree."""
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
    opts = TransformOptions(**{**options.__dict__, "filename": filename, "input_map": input_map})
    try:
        result = transform_source(Source(filename, data), opts)
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
    tmp = out.with_name(f".{out.name}.shaker-tmp")
    tmp.write_bytes(code.encode("utf-8", "surrogatepass"))
    tmp.replace(out)
    if any(d.severity is Severity.ERROR for d in result.diagnostics):
        sys.exit(1)


def _with_map_comment(code: str, url: str) -> str:
    if code and not code.endswith("\n"):
        code += "\n"
    return f"{code}//# sourceMappingURL={url}\n"


def _echo_diagnostic(diag: Diagnostic) -> None:
    click.echo(render_short(diag), err=True)


def _color() -> bool:
    return sys.stderr.isatty()


if __name__ == "__main__":  # pragma: no cover
    main()
