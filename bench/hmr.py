"""HMR latency and cold start of ``shaker dev`` against Vite 8, on the same app, in one run.

    python bench/hmr.py [--modules 1000] [--edits 20] [--cold-runs 5] [--quick] [--strict]

The app comes from ``app_gen.py`` (N plain ES modules; ``src/hot.js`` accepts its own updates),
written twice so that each server watches its own copy. Vite is installed once, at a pinned
version, from the npm registry into the bench cache (``_cache.ensure_npm_tool``). Both servers
listen on loopback; headless Chromium (Debian's, through Playwright) drives both.

- **Cold start**: spawn the server, wait until its port accepts connections, open the page in a
  fresh browser context (empty cache) and stop the clock when ``#app`` shows ``ready …``, which
  happens once every module has been fetched and run. Reported as the total (spawn → render) and
  its two parts; the median of ``--cold-runs`` runs, alternating which server goes first.
- **HMR latency**: with both pages loaded, rewrite ``src/hot.js`` and stop the clock when
  ``#hot`` shows the new text (a MutationObserver timestamps it in the page; the page's clock is
  aligned with ours around each edit). The median (and p90) of ``--edits`` edits per server,
  alternating, after two warm-up edits each.

Targets: HMR latency ≤ Vite's (ratio ≤ 1.0); cold start ≤ 1.5 × Vite's, each printed as PASS or
MISS. Exit status 1 on a MISS with ``--strict`` (else 0), 2 when the setup failed (no node/npm,
no registry, no Chromium).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from _cache import CACHE, BenchSetupError, ensure_npm_tool, shaker_cmd
from app_gen import READY_PREFIX, generate_app, hot_text, write_hot

VITE_VERSION = "8.3.8"
"""Pinned: ``npm view vite version`` on the day this bench was written."""
HMR_TARGET = 1.0
COLD_TARGET = 1.5
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
READY_TIMEOUT = 60.0
WAIT_MS = 60_000
WARMUP_EDITS = 2
PAUSE_BETWEEN_EDITS = 0.1

# Runs in every page before its scripts: timestamps the first render of the app.
READY_PROBE = """
(() => {
  const check = () => {
    const app = document.getElementById('app');
    if (window.__readyAt === undefined && app && app.textContent.startsWith(READY_PREFIX)) {
      window.__readyAt = performance.now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true, characterData: true });
})();
""".replace("READY_PREFIX", repr(READY_PREFIX))

# Arms a promise that resolves with the wall-clock time at which #hot shows `text`.
ARM_HMR_PROBE = """(text) => {
  const el = document.getElementById('hot');
  window.__hmrDone = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`#hot never showed ${text}`)), 30000);
    const observer = new MutationObserver(() => {
      if (el.textContent !== text) return;
      const at = performance.timeOrigin + performance.now();
      observer.disconnect();
      clearTimeout(timer);
      resolve(at);
    });
    observer.observe(el, { childList: true, subtree: true, characterData: true });
  });
}"""
PAGE_NOW = "performance.timeOrigin + performance.now()"


@dataclass
class Tool:
    """One dev server under test."""

    name: str
    app: Path
    port: int
    command: Callable[[Path, int], list[str]]
    before_cold: Callable[[Path], None] = lambda app: None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.05)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def running(tool: Tool, log_dir: Path) -> Iterator[float]:
    """Start ``tool``'s server; yield the seconds from spawn to an accepting port."""
    log = open(log_dir / f"{tool.name}.log", "a")  # noqa: SIM115 - closed below
    started = time.perf_counter()
    proc = subprocess.Popen(
        tool.command(tool.app, tool.port),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **tool.env},
        start_new_session=True,  # its own process group: stopping it stops its workers
    )
    try:
        while not port_open(tool.port):
            if proc.poll() is not None:
                raise BenchSetupError(
                    f"{tool.name} exited with {proc.returncode}; see {log_dir / tool.name}.log"
                )
            if time.perf_counter() - started > READY_TIMEOUT:
                raise BenchSetupError(f"{tool.name} did not listen within {READY_TIMEOUT} s")
            time.sleep(0.005)
        yield time.perf_counter() - started
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def cold_start(browser: object, tool: Tool, log_dir: Path) -> tuple[float, float, float]:
    """(total, server ready, page load) in ms for one cold start."""
    tool.before_cold(tool.app)
    spawned = time.perf_counter()
    with running(tool, log_dir) as ready_s:
        context = browser.new_context()  # type: ignore[attr-defined]
        try:
            context.add_init_script(READY_PROBE)
            page = context.new_page()
            navigation = time.perf_counter()
            page.goto(tool.url, wait_until="commit")
            page.wait_for_function("window.__readyAt !== undefined", timeout=WAIT_MS)
            load_ms = float(page.evaluate("window.__readyAt"))
            text = page.text_content("#app") or ""
            if not text.startswith(READY_PREFIX):
                raise BenchSetupError(f"{tool.name}: the app rendered {text!r}")
        finally:
            context.close()
    total = (navigation - spawned) * 1000 + load_ms
    return total, ready_s * 1000, load_ms


def hmr_latency(page: object, tool: Tool, version: int) -> float:
    """ms from writing ``src/hot.js`` to ``#hot`` showing its new text."""
    return edit_to_paint(page, hot_text(version), lambda: write_hot(tool.app, version))


def edit_to_paint(page: object, text: str, edit: Callable[[], None]) -> float:
    """ms from ``edit()`` (a file write) to ``#hot`` showing ``text``, the page's clock
    aligned with ours around the edit."""
    page.evaluate(ARM_HMR_PROBE, text)  # type: ignore[attr-defined]
    before = time.time() * 1000
    page_now = float(page.evaluate(PAGE_NOW))  # type: ignore[attr-defined]
    after = time.time() * 1000
    offset = page_now - (before + after) / 2  # page clock minus ours
    written = time.time() * 1000
    edit()
    shown = float(page.evaluate("window.__hmrDone"))  # type: ignore[attr-defined]
    return shown - offset - written


def vite_tools(vite: Path) -> Callable[[Path, int], list[str]]:
    def command(app: Path, port: int) -> list[str]:
        return [
            "node",
            str(vite / "bin" / "vite.js"),
            str(app),
            "--port",
            str(port),
            "--strictPort",
            "--host",
            "127.0.0.1",
            "--force",
            "--clearScreen",
            "false",
        ]

    return command


def shaker_command(app: Path, port: int) -> list[str]:
    return [
        *shaker_cmd(),
        "dev",
        str(app),
        "--port",
        str(port),
        "--strict-port",
        "--host",
        "127.0.0.1",
    ]


def clear_vite_cache(app: Path) -> None:
    shutil.rmtree(app / "node_modules", ignore_errors=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def missing_browser(bench: str) -> str | None:
    """Why ``bench`` cannot drive Chromium here (no Playwright, Chromium or node), or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"{bench} needs Playwright for Python (pip install playwright)"
    if not Path(CHROMIUM).exists() or shutil.which("node") is None:
        return f"{bench} needs {CHROMIUM} and node"
    return None


def verdict(ratio: float, target: float) -> str:
    return "PASS" if ratio <= target else "MISS"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="200 modules, 6 edits, 2 cold runs")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.quick:
        args.modules, args.edits, args.cold_runs = 200, 6, 2

    problem = missing_browser("bench/hmr.py")
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    try:
        vite = ensure_npm_tool("vite", VITE_VERSION)
    except BenchSetupError as exc:
        print(f"cannot install vite@{VITE_VERSION}: {exc}", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="shaker-bench-hmr-"))
    try:
        tools = [
            Tool(
                "shaker",
                generate_app(work / "app-shaker", args.modules),
                free_port(),
                shaker_command,
            ),
            Tool(
                "vite",
                generate_app(work / "app-vite", args.modules),
                free_port(),
                vite_tools(vite),
                before_cold=clear_vite_cache,
                env={"BROWSER": "none", "NO_COLOR": "1"},
            ),
        ]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                return run(browser, tools, args, work)
            finally:
                browser.close()
    except BenchSetupError as exc:
        print(f"bench setup failed: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(browser: object, tools: list[Tool], args: argparse.Namespace, work: Path) -> int:
    logs = work / "logs"
    logs.mkdir()
    names = [t.name for t in tools]
    print(
        f"hmr bench: {args.modules} modules, {args.edits} edits, {args.cold_runs} cold runs; "
        f"vite {VITE_VERSION} (cache {CACHE}), Chromium {browser.version}, "  # type: ignore[attr-defined]
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.2f}",
        flush=True,
    )

    cold: dict[str, list[tuple[float, float, float]]] = {n: [] for n in names}
    for run_index in range(args.cold_runs):
        order = tools if run_index % 2 == 0 else tools[::-1]
        for tool in order:
            cold[tool.name].append(cold_start(browser, tool, logs))
            write_hot(tool.app, 0)

    latencies: dict[str, list[float]] = {n: [] for n in names}
    with running(tools[0], logs), running(tools[1], logs):
        contexts, pages = [], {}
        for tool in tools:
            context = browser.new_context()  # type: ignore[attr-defined]
            context.add_init_script(READY_PROBE)
            page = context.new_page()
            page.goto(tool.url)
            page.wait_for_function("window.__readyAt !== undefined", timeout=WAIT_MS)
            contexts.append(context)
            pages[tool.name] = page
        for edit in range(WARMUP_EDITS + args.edits):
            version = edit + 1
            order = tools if edit % 2 == 0 else tools[::-1]
            for tool in order:
                latency = hmr_latency(pages[tool.name], tool, version)
                if edit >= WARMUP_EDITS:
                    latencies[tool.name].append(latency)
                time.sleep(PAUSE_BETWEEN_EDITS)
        for context in contexts:
            context.close()

    def row(label: str, values: dict[str, float], target: float | None = None) -> str:
        a, b = values[names[0]], values[names[1]]
        ratio = a / b if b else float("inf")
        check = f"  {verdict(ratio, target)} (≤ {target:g}×)" if target is not None else ""
        return f"  {label:<34} {a:>9.1f} {b:>9.1f} {ratio:>7.2f}×{check}"

    cold_total = {n: median([c[0] for c in cold[n]]) for n in names}
    cold_ready = {n: median([c[1] for c in cold[n]]) for n in names}
    cold_load = {n: median([c[2] for c in cold[n]]) for n in names}
    hmr_median = {n: median(latencies[n]) for n in names}
    hmr_p90 = {n: p90(latencies[n]) for n in names}
    hmr_ratio = hmr_median[names[0]] / hmr_median[names[1]]
    cold_ratio = cold_total[names[0]] / cold_total[names[1]]

    print()
    print(f"  {'ms (median)':<34} {names[0]:>9} {names[1]:>9} {'ratio':>8}")
    print(row("HMR latency, write → DOM", hmr_median, HMR_TARGET))
    print(row("HMR latency, p90", hmr_p90))
    print(row("cold start, spawn → first render", cold_total, COLD_TARGET))
    print(row("  server listening", cold_ready))
    print(row("  navigation → first render", cold_load))
    print()
    for name in names:
        samples = ", ".join(f"{v:.0f}" for v in latencies[name])
        print(f"  {name} HMR samples (ms): {samples}")
    print(f"  machine load after the run: {os.getloadavg()[0]:.2f}")
    missed = [
        what
        for what, ok in (
            ("HMR latency", hmr_ratio <= HMR_TARGET),
            ("cold start", cold_ratio <= COLD_TARGET),
        )
        if not ok
    ]
    print(f"\n  result: {'PASS' if not missed else 'MISS: ' + ', '.join(missed)}")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
