"""``shaker build``: the click command around :func:`shaker.build.build`.

Loads the config through the one loader (flags win over it), prints Vite's kind of report
(each file with its size and gzip size, totals, time) or the located errors with code frames,
and chooses the exit code: 1 when the build fails (the previous output is left as it was),
2 for usage errors.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from shaker.build.project import BuildError, BuildOptions, BuildResult, OutputFile, build
from shaker.cli.config import load_project_config, parse_base
from shaker.diagnostics import render_short

MAX_LISTED = 25  # beyond this many files, list the largest and sum up the rest


def _kb(size: int) -> str:
    return f"{size / 1000:,.2f} kB"


def render_report(result: BuildResult, outdir_label: str) -> str:
    """Vite's layout: one line per file (html, assets, css, js; small to large), then totals."""
    maps = {f.path[:-4]: f for f in result.files if f.kind == "map"}
    order = {"manifest": 0, "html": 1, "asset": 2, "css": 3, "js": 4}
    shown = sorted((f for f in result.files if f.kind in order),
                   key=lambda f: (order[f.kind], f.size, f.path))
    hidden: list[OutputFile] = []
    if len(shown) > MAX_LISTED:
        js = [f for f in shown if f.kind == "js"]
        rest = [f for f in shown if f.kind != "js"]
        keep = max(5, MAX_LISTED - len(rest))
        largest = sorted(js, key=lambda f: f.size)[-keep:]
        hidden = [f for f in js if f not in largest]
        shown = rest + largest
    prefix = outdir_label.rstrip("/") + "/"
    width = max((len(prefix + f.path) for f in shown), default=0) + 2
    size_width = max((len(_kb(f.size)) for f in shown), default=0)
    lines = []
    for f in shown:
        line = f"{prefix + f.path:<{width}}{_kb(f.size):>{size_width}}"
        if f.gzip is not None:
            line += f" │ gzip: {_kb(f.gzip):>{size_width}}"
        if f.path in maps:
            line += f" │ map: {_kb(maps[f.path].size)}"
        lines.append(line.rstrip())
    if hidden:
        lines.append(f"… and {len(hidden)} smaller .js files, {_kb(sum(f.size for f in hidden))}"
                     f" │ gzip: {_kb(sum(f.gzip or 0 for f in hidden))}")
    written = [f for f in result.files if f.kind != "map"]
    total = sum(f.size for f in written)
    total_gzip = sum(f.gzip if f.gzip is not None else f.size for f in written)
    extra = f" (and {len(maps)} source map{'s' if len(maps) != 1 else ''})" if maps else ""
    lines.append(f"{len(written)} files{extra}, {_kb(total)} │ gzip: {_kb(total_gzip)}")
    return "\n".join(lines)


@click.command("build")
@click.argument("root", default=".", type=click.Path(exists=True, file_okay=False,
                                                     path_type=Path))
@click.option("--outdir", default=None, help="Output directory, relative to ROOT "
              "[default: dist, or build.outdir from the config].")
@click.option("--base", default=None, callback=parse_base,
              help="Public base path: /app/, a full URL, or ./ for relative URLs [default: /].")
@click.option("--sourcemap", is_flag=True, help="Write a .map file beside each output.")
@click.option("--minify/--no-minify", default=None,
              help="Minify JavaScript [default: on, or build.minify from the config].")
@click.option("--bundle/--no-bundle", default=None,
              help="Link modules into tree-shaken chunks; --no-bundle writes one file per "
              "module [default: on, or build.bundle from the config].")
@click.option("--manifest", is_flag=True, help="Write manifest.json (and .vite/manifest.json) "
              "for backends such as django-vite.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False,
                                                           path_type=Path),
              help="Config file [default: ROOT/shaker.config.py].")
@click.option("--keep-hot", is_flag=True, help="Leave import.meta.hot code in (library dev "
              "builds).")
@click.option("-j", "--jobs", type=int, default=None, help="Worker processes [default: cores].")
def build_command(root: Path, outdir: str | None, base: str | None, sourcemap: bool,
                  minify: bool | None, bundle: bool | None, manifest: bool,
                  config_file: Path | None, keep_hot: bool, jobs: int | None) -> None:
    """Build ROOT for production into ROOT/dist, with every import.meta.hot use removed."""
    from shaker import __version__

    started = time.perf_counter()
    config = load_project_config(root, config_file).config
    try:
        options = BuildOptions(
            outdir=outdir or config.build.outdir,
            base=config.base if base is None else base,
            sourcemap=sourcemap, manifest=manifest, keep_hot=keep_hot,
            minify=config.build.minify if minify is None else minify,
            bundle=config.build.bundle if bundle is None else bundle,
            define=dict(config.define), entries=tuple(config.build.entries), workers=jobs,
            plugins=tuple(config.plugins))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"shaker v{__version__} building for production...")
    label = options.outdir
    try:
        result = build(root, options)
    except BuildError as exc:
        click.echo(exc.render(color=sys.stderr.isatty()), err=True)
        elapsed = round((time.perf_counter() - started) * 1000)
        click.echo(f"✗ build failed in {elapsed}ms; {label}/ left as it was", err=True)
        sys.exit(1)
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for warning in result.warnings:
        click.echo(render_short(warning), err=True)
    line = f"✓ {result.modules} module{'s' if result.modules != 1 else ''} transformed."
    if result.dropped:
        line += (f" {len(result.dropped)} left out (unused once HMR code was removed): "
                 + ", ".join(result.dropped[:5]) + (" …" if len(result.dropped) > 5 else ""))
    click.echo(line)
    click.echo(render_report(result, label))
    click.echo(f"✓ built in {round((time.perf_counter() - started) * 1000)}ms")


__all__ = ["build_command", "render_report"]
