"""The npm package matrix runs on the browser suite's machinery (``tests/browser``).

``tests/browser`` is put on ``sys.path`` for ``npm_matrix`` and ``page_runs``, and its
conftest's Chromium and server-loop fixtures are re-exported here (with ``LoopThread`` and
``free_port``, which ``page_runs`` imports from whichever ``conftest`` pytest loaded last).
At the end of the session the table of every cell run is printed and written to
``tests/packages/last-matrix.md``.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest

BROWSER = Path(__file__).resolve().parents[1] / "browser"
if str(BROWSER) not in sys.path:
    sys.path.insert(0, str(BROWSER))


def _browser_conftest() -> object:
    spec = importlib.util.spec_from_file_location("shaker_browser_conftest",
                                                  BROWSER / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through it
    spec.loader.exec_module(module)
    return module


_browser = _browser_conftest()
browser_context = _browser.browser_context  # type: ignore[attr-defined]
server_loop = _browser.server_loop  # type: ignore[attr-defined]
LoopThread = _browser.LoopThread  # type: ignore[attr-defined]
free_port = _browser.free_port  # type: ignore[attr-defined]

TABLE = Path(__file__).resolve().parent / "last-matrix.md"
_STARTED = time.perf_counter()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the matrix (every cell that ran) and keep it in ``last-matrix.md``."""
    from npm_matrix import render_table
    from test_matrix import CELLS

    if not CELLS:
        return
    table = render_table(CELLS, time.perf_counter() - _STARTED)
    TABLE.write_text(table, encoding="utf-8")
    terminalreporter.write_sep("=", "npm package matrix")
    terminalreporter.write(table)
    terminalreporter.write_line(f"(written to {TABLE})")
