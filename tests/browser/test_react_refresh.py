"""React 19 + TypeScript under ``shaker dev``: Fast Refresh keeps state, remounts on a hook
change, and reloads (with the reason) when a module stops being a refresh boundary; a Preact +
TSX app; and the same React app built and previewed.

Uses the npm package matrix's cached install (react, react-dom, react-refresh, preact), the
real dev server in-process, and Chromium.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import LoopThread
from npm_matrix import npm_project
from page_runs import Servers
from playwright.sync_api import BrowserContext, Page

from shaker.build.project import BuildOptions, build
from shaker.config import Config

pytestmark = [pytest.mark.network, pytest.mark.browser]
WAIT_MS = 10_000

INDEX_HTML = """<!doctype html><html><head><link rel="icon" href="data:,"></head>
<body><div id="root"></div><script type="module" src="./main.tsx"></script></body></html>"""
MAIN_TSX = """import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";

createRoot(document.getElementById("root")!).render(<App label="count" />);
"""
APP_TSX = """import { useState } from "react";
import { Title } from "./Title";

type Props = { label: string };

export function App({ label }: Props) {
  const [n, setN] = useState<number>(0);
  return (
    <main>
      <Title />
      <button id="b" onClick={() => setN(n + 1)}>{label} {n}</button>
    </main>
  );
}
"""
TITLE_TSX = """export function Title() {
  return <h1 id="t">hello</h1>;
}
"""
PREACT_TSX = """/** @jsxImportSource preact */
import { render } from "preact";
import { useState } from "preact/hooks";

function Counter({ start }: { start: number }) {
  const [n, setN] = useState(start);
  return <button id="b" onClick={() => setN(n + 1)}>preact {n}</button>;
}

render(<Counter start={1} />, document.getElementById("root")!);
"""


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A fresh app inside the installed project: (its folder, its page path)."""
    project = npm_project(())
    folder = project / "apps" / f"refresh-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    (folder / "index.html").write_text(INDEX_HTML)
    (folder / "main.tsx").write_text(MAIN_TSX)
    (folder / "App.tsx").write_text(APP_TSX)
    (folder / "Title.tsx").write_text(TITLE_TSX)
    yield folder, "/" + folder.relative_to(project).as_posix() + "/"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def servers(server_loop: LoopThread) -> Iterator[Servers]:
    started = Servers(server_loop)
    yield started
    started.close()


def _open(context: BrowserContext, url: str, console: list[str]) -> Page:
    page = context.new_page()
    page.on("console", lambda m: console.append(m.text))
    page.on("pageerror", lambda e: console.append(f"pageerror {e}"))
    page.goto(url)
    page.wait_for_selector("#b", timeout=WAIT_MS)
    return page


def test_fast_refresh_keeps_state_remounts_and_reloads(
        app: tuple[Path, str], browser_context: BrowserContext, servers: Servers) -> None:
    folder, page_path = app
    console: list[str] = []
    page = _open(browser_context, servers.dev(folder.parents[1], Config()) + page_path[1:],
                 console)
    page.click("#b")
    page.click("#b")
    page.evaluate("window.__same = true")
    assert page.text_content("#b") == "count 2"

    (folder / "Title.tsx").write_text(TITLE_TSX.replace("hello", "hello again"))
    page.wait_for_function("document.getElementById('t').textContent === 'hello again'",
                           timeout=WAIT_MS)
    assert page.text_content("#b") == "count 2"  # JSX edit: state kept, no reload
    assert page.evaluate("window.__same") is True

    (folder / "App.tsx").write_text(APP_TSX.replace(
        "useState<number>(0);", "useState<number>(0);\n  const [m] = useState(5);").replace(
        "{label} {n}", "{label} {n + m - 5}"))
    page.wait_for_function("document.getElementById('b').textContent === 'count 0'",
                           timeout=WAIT_MS)
    assert page.evaluate("window.__same") is True  # hook list changed: remounted, no reload

    (folder / "App.tsx").write_text(APP_TSX + 'export const VERSION = "2";\n')
    page.wait_for_function("window.__same === undefined", timeout=WAIT_MS)  # reloaded
    page.wait_for_selector("#b", timeout=WAIT_MS)
    assert any("Could not Fast Refresh" in line for line in console), console
    assert not [line for line in console if line.startswith("pageerror")], console


def test_preact_tsx_app_runs_in_dev(app: tuple[Path, str], browser_context: BrowserContext,
                                    servers: Servers) -> None:
    folder, page_path = app
    (folder / "main.tsx").write_text(PREACT_TSX)
    console: list[str] = []
    page = _open(browser_context, servers.dev(folder.parents[1], Config()) + page_path[1:],
                 console)
    page.click("#b")
    page.wait_for_function("document.getElementById('b').textContent === 'preact 2'",
                           timeout=WAIT_MS)
    assert not [line for line in console if line.startswith("pageerror")], console


def test_react_typescript_app_builds_and_runs(
        app: tuple[Path, str], browser_context: BrowserContext, servers: Servers,
        tmp_path: Path) -> None:
    folder, page_path = app
    result = build(folder.parents[1], BuildOptions(outdir=str(tmp_path / "dist"),
                                                   entries=(page_path[1:] + "index.html",)))
    console: list[str] = []
    page = _open(browser_context, servers.preview(result.outdir, "/") + page_path[1:], console)
    page.click("#b")
    assert page.text_content("#b") == "count 1" and page.text_content("#t") == "hello"
    assert not [line for line in console if line.startswith("pageerror")], console
