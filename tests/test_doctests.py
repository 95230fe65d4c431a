"""Every example in every shaker module's docstrings runs and stays true (STYLE.md)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import shaker

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(shaker.__path__, "shaker.")
    # the Django app's modules read settings on import (shaker.django itself does not)
    if not info.name.endswith("__main__") and not info.name.startswith("shaker.django.")
)


@pytest.mark.parametrize("name", ["shaker", *MODULES])
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
