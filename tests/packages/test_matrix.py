"""The npm package matrix: every app of ``tests/packages/apps`` under dev and built.

Run it with ``make test-packages`` (it is not part of ``make test``: ``pyproject.toml``
ignores ``tests/packages`` unless it is named).  Each cell is one test, so ``-k react`` or
``-k build`` pick cells; the table of the cells that ran is printed at the end and written to
``tests/packages/last-matrix.md``.  See ``tests/browser/npm_matrix.py`` for what a cell checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import LoopThread
from npm_matrix import SIDES, App, Cell, load_apps, npm_project, run_cell
from page_runs import Servers
from playwright.sync_api import BrowserContext

pytestmark = [pytest.mark.network, pytest.mark.browser]

APPS = load_apps()
CELLS: list[Cell] = []
"""Every cell run in this session, for the table (``conftest.pytest_terminal_summary``)."""


@pytest.fixture(scope="session")
def project() -> Path:
    """The installed matrix with every app written into it (installed on first use)."""
    return npm_project(APPS)


@pytest.fixture
def servers(server_loop: LoopThread) -> Iterator[Servers]:
    started = Servers(server_loop)
    yield started
    started.close()


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("app", APPS, ids=lambda app: app.name)
def test_package(app: App, side: str, project: Path, browser_context: BrowserContext,
                 servers: Servers, tmp_path: Path) -> None:
    cell = run_cell(browser_context, servers, project, app, side, tmp_path / "dist")
    CELLS.append(cell)
    if not cell.ok:
        pytest.fail(cell.report(), pytrace=False)
