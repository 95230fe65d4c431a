"""``.env`` files into ``import.meta.env``, as Vite's ``loadEnv`` does.

Files are read in this order, each overriding the one before: ``.env``, ``.env.local``,
``.env.[mode]``, ``.env.[mode].local``; variables already in the process environment win over
all of them.  Only names with a public prefix (``VITE_`` or ``SHAKER_``) reach the browser: the
rest of a ``.env`` file (database URLs, secret keys) never leaves the server.  Values may refer
to other variables as ``$NAME`` or ``${NAME}`` (dotenv-expand); ``\\$`` is a literal dollar.

>>> parse_dotenv('A=1\\n# note\\nexport B="two words" # comment\\nC=\\'${A}x\\'\\nD=${A}y')
{'A': '1', 'B': 'two words', 'C': '${A}x', 'D': '1y'}
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

PUBLIC_PREFIXES = ("VITE_", "SHAKER_")
_LINE = re.compile(r"^\s*(?:export\s+)?([\w.-]+)\s*[=:]\s*(.*)?\s*$")
_REFERENCE = re.compile(r"(\\)?\$(?:\{([\w.]+)(?::?-([^}]*))?\}|([A-Za-z_][\w]*))")


def env_files(mode: str) -> tuple[str, ...]:
    """The ``.env`` file names for ``mode``, lowest priority first."""
    return (".env", ".env.local", f".env.{mode}", f".env.{mode}.local")


def _value(raw: str) -> tuple[str, bool]:
    """A value without quotes or a trailing comment; True when it may be expanded."""
    raw = raw.strip()
    if raw[:1] in ("'", '"', "`"):
        end = raw.find(raw[0], 1)
        if end > 0:
            text = raw[1:end]
            if raw[0] == '"':
                text = text.replace("\\n", "\n").replace("\\r", "\r")
            return text, raw[0] != "'"
    hash_at = raw.find(" #")
    return (raw[:hash_at] if hash_at >= 0 else raw).strip(), True


def parse_dotenv(text: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``KEY=value`` lines (quotes, comments, ``export``) with references expanded."""
    values: dict[str, str] = {}
    expandable: set[str] = set()
    for line in text.splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        value, expand = _value(match.group(2) or "")
        values[match.group(1)] = value
        if expand:
            expandable.add(match.group(1))
    outer = dict(environ or {})
    for key in values:
        if key in expandable:
            values[key] = _expand(values[key], values, outer, {key})
    return values


def _expand(value: str, values: Mapping[str, str], environ: Mapping[str, str],
            seen: set[str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(0)[1:]
        name = match.group(2) or match.group(4)
        default = match.group(3)
        if name in seen:
            return ""
        found = environ.get(name, values.get(name))
        if found is None:
            return default or ""
        return _expand(found, values, environ, seen | {name})

    return _REFERENCE.sub(substitute, value)


def load_env(root: Path, mode: str, prefixes: Sequence[str] = PUBLIC_PREFIXES,
             environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The public variables for ``mode``: the ``.env`` files of ``root`` in Vite's order, then
    the process environment on top, keeping only names with one of ``prefixes``."""
    environ = os.environ if environ is None else environ
    merged: dict[str, str] = {}
    for name in env_files(mode):
        path = root / name
        try:
            text = path.read_text(encoding="utf-8")
        except (FileNotFoundError, IsADirectoryError):
            continue
        merged.update(parse_dotenv(text, environ))
    for key, value in environ.items():
        if key.startswith(tuple(prefixes)):
            merged[key] = value
    return {k: v for k, v in sorted(merged.items()) if k.startswith(tuple(prefixes))}


__all__ = ["PUBLIC_PREFIXES", "env_files", "load_env", "parse_dotenv"]
