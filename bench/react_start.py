"""Cold dev start and first page load of a React 19 app: ``shaker dev`` against Vite 8.

    python bench/react_start.py [--runs 5] [--strict]

The app is a counter rendered with ``react-dom/client`` (React is CommonJS: shaker converts
it per file in its pipeline, Vite pre-bundles it with its optimizer; Vite runs with
``--force`` and an emptied ``node_modules/.vite``, so both start cold). React, react-dom and
Vite are installed once, at pinned versions, into the bench cache. The clock runs from
spawning the server to ``#app`` showing ``ready …`` in headless Chromium (a fresh browser
context, so an empty HTTP cache): the median of ``--runs`` runs, alternating which server goes
first. Target: shaker ≤ Vite (ratio ≤ 1.0), printed as PASS or MISS; exit 1 on a MISS with
``--strict``, 2 when the setup failed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from _cache import CACHE, BenchSetupError, ensure_npm_tool
from app_gen import READY_PREFIX
from hmr import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VITE_VERSION,
    Tool,
    cold_start,
    free_port,
    median,
    missing_browser,
    shaker_command,
    verdict,
    vite_tools,
)

REACT_VERSION = "19.1.0"
TARGET = 1.0
INDEX_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>react</title></head>
<body><div id="root"></div><script type="module" src="/main.js"></script></body></html>
"""
MAIN_JS = """import React, {{ useEffect, useState }} from "react";
import {{ createRoot }} from "react-dom/client";

function App() {{
  const [count, setCount] = useState(0);
  useEffect(() => setCount(1), []);
  return React.createElement("div", {{ id: "app" }},
    count ? "{ready}" + count : "starting");
}}

createRoot(document.getElementById("root")).render(React.createElement(App));
"""


def react_app(path: Path) -> Path:
    """The app at ``path``, with its own copy of React from the cache (Vite caches per app)."""
    react = ensure_npm_tool("react", REACT_VERSION).parent
    dom = ensure_npm_tool("react-dom", REACT_VERSION).parent
    path.mkdir(parents=True)
    (path / "index.html").write_text(INDEX_HTML, encoding="utf-8")
    (path / "main.js").write_text(MAIN_JS.format(ready=READY_PREFIX), encoding="utf-8")
    modules = path / "node_modules"
    for installed in (react, dom):
        for package in installed.iterdir():
            if not (modules / package.name).exists() and not package.name.startswith("."):
                shutil.copytree(package, modules / package.name, symlinks=True)
    return path


def empty_vite_cache(app: Path) -> None:
    shutil.rmtree(app / "node_modules" / ".vite", ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    problem = missing_browser("bench/react_start.py")
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="shaker-bench-react-", dir=CACHE.parent))
    try:
        vite = ensure_npm_tool("vite", VITE_VERSION)
        tools = [
            Tool("shaker", react_app(work / "app-shaker"), free_port(), shaker_command),
            Tool("vite", react_app(work / "app-vite"), free_port(), vite_tools(vite),
                 before_cold=empty_vite_cache, env={"BROWSER": "none", "NO_COLOR": "1"}),
        ]
        totals: dict[str, list[float]] = {t.name: [] for t in tools}
        parts: dict[str, list[tuple[float, float]]] = {t.name: [] for t in tools}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS)
            try:
                for run in range(args.runs):
                    for tool in tools if run % 2 == 0 else tools[::-1]:
                        total, ready, load = cold_start(browser, tool, work)
                        totals[tool.name].append(total)
                        parts[tool.name].append((ready, load))
            finally:
                browser.close()
    except BenchSetupError as exc:
        print(f"bench setup failed: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)
    shaker, vite_ms = median(totals["shaker"]), median(totals["vite"])
    ratio = shaker / vite_ms
    print(f"React {REACT_VERSION} cold dev start → first render, median of {args.runs} runs")
    for name, label in (("shaker", "shaker dev "), ("vite", f"vite {VITE_VERSION}")):
        ready = median([r for r, _ in parts[name]])
        load = median([b for _, b in parts[name]])
        print(f"  {label} {median(totals[name]):8.0f} ms   (server listening {ready:.0f} ms, "
              f"page {load:.0f} ms; runs: " + ", ".join(f"{v:.0f}" for v in totals[name]) + ")")
    result = verdict(ratio, TARGET)
    print(f"  ratio {ratio:.2f}× (target ≤ {TARGET:.2f}×): {result}")
    return 1 if args.strict and result == "MISS" else 0


if __name__ == "__main__":
    sys.exit(main())
