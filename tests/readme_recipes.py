"""The backend recipes of README.md, as the tests run them (no tests here).

A recipe is a fenced code block right after a ``<!-- recipe: NAME -->`` line, so the README
shows exactly the files ``tests/browser/test_backend_browser.py`` and
``tests/test_backend_frameworks.py`` write; only ports change (``5173``: shaker's,
``8000``: the backend's).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
_RECIPE = re.compile(r"<!-- recipe: (?P<name>\S+) -->\n```\w*\n(?P<body>.*?)```", re.DOTALL)


@cache
def recipes() -> dict[str, str]:
    return {m["name"]: m["body"] for m in _RECIPE.finditer(README.read_text(encoding="utf-8"))}


def recipe(name: str, *, shaker_port: int | None = None) -> str:
    """The recipe ``name`` (``django/shaker.config.py``), with shaker's port replaced."""
    text = recipes()[name]
    if shaker_port is not None:
        text = text.replace("5173", str(shaker_port))
    return text
