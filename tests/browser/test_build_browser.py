"""Built pages in a real Chromium, served by ``shaker preview``: production behaviour only.

The seed example must log its production branch and never touch the dev server's client or
open a WebSocket.  The npm example installs small ESM packages from the registry (once, into a
cache outside the repository) and must build and run: ``nanoid`` through its ``browser``
export condition, ``dequal/lite`` through a subpath export with the ``import`` condition.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import ConsoleLog, LoopThread, free_port
from playwright.sync_api import Page

from shaker.build.project import BuildOptions, build
from shaker.preview import PreviewServer

pytestmark = pytest.mark.browser

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed"
NPM_PACKAGES = ("nanoid@6.0.2", "dequal@2.0.3")
CACHE = Path(os.environ.get("SHAKER_TEST_CACHE", "~/.cache/shaker-tests")).expanduser()
UNREACHABLE = "npm registry unreachable: the npm-package example was not built"


@pytest.fixture
def preview(server_loop: LoopThread) -> Iterator[Callable[[Path], str]]:
    """``preview(dist)`` serves a built directory and returns its URL."""
    servers: list[PreviewServer] = []

    def start(dist: Path) -> str:
        server = PreviewServer(dist, host="localhost", port=free_port(), strict_port=True)
        server_loop.run(server.start())
        servers.append(server)
        return server.local[0]

    yield start
    for server in servers:
        server_loop.run(server.close())


def watch_network(page: Page) -> tuple[list[str], list[str]]:
    requests: list[str] = []
    sockets: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("websocket", lambda socket: sockets.append(socket.url))
    return requests, sockets


def test_built_seed_runs_its_production_branch(
        tmp_path: Path, page: Page, console: ConsoleLog,
        preview: Callable[[Path], str]) -> None:
    result = build(SEED, BuildOptions(outdir=str(tmp_path / "dist")))
    for f in result.files:
        assert b"import.meta.hot" not in (result.outdir / f.path).read_bytes(), f.path
    requests, sockets = watch_network(page)
    page.goto(preview(result.outdir))
    console.wait_for("📦 Production build - no HMR")
    texts = console.texts
    assert texts.index("🚀 Application starting...") < texts.index("📦 Production build - no HMR")
    assert not any("HMR is available" in t or "[shaker]" in t for t in texts)
    assert page.locator("h1").inner_text() == "Vite WebSocket Communication"
    assert not any("/@shaker/" in url for url in requests), requests
    assert sockets == []
    assert console.page_errors == []


def _registry_reachable() -> bool:
    try:
        out = subprocess.run(["npm", "view", NPM_PACKAGES[0], "version"], capture_output=True,
                             text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0


def npm_packages() -> Path:
    """``node_modules`` with the pinned packages, installed once into the cache."""
    if shutil.which("npm") is None:
        pytest.skip("npm not found: the npm-package example was not built")
    key = hashlib.sha256(" ".join(NPM_PACKAGES).encode()).hexdigest()[:12]
    prefix = CACHE / f"npm-example-{key}"
    if (prefix / "node_modules").is_dir():
        return prefix / "node_modules"
    prefix.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=prefix.name + ".tmp-", dir=prefix.parent))
    try:
        done = subprocess.run(["npm", "install", "--prefix", str(tmp), "--no-audit",
                               "--no-fund", "--save-exact", *NPM_PACKAGES],
                              capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            if not _registry_reachable():
                pytest.skip(UNREACHABLE)
            pytest.fail(f"npm install {' '.join(NPM_PACKAGES)} failed:\n{done.stderr}")
        tmp.rename(prefix)
    except subprocess.TimeoutExpired:
        pytest.skip(UNREACHABLE)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return prefix / "node_modules"


NPM_APP = {
    "index.html": ('<!doctype html><html><head><meta charset="utf-8"></head><body>'
                   '<p id="out"></p><script type="module" src="/src/main.js"></script>'
                   "</body></html>"),
    "src/main.js": (
        'import { nanoid } from "nanoid";\n'
        'import { dequal } from "dequal/lite";\n'
        'import "./app.css";\n'
        "const id = nanoid();\n"
        'console.log("id length", id.length);\n'
        'console.log("deep equal", dequal({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }));\n'
        'document.getElementById("out").textContent = id;\n'
        "if (import.meta.hot) { import.meta.hot.accept() }\n"),
    "src/app.css": "#out { color: rgb(0, 128, 0) }\n",
}


def test_an_app_using_npm_packages_builds_and_runs(
        tmp_path: Path, page: Page, console: ConsoleLog,
        preview: Callable[[Path], str]) -> None:
    modules = npm_packages()
    root = tmp_path / "app"
    for name, text in NPM_APP.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "node_modules").symlink_to(modules, target_is_directory=True)
    result = build(root, BuildOptions(manifest=True))
    outputs = {f.path: (result.outdir / f.path).read_text() for f in result.files
               if f.path.endswith(".js")}
    assert any("crypto.getRandomValues" in code for code in outputs.values())  # the browser build
    assert not any("import.meta.hot" in code for code in outputs.values())
    requests, sockets = watch_network(page)
    page.goto(preview(result.outdir))
    console.wait_for("deep equal true")
    assert "id length 21" in console.texts
    assert len(page.locator("#out").inner_text()) == 21
    assert page.locator("#out").evaluate("e => getComputedStyle(e).color") == "rgb(0, 128, 0)"
    assert console.page_errors == [] and sockets == []
    assert not any("/node_modules/" in url for url in requests)


def test_chunks_share_code_and_a_lazy_chunk_loads_its_css(
        tmp_path: Path, page: Page, console: ConsoleLog,
        preview: Callable[[Path], str]) -> None:
    """Bundled: a page, a shared module, and a chunk reached by import() whose two
    stylesheets are one file that the chunk links before its code runs."""
    root = tmp_path / "app"
    files = {
        "index.html": ('<!doctype html><html><head></head><body><p id="a">a</p>'
                       '<p id="b">b</p><script type="module" src="/main.js"></script>'
                       "</body></html>"),
        "main.js": ('import { label } from "./shared.js";\n'
                    'import "./base.css";\n'
                    'console.log(label("main"));\n'
                    'import("./lazy.js").then((lazy) => console.log(lazy.run()));\n'),
        "shared.js": 'export const label = (x) => `shared ${x}`;\n',
        "lazy.js": ('import { label } from "./shared.js";\nimport "./a.css";\n'
                    'import "./b.css";\nexport function run() {\n'
                    '  const a = getComputedStyle(document.getElementById("a")).color;\n'
                    '  const b = getComputedStyle(document.getElementById("b")).color;\n'
                    '  return `${label("lazy")} ${a} ${b}`;\n}\n'),
        "base.css": "body { margin: 0 }\n",
        "a.css": "#a { color: rgb(255, 0, 0) }\n",
        "b.css": "#b { color: rgb(0, 0, 255) }\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    result = build(root, BuildOptions(manifest=True))
    assert sorted(f.kind for f in result.files if f.kind in ("js", "css")) == \
        ["css", "css", "js", "js"]  # main + lazy chunks (shared.js is in main's), 2 CSS files
    page.goto(preview(result.outdir))
    console.wait_for("shared lazy rgb(255, 0, 0) rgb(0, 0, 255)")
    assert "shared main" in console.texts and console.page_errors == []


def test_an_inline_module_script_is_linked_into_a_chunk_of_its_page(
        tmp_path: Path, page: Page, console: ConsoleLog,
        preview: Callable[[Path], str]) -> None:
    root = tmp_path / "app"
    files = {
        "index.html": ('<!doctype html><html><head></head><body>'
                       '<script type="module">\nimport { a } from "./src/a.js";\n'
                       'console.log("inline", a, import.meta.url.includes("/assets/"));\n'
                       "</script></body></html>"),
        "src/a.js": 'export const a = "A";\nexport const unused = "U";\n',
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    result = build(root, BuildOptions())
    html = (result.outdir / "index.html").read_text()
    [chunk] = [f.path for f in result.files if f.kind == "js"]
    assert chunk.startswith("assets/index-")  # named after its page, as Vite does
    assert f'<script type="module">import "/{chunk}";\n</script>' in html
    assert "unused" not in (result.outdir / chunk).read_text()
    page.goto(preview(result.outdir))
    console.wait_for("inline A true")
    assert console.page_errors == []
