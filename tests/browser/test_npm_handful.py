"""A handful of the npm package matrix, in ``make test``: the packages every user meets first.

The whole matrix (``tests/packages``, ``make test-packages``) takes a minute; these five cells
cover its kinds of failure, under dev and built, with the same apps, install cache and judging
(``npm_matrix.py``):

- ``react``: React 19 with ``react-dom/client``, rendering a counter and clicking it (CommonJS,
  ``process.env.NODE_ENV`` choosing the development or production build);
- ``classnames``: a CommonJS-only utility imported with a default import;
- ``vue``: ``vue`` resolves to its esm-bundler build, which reads ``process.env.NODE_ENV``;
- ``axios``: the ``browser`` field's file map (``lib/adapters/http.js`` must never load);
- ``valibot``: keyword export names (``export { null_ as null }``).

A cell passes when the page logs its marker with no console error, page error or failed
request, and the build did not raise.  Skipped (with the reason) when the npm registry cannot be
reached to install the pinned packages the first time.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import LoopThread
from npm_matrix import SIDES, App, load_apps, npm_project, run_cell
from page_runs import Servers
from playwright.sync_api import BrowserContext

pytestmark = [pytest.mark.network, pytest.mark.browser]

HANDFUL = load_apps("react", "classnames", "vue", "axios", "valibot")


@pytest.fixture(scope="module")
def project() -> Path:
    return npm_project(HANDFUL)


@pytest.fixture
def servers(server_loop: LoopThread) -> Iterator[Servers]:
    started = Servers(server_loop)
    yield started
    started.close()


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("app", HANDFUL, ids=lambda app: app.name)
def test_npm_package_runs(app: App, side: str, project: Path, browser_context: BrowserContext,
                          servers: Servers, tmp_path: Path) -> None:
    cell = run_cell(browser_context, servers, project, app, side, tmp_path / "dist")
    if not cell.ok:
        pytest.fail(cell.report(), pytrace=False)
