"""A page open in Chromium while ``shaker.config.py`` is edited: ``shaker dev`` restarts on the
same port, the page loses its socket, polls until the new server answers, reloads once, and
runs with the new config."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.sync_api import Page

from shaker.cli.config import load_project_config
from shaker.cli.dev import DevFlags, DevSession

pytestmark = pytest.mark.browser

PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
<script>
  sessionStorage.loads = Number(sessionStorage.loads || 0) + 1;
  console.log(`page load ${sessionStorage.loads}`);
</script>
<script type="module" src="/main.js"></script>
</head><body></body></html>
"""


def config_text(greeting: str) -> str:
    return ("from shaker.config import Config\n"
            f"config = Config(define={{'import.meta.env.GREETING': '\"{greeting}\"'}})\n")


def test_a_config_edit_reloads_open_pages_once_with_the_new_config(
        tmp_path: Path, server_loop, page: Page, console) -> None:
    (tmp_path / "index.html").write_text(PAGE)
    (tmp_path / "main.js").write_text("console.log(`greeting ${import.meta.env.GREETING}`);\n"
                                      "import.meta.hot.accept();\n")
    config = tmp_path / "shaker.config.py"
    config.write_text(config_text("one"))

    async def start() -> tuple[DevSession, asyncio.Queue[bool]]:
        outcomes: asyncio.Queue[bool] = asyncio.Queue()
        flags = DevFlags(port=0, host="127.0.0.1")
        loaded = load_project_config(tmp_path)
        session = DevSession(tmp_path, flags.apply(loaded.config), loaded.path, flags,
                             on_reload=outcomes.put_nowait)
        await session.start()
        return session, outcomes

    session, outcomes = server_loop.run(start())
    try:
        page.goto(f"http://127.0.0.1:{session.server.port}/")
        console.wait_for("greeting one")
        console.wait_for("[shaker] connected.")

        config.write_text(config_text("two"))
        assert server_loop.run(asyncio.wait_for(outcomes.get(), 10)) is True
        console.wait_for("greeting two")

        assert console.count("[shaker] server connection lost. Polling for restart...") == 1
        assert console.count("page load 2") == 1 and "page load 3" not in console.texts
        texts = console.texts
        order = ["page load 1", "greeting one", "[shaker] server connection lost. Polling "
                 "for restart...", "page load 2", "greeting two"]
        assert sorted(order, key=texts.index) == order
        assert console.page_errors == []
    finally:
        server_loop.run(session.close())
