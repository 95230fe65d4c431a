"""The one config loader of every command, and the option rules they share.

``shaker dev``, ``build`` and ``preview`` all find ``shaker.config.py`` (or ``--config FILE``)
and load it here, so a broken file reads the same everywhere: a clean error naming the file
and line, the user's traceback, exit 1, never a half-started command. ``--base`` and
``--host`` go through the library's own rules (:func:`shaker.config.resolve_base`,
:func:`shaker.config.check_host`), so a flag and the same value in the config file are
accepted, normalised and refused alike.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import click

from shaker.config import (
    CONFIG_FILENAME,
    Config,
    ConfigError,
    check_host,
    find_config,
    load_config,
    resolve_base,
)

__all__ = [
    "ConfigLoadError",
    "ProjectConfig",
    "load_project_config",
    "parse_base",
    "parse_host",
    "read_config",
    "render_config_error",
]


@dataclass(frozen=True)
class ProjectConfig:
    """A loaded config and the file it came from (None: no file, the defaults)."""

    config: Config
    path: Path | None


class ConfigLoadError(click.ClickException):
    """A config file that cannot be used, as a click error: printed without a Python traceback
    of shaker's own (the user's traceback is part of the message), exit status 1."""

    exit_code = 1

    def __init__(self, error: ConfigError) -> None:
        super().__init__(render_config_error(error))
        self.error = error

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", file=file, err=file is None)


def render_config_error(error: ConfigError) -> str:
    """The summary line (file, line, exception) followed by the user's traceback."""
    return f"{error.message}\n{error.details}".rstrip()


def _literal_glob(text: str) -> str:
    """``text`` as a ``fs_deny`` glob that matches it: a glob character matches itself as
    ``?`` (any one character; the deny list has no escapes, and denying a little more is
    safe)."""
    return "".join("?" if c in "*?[]{}" else c for c in text)


def read_config(root: Path, path: Path | None) -> Config:
    """Load ``path`` (or the defaults when None); raises :class:`ConfigError`.

    A config file given with ``--config`` under another name is denied to browsers like
    ``shaker.config.py`` is (``DEFAULT_FS_DENY``), when it lies inside the served root.
    """
    if path is None:
        return Config()
    config = load_config(path)
    try:
        rel = Path(os.path.relpath(path.resolve(), root.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return config
    if path.name == CONFIG_FILENAME or rel.startswith("../"):
        return config
    deny = (*config.server.fs_deny, "/" + _literal_glob(rel))
    return dataclasses.replace(config, server=dataclasses.replace(config.server, fs_deny=deny))


def load_project_config(root: Path, config_file: Path | None = None) -> ProjectConfig:
    """Find (``--config`` wins over ``ROOT/shaker.config.py``) and load the config; a broken
    file raises :class:`ConfigLoadError` for click to print."""
    path = config_file or find_config(root)
    try:
        return ProjectConfig(read_config(root, path), path)
    except ConfigError as exc:
        raise ConfigLoadError(exc) from None


def parse_base(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--base``: normalised by the library's one rule (in its build reading, which keeps
    ``./`` and full URLs; servers reduce those to a path); a bad value is a usage error."""
    if value is None:
        return None
    try:
        return resolve_base(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


def parse_host(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--host``: checked before any socket is opened, so ``--host 'a b'`` is a usage error
    (exit 2) rather than a failed DNS lookup."""
    if value is None:
        return None
    try:
        return check_host(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
