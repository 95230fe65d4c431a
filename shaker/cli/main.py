"""The ``shaker`` group: ``transform``, ``dev``, ``build`` and ``preview``, one module each.

The CLI is the outermost shell: it reads files, renders diagnostics (rich code frames on
stderr), chooses exit codes (2 for usage errors, click's convention; 1 for failures), and
writes output.  Library code below it never prints.
"""

from __future__ import annotations

import importlib
from typing import ClassVar

import click

from shaker import __version__


class _LazyGroup(click.Group):
    """A group whose commands are imported only when run (or listed by ``--help``).

    ``shaker transform`` is a hot path for build tools; it must not pay for the server
    (aiohttp, watchfiles) that ``dev`` and ``preview`` import.
    """

    lazy: ClassVar[dict[str, str]] = {
        "transform": "shaker.cli.transform:transform",
        "minify": "shaker.cli.minify:minify_command",
        "dev": "shaker.cli.dev:dev",
        "build": "shaker.cli.build:build_command",
        "preview": "shaker.cli.preview:preview_command",
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


if __name__ == "__main__":  # pragma: no cover
    main()
