"""Dependency pre-bundling in Chromium, with real npm packages and the real linker.

The packages (``lodash-es``, ``react``, ``react-dom``, ``scheduler``) come from the npm matrix's
install cache (``npm_matrix.ensure_install``: one ``npm install`` ever) and are copied into a
project of the test's own, so its ``node_modules/.shaker/deps`` and its lockfile are the test's
to change.  Checked: a page importing ``lodash-es`` makes fewer than 20 requests; ``react``,
``react-dom/client`` and ``react/jsx-runtime`` share one React (a ``useState`` counter renders
and counts clicks); a warm restart links nothing; a changed lockfile and ``--force`` link again;
a new bare import while the server runs links again and reloads the page.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import WAIT_MS, ConsoleLog, LoopThread, free_port
from npm_matrix import UNREACHABLE, InstallError, ensure_install, registry_reachable
from playwright.sync_api import BrowserContext, Page

from shaker.bundle.model import LinkOptions, LinkResult, ModuleInput
from shaker.config import Config, ServerConfig
from shaker.dev.prebundle import DEPS_DIR, default_link, read_metadata
from shaker.dev.server import DevServer

pytestmark = [pytest.mark.network, pytest.mark.browser]

PREBUNDLE_S = 300
PACKAGES = ("lodash-es", "react", "react-dom", "scheduler")
INDEX = """<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>
<body><div id="root"></div><script type="module" src="/{main}"></script></body></html>
"""
LODASH_MAIN = """import { chunk, sum, camelCase } from "lodash-es";
console.log("lodash " + sum(chunk([1, 2, 3, 4], 2)[1]) + " " + camelCase("pre bundled"));
"""
REACT_MAIN = """import React, { useState } from "react";
import { createRoot } from "react-dom/client";
import { jsx } from "react/jsx-runtime";

function Counter() {
  const [count, setCount] = useState(0);
  return jsx("button", { id: "count", onClick: () => setCount(count + 1),
                         children: "count " + count });
}
createRoot(document.getElementById("root")).render(React.createElement(Counter));
document.getElementById("later")?.remove();
const later = document.createElement("button");
later.id = "later";
later.onclick = () => import("./later.js");
document.body.append(later);
console.log("react ready");
"""


@pytest.fixture(scope="module")
def installed() -> Path:
    if shutil.which("npm") is None:
        pytest.skip("npm not found: the packages could not be installed")
    try:
        return ensure_install()
    except InstallError as exc:
        if not registry_reachable():
            pytest.skip(UNREACHABLE)
        pytest.fail(f"the npm registry is reachable, but: {exc}")


@pytest.fixture
def project(installed: Path, tmp_path: Path) -> Path:
    root = tmp_path / "app"
    for name in PACKAGES:
        shutil.copytree(installed / "node_modules" / name, root / "node_modules" / name)
    (root / "package-lock.json").write_text('{"lockfileVersion": 3}\n')
    (root / "lodash.html").write_text(INDEX.format(main="lodash.js"))
    (root / "lodash.js").write_text(LODASH_MAIN)
    (root / "index.html").write_text(INDEX.format(main="main.js"))
    (root / "main.js").write_text(REACT_MAIN)
    (root / "later.js").write_text('console.log("later without lodash");\n')
    return root


class Counting:
    """The real linker (``shaker.bundle.link``), counting its calls."""

    def __init__(self) -> None:
        self.link = default_link()
        self.calls = 0

    def __call__(self, modules: dict[str, ModuleInput], entries: list[str],
                 options: LinkOptions) -> LinkResult:
        self.calls += 1
        return self.link(modules, entries, options)


class Running:
    def __init__(self, loop: LoopThread, root: Path) -> None:
        self.loop = loop
        self.root = root
        self.port = free_port()
        self.server: Any = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}/"

    def start(self, link: Counting, *, force: bool = False) -> None:
        config = Config(server=ServerConfig(port=self.port, strict_port=True))
        self.server = DevServer(self.root, config, force=force, link=link)
        self.loop.run(self.server.start())
        # the first pre-bundle may take longer than LoopThread.run waits
        asyncio.run_coroutine_threadsafe(self.server.prebundle.wait(),
                                         self.loop.loop).result(timeout=PREBUNDLE_S)

    def stop(self) -> None:
        if self.server is not None:
            self.loop.run(self.server.close())
            self.server = None


@pytest.fixture
def running(server_loop: LoopThread, project: Path) -> Iterator[Running]:
    server = Running(server_loop, project)
    yield server
    server.stop()


def _load(page: Page, url: str, marker: str) -> tuple[ConsoleLog, list[str]]:
    console = ConsoleLog(page)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url)
    console.wait_for(marker)
    assert not console.page_errors, console.page_errors
    return console, requests


def test_lodash_es_page_makes_few_requests(running: Running, browser_context: BrowserContext,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    link = Counting()
    running.start(link)
    assert link.calls == 1
    page = browser_context.new_page()
    try:
        _, requests = _load(page, running.url + "lodash.html", "lodash 7 preBundled")
    finally:
        page.close()
    with capsys.disabled():
        print(f"\n  lodash-es page: {len(requests)} requests")
    assert len(requests) < 20, requests
    assert any("/node_modules/.shaker/deps/lodash-es.js?v=" in r for r in requests)


def test_react_shares_one_instance_and_the_cache_is_reused(
        running: Running, project: Path, browser_context: BrowserContext) -> None:
    link = Counting()
    running.start(link)
    assert link.calls == 1
    meta = read_metadata(project / DEPS_DIR)
    assert meta is not None
    assert {"react", "react-dom/client", "react/jsx-runtime"} <= set(meta.optimized)
    assert meta.optimized["react-dom/client"] == "react-dom_client.js"
    page = browser_context.new_page()
    try:
        _load(page, running.url, "react ready")
        button = page.locator("#count")
        button.wait_for()
        assert button.text_content() == "count 0"
        button.click()
        button.click()
        page.wait_for_function("document.getElementById('count').textContent === 'count 2'",
                               timeout=WAIT_MS)
    finally:
        page.close()

    running.stop()
    warm = Counting()
    running.start(warm)
    assert warm.calls == 0, "a warm start reuses the cache"
    page = browser_context.new_page()
    try:
        _load(page, running.url, "react ready")
        page.locator("#count").click()
        page.wait_for_function("document.getElementById('count').textContent === 'count 1'",
                               timeout=WAIT_MS)
    finally:
        page.close()

    running.stop()
    lock = project / "package-lock.json"
    lock.write_text(json.dumps({"lockfileVersion": 3, "packages": {"": {"name": "x"}}}))
    relocked = Counting()
    running.start(relocked)
    assert relocked.calls == 1, "a changed lockfile links again"

    running.stop()
    forced = Counting()
    running.start(forced, force=True)
    assert forced.calls == 1, "--force links again"


def test_new_bare_import_rebundles_and_reloads(running: Running, project: Path,
                                               browser_context: BrowserContext) -> None:
    link = Counting()
    running.start(link)
    page = browser_context.new_page()
    try:
        console, _ = _load(page, running.url, "react ready")
        (project / "later.js").write_text(
            'import { unstable_now } from "scheduler";\n'
            'console.log("later " + typeof unstable_now());\n')
        page.locator("#later").click()
        console.wait_for("later number")  # served unbundled at first
        console.wait_for("react ready", count=2)  # the full reload once it is bundled
        assert link.calls == 2
        meta = read_metadata(project / DEPS_DIR)
        assert meta is not None and "scheduler" in meta.optimized and "react" in meta.optimized
        page.locator("#later").click()
        console.wait_for("later number", count=2)
        served = page.evaluate("fetch('/later.js').then((r) => r.text())")
        assert f"/node_modules/.shaker/deps/scheduler.js?v={meta.browser_hash}" in served
    finally:
        page.close()
