"""Save-to-paint of a React component edit: ``shaker dev`` against Vite 8 + plugin-react.

    python bench/react_refresh.py [--edits 20]

One React 19 app (``App.jsx`` renders ``#hot``), written twice so each server watches its own
copy; React, react-dom, react-refresh, Vite and @vitejs/plugin-react are installed once, at
pinned versions, into the bench cache. With both pages loaded in headless Chromium, the bench
rewrites ``App.jsx`` and stops the clock when ``#hot`` shows the new text (Fast Refresh on
both sides: the component re-renders in place). The median and p90 of ``--edits`` edits per
server, alternating, after two warm-up edits. Target: shaker ≤ Vite (ratio ≤ 1.0), printed as
PASS or MISS; exit 1 on a MISS with ``--strict``, 2 when the setup failed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _cache import CACHE, BenchSetupError, ensure_npm_tool
from hmr import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PAUSE_BETWEEN_EDITS,
    READY_PROBE,
    VITE_VERSION,
    WAIT_MS,
    WARMUP_EDITS,
    Tool,
    edit_to_paint,
    free_port,
    median,
    missing_browser,
    p90,
    running,
    shaker_command,
    verdict,
    vite_tools,
)
from react_start import INDEX_HTML, REACT_VERSION

PLUGIN_REACT_VERSION = "6.3.0"
REFRESH_VERSION = "0.18.0"
TARGET = 1.0
MAIN_JSX = """import { createRoot } from "react-dom/client";
import App from "./App.jsx";

createRoot(document.getElementById("root")).render(<App />);
"""
APP_JSX = """import {{ useState }} from "react";

export default function App() {{
  const [n] = useState(1);
  return (
    <div>
      <p id="app">ready {{n}}</p>
      <p id="hot">{text}</p>
    </div>
  );
}}
"""
VITE_CONFIG = """import react from "@vitejs/plugin-react";
export default { plugins: [react()] };
"""


def react_app(path: Path, vite: bool) -> Path:
    """The app at ``path`` with its own node_modules (each server caches per app)."""
    installs = [ensure_npm_tool("react", REACT_VERSION), ensure_npm_tool("react-dom",
                REACT_VERSION), ensure_npm_tool("react-refresh", REFRESH_VERSION)]
    if vite:
        installs.append(ensure_npm_tool("@vitejs/plugin-react", PLUGIN_REACT_VERSION))
        (path / "vite.config.js").parent.mkdir(parents=True, exist_ok=True)
        (path / "vite.config.js").write_text(VITE_CONFIG, encoding="utf-8")
    path.mkdir(parents=True, exist_ok=True)
    (path / "index.html").write_text(INDEX_HTML.replace("/main.js", "/main.jsx"),
                                     encoding="utf-8")
    (path / "main.jsx").write_text(MAIN_JSX, encoding="utf-8")
    write_app(path, 0)
    modules = path / "node_modules"
    for package in installs:
        tree = package.parent.parent if package.parent.name.startswith("@") else package.parent
        for entry in tree.iterdir():
            if not entry.name.startswith(".") and not (modules / entry.name).exists():
                shutil.copytree(entry, modules / entry.name, symlinks=True)
    return path


def text(version: int) -> str:
    return f"edit {version}"


def write_app(path: Path, version: int) -> None:
    (path / "App.jsx").write_text(APP_JSX.format(text=text(version)), encoding="utf-8")


def latency(page: object, app: Path, version: int) -> float:
    """ms from writing ``App.jsx`` to ``#hot`` showing its new text."""
    return edit_to_paint(page, text(version), lambda: write_app(app, version))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    problem = missing_browser("bench/react_refresh.py")
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="shaker-bench-refresh-", dir=CACHE.parent))
    try:
        vite = ensure_npm_tool("vite", VITE_VERSION)
        tools = [
            Tool("shaker", react_app(work / "app-shaker", False), free_port(), shaker_command),
            Tool("vite", react_app(work / "app-vite", True), free_port(), vite_tools(vite),
                 env={"BROWSER": "none", "NO_COLOR": "1"}),
        ]
        logs = work / "logs"
        logs.mkdir()
        results: dict[str, list[float]] = {t.name: [] for t in tools}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS)
            try:
                with running(tools[0], logs), running(tools[1], logs):
                    pages = {}
                    for tool in tools:
                        context = browser.new_context()
                        context.add_init_script(READY_PROBE)
                        page = context.new_page()
                        page.goto(tool.url)
                        page.wait_for_function("window.__readyAt !== undefined",
                                               timeout=WAIT_MS)
                        pages[tool.name] = page
                    for edit in range(WARMUP_EDITS + args.edits):
                        for tool in tools if edit % 2 == 0 else tools[::-1]:
                            try:
                                ms = latency(pages[tool.name], tool.app, edit + 1)
                            except Exception as exc:
                                raise BenchSetupError(f"{tool.name}, edit {edit + 1}: {exc}; "
                                                      f"see {logs}") from exc
                            if edit >= WARMUP_EDITS:
                                results[tool.name].append(ms)
                            time.sleep(PAUSE_BETWEEN_EDITS)
            finally:
                browser.close()
    except BenchSetupError as exc:
        print(f"bench setup failed: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)
    shaker, vite_ms = median(results["shaker"]), median(results["vite"])
    print(f"React {REACT_VERSION} component edit → paint (Fast Refresh), {args.edits} edits")
    print(f"  shaker dev                       median {shaker:6.1f} ms, p90 "
          f"{p90(results['shaker']):6.1f} ms")
    print(f"  vite {VITE_VERSION} + plugin-react {PLUGIN_REACT_VERSION}  median "
          f"{vite_ms:6.1f} ms, p90 {p90(results['vite']):6.1f} ms")
    result = verdict(shaker / vite_ms, TARGET)
    print(f"  ratio {shaker / vite_ms:.2f}× (target ≤ {TARGET:.2f}×): {result}")
    return 1 if args.strict and result == "MISS" else 0


if __name__ == "__main__":
    sys.exit(main())
