"""The examples in the server-side modules' docstrings run and stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "shaker.protocol",
    "shaker.plugin",
    "shaker.config",
    "shaker.server.fs_guard",
    "shaker.server.hosts",
    "shaker.server.responses",
    "shaker.server.client_assets",
    "shaker.server.modules",
    "shaker.server.banner",
    "shaker.server.dev_server",
    "shaker.server.imports",
    "shaker.graph",
    "shaker.watch",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
