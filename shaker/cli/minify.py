"""``shaker minify``: minify a file, stdin (``-``) or a directory tree of JavaScript.

Nothing is written unless every input minifies: a syntax error prints ``file:line:col``
with a code frame and exits 1.  ``--script`` treats inputs as classic scripts (top-level
names are globals and keep their names); ``.mjs`` files are modules either way and ``.cjs``
files scripts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from shaker.errors import ShakerSyntaxError

_SUFFIXES = (".js", ".mjs", ".cjs")


@click.command("minify")
@click.argument("path", type=click.Path(exists=True, allow_dash=True, path_type=Path))
@click.option("-o", "--out", "out", type=click.Path(path_type=Path),
              help="Output file or directory (default: stdout for a file).")
@click.option("--sourcemap", is_flag=True, help="Write OUT.map beside the output (needs -o).")
@click.option("--no-mangle", "no_mangle", is_flag=True, help="Keep every local name.")
@click.option("--script", is_flag=True, help="Inputs are classic scripts, not ES modules.")
def minify_command(path: Path, out: Path | None, sourcemap: bool, no_mangle: bool,
                   script: bool) -> None:
    """Minify a JavaScript file, stdin (-) or a directory tree."""
    if str(path) != "-" and path.is_dir():
        if out is None:
            raise click.UsageError("minifying a directory needs -o OUT")
        files = sorted(p for p in path.rglob("*") if p.suffix in _SUFFIXES and p.is_file())
        results = [(p, _minify(p, p.read_bytes(), str(p), False, no_mangle, script))
                   for p in files]
        for p, (code, _map) in results:
            target = out / p.relative_to(path)
            _write(target, code)
        click.echo(f"shaker: minified {len(results)} files into {out}", err=True)
        return
    if str(path) == "-":
        data, filename = sys.stdin.buffer.read(), "<stdin>"
    else:
        data, filename = path.read_bytes(), str(path)
    if sourcemap and out is None:
        raise click.UsageError("--sourcemap needs -o OUT")
    code, smap = _minify(path, data, filename, sourcemap, no_mangle, script)
    if out is None:
        sys.stdout.write(code)
        sys.stdout.flush()
        return
    if smap is not None:
        from shaker.js.sourcemap import to_json

        smap["file"] = out.name
        map_path = out.with_name(out.name + ".map")
        map_path.parent.mkdir(parents=True, exist_ok=True)
        map_path.write_text(to_json(smap))
        code = f"{code}\n//# sourceMappingURL={map_path.name}\n"
    _write(out, code)


def _minify(path: Path, data: bytes, filename: str, sourcemap: bool, no_mangle: bool,
            script: bool) -> tuple[str, dict[str, object] | None]:
    from shaker.errors import require_utf8
    from shaker.js.minify import minify_source
    from shaker.source import Source

    source = Source(filename, data)
    module = path.suffix == ".mjs" or (not script and path.suffix != ".cjs")
    try:
        require_utf8(source)
        result = minify_source(source, sourcemap=sourcemap, mangle=not no_mangle,
                               module=module)
    except ShakerSyntaxError as exc:
        click.echo(exc.render(color=sys.stderr.isatty()), err=True)
        sys.exit(1)
    return result.code, result.map


def _write(out: Path, code: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.shaker.tmp")
    tmp.write_bytes(code.encode("utf-8", "surrogatepass"))
    tmp.replace(out)


__all__ = ["minify_command"]
