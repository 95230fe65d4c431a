"""The bundler's bench: output size, dev requests and build/dev-start time, against Vite 8 and
Rollup 4, every peer measured in the same run.

    python bench/bundle.py [--quick] [--rounds 3] [--runs 3] [--only size,requests,time]
                           [--strict]

- **Size**: every app of the npm package matrix (``tests/packages/apps/<name>/``, installed
  project from ``tests/packages/package.json``, the matrix's own cache and ``write_apps``), built
  four ways: ``shaker build`` (minified, the default; entry ``apps/<name>/index.html`` through a
  ``--config`` file), ``vite build`` of the same page (production; Vite's JS API with no config
  file), ``shaker build --no-minify``, and Rollup of the page's ``main.js`` (es format, treeshake
  default, no minification; node-resolve with ``browser: true`` and the exportConditions
  browser/module/import/default and ``preferBuiltins: false``, an unresolved import an error
  rather than an external; commonjs; replace ``process.env.NODE_ENV`` → ``"production"``).
  Per app: gzip -9 bytes summed over every emitted ``.js`` file, and the number of ``.js`` files.
  Targets, on the totals over the apps all four built: shaker ≤ 1.10× Vite, shaker-unminified
  ≤ 1.00× Rollup.
- **Requests**: a dev page importing ``lodash-es``, ``date-fns``, ``d3`` and ``three``
  (installed once into the bench cache, copied into each server's own app): the requests
  headless Chromium makes until ``load`` and network idle, against ``shaker dev`` and ``vite``
  (started with ``--force`` and an emptied ``node_modules/.vite``, so its first load includes
  its dependency optimisation). Each load is a fresh browser context (an empty HTTP cache); the
  second load, on the same server, is the warm one. Target: shaker ≤ Vite + 2, on both loads.
- **Time**: ``shaker build`` against ``vite build`` of the generated 1,000- and 3,000-module apps
  (``app_gen.py``; the timing is ``build.py``'s ``compare_builds``), target ≤ 1.0× Vite; and a
  warm dev start of the page above (spawn → the page's ``load``, on a server started before so
  its caches are filled: Vite without ``--force``, its pre-bundled dependencies kept), median of
  ``--runs``, alternating which server goes first, target ≤ 1.0× Vite.

The header says whether this shaker bundles (``BuildOptions`` has a ``bundle`` field) or
writes one file per module. ``--quick``: six apps, the 1,000-module app only, one round, one
dev run. Exit status 1 on a failed shaker build (and with ``--strict`` on a MISS), 2 when the
setup failed (no node, npm, registry, Chromium or Playwright).
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _cache import BENCH_DIR, CACHE, BenchSetupError, ensure_npm_tool, ensure_npm_tools, shaker_cmd
from app_gen import READY_PREFIX, generate_app
from build import VITE_VERSION, compare_builds, print_table
from hmr import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Tool,
    free_port,
    median,
    missing_browser,
    running,
    shaker_command,
    verdict,
    vite_tools,
)

ROLLUP = {
    "rollup": "4.68.8",
    "@rollup/plugin-node-resolve": "16.0.3",
    "@rollup/plugin-commonjs": "29.0.3",
    "@rollup/plugin-replace": "6.0.3",
}
"""Pinned: ``npm view NAME version`` on the day this bench was written."""
PAGE_PACKAGES = {"lodash-es": "4.18.1", "date-fns": "4.4.0", "d3": "7.9.2", "three": "0.187.0"}
QUICK_APPS = ("clsx", "date-fns", "lodash-es", "preact", "react", "zod")
SIZE_TARGET = 1.10  # shaker / Vite, gzip JS, minified
UNMINIFIED_TARGET = 1.00  # shaker --no-minify / Rollup
REQUEST_SLACK = 2  # shaker ≤ Vite + 2 requests
BUILD_TARGET = 1.0
DEV_START_TARGET = 1.0
TIMEOUT = 900
WAIT_MS = 60_000
PEERS_SCRIPT = BENCH_DIR / "bundle-peers.mjs"
TESTS_BROWSER = BENCH_DIR.parent / "tests" / "browser"
SHAKER_CONFIG = """from shaker import Config
from shaker.config import BuildConfig

config = Config(build=BuildConfig(entries=({entry!r},)))
"""
PAGE_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>bundle</title></head>
<body><div id="app">loading</div><script type="module" src="/main.js"></script></body></html>
"""
PAGE_JS = """import { chunk } from "lodash-es";
import { format } from "date-fns";
import * as d3 from "d3";
import { Scene } from "three";

const scene = new Scene();
const parts = [chunk([1, 2, 3, 4], 2).length, format(new Date(2024, 0, 2), "yyyy"),
  d3.sum([1, 2, 3]), d3.scaleLinear().domain([0, 1]).range([0, 10])(0.5), scene.type];
document.getElementById("app").textContent = READY + parts.join(" ");
""".replace("READY", repr(READY_PREFIX))


def shaker_bundles() -> bool:
    """Whether this shaker's build bundles: ``BuildOptions`` has a ``bundle`` field."""
    from shaker.build.project import BuildOptions

    return "bundle" in {f.name for f in dataclasses.fields(BuildOptions)}


def ensure_rollup() -> Path:
    """The cached prefix holding Rollup and its three plugins."""
    return ensure_npm_tools("rollup", ROLLUP)


def run_peers(jobs: list[dict[str, object]], work: Path, *, rollup: Path | None = None,
              vite: Path | None = None) -> list[dict[str, object]]:
    """Run ``bundle-peers.mjs`` on ``jobs`` (one node process); one result per job."""
    spec = work / f"peers-{os.getpid()}-{time.monotonic_ns()}.json"
    spec.write_text(json.dumps({"rollup": rollup and str(rollup), "vite": vite and str(vite),
                                "jobs": jobs}), encoding="utf-8")
    try:
        done = subprocess.run(["node", str(PEERS_SCRIPT), str(spec)], capture_output=True,
                              text=True, timeout=TIMEOUT, check=False)
    finally:
        spec.unlink(missing_ok=True)
    if done.returncode != 0 or not done.stdout.strip():
        raise BenchSetupError(f"bundle-peers.mjs exited {done.returncode}:\n{done.stderr}")
    results: list[dict[str, object]] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


def js_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.js") if p.is_file())


def gzip_js(directory: Path) -> tuple[int, int]:
    """(gzip -9 bytes summed over every ``.js`` file, number of ``.js`` files)."""
    files = js_files(directory)
    return sum(len(gzip.compress(p.read_bytes(), 9, mtime=0)) for p in files), len(files)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" ({os.cpu_count()} cores)"


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")


# ---------------------------------------------------------------------------------------------
# Size
# ---------------------------------------------------------------------------------------------


SIDES = ("shaker", "vite", "shaker-unmin", "rollup")


@dataclass
class AppSize:
    name: str
    gzip: dict[str, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def _matrix():  # type: ignore[no-untyped-def]
    if str(TESTS_BROWSER) not in sys.path:
        sys.path.insert(0, str(TESTS_BROWSER))
    import npm_matrix

    return npm_matrix


def bench_size(names: tuple[str, ...], vite: Path, rollup: Path, work: Path) -> tuple[int, str]:
    """Build every app four ways, print the table; (shaker failures, verdict line)."""
    matrix = _matrix()
    try:
        project = matrix.ensure_install()
    except matrix.InstallError as exc:
        raise BenchSetupError(str(exc)) from exc
    apps = matrix.load_apps(*names)
    matrix.write_apps(project, apps)
    sizes = [AppSize(app.name) for app in apps]
    jobs: list[dict[str, object]] = []
    for app in apps:
        slug = app.name.replace("/", "+")
        jobs.append({"tool": "vite", "root": str(project), "outdir": str(work / slug / "vite"),
                     "input": str(project / app.page / "index.html")})
        jobs.append({"tool": "rollup", "input": str(project / app.page / "main.js"),
                     "outdir": str(work / slug / "rollup"), "commonjs": True})
    started = time.perf_counter()
    results = run_peers(jobs, work, rollup=rollup, vite=vite)
    peers_s = time.perf_counter() - started
    for index, result in enumerate(results):
        size, side = sizes[index // 2], ("vite", "rollup")[index % 2]
        if not result["ok"]:
            size.failed[side] = str(result["error"]).splitlines()[0]
    started = time.perf_counter()
    for app, size in zip(apps, sizes, strict=True):
        slug = app.name.replace("/", "+")
        config = work / slug / "shaker.config.py"
        config.write_text(SHAKER_CONFIG.format(entry=app.page + "index.html"), encoding="utf-8")
        for side, flags in (("shaker", []), ("shaker-unmin", ["--no-minify"])):
            out = work / slug / side
            done = subprocess.run(
                [*shaker_cmd(), "build", str(project), "--config", str(config), "--outdir",
                 str(out), *flags], capture_output=True, text=True, timeout=TIMEOUT, check=False)
            if done.returncode != 0:
                lines = (done.stderr or done.stdout).strip().splitlines() or ["?"]
                size.failed[side] = f"exit {done.returncode}: {lines[0]}"
    shaker_s = time.perf_counter() - started
    for app, size in zip(apps, sizes, strict=True):
        slug = app.name.replace("/", "+")
        for side in SIDES:
            if side not in size.failed:
                size.gzip[side], size.files[side] = gzip_js(work / slug / side)

    print(f"\n== size: gzip -9 bytes of every emitted .js file, {len(apps)} apps "
          f"(shaker builds {shaker_s:.0f} s, Vite + Rollup {peers_s:.0f} s)")
    print(f"  {'app':<26} {'shaker':>8} {'vite':>8} {'×vite':>6}  {'unmin':>8} {'rollup':>8} "
          f"{'×rollup':>7}   js files s/v/u/r")
    totals = dict.fromkeys(SIDES, 0)
    complete = 0
    for size in sizes:
        g, n = size.gzip, size.files
        cells = [f"{g[s]:>8}" if s in g else f"{'fail':>8}" for s in SIDES]
        by_vite = f"{_ratio(g['shaker'], g['vite']):>6.2f}" if {"shaker", "vite"} <= g.keys() \
            else f"{'-':>6}"
        by_rollup = (f"{_ratio(g['shaker-unmin'], g['rollup']):>7.2f}"
                     if {"shaker-unmin", "rollup"} <= g.keys() else f"{'-':>7}")
        counts = "/".join(str(n[s]) if s in n else "-" for s in SIDES)
        print(f"  {size.name:<26} {cells[0]} {cells[1]} {by_vite}  {cells[2]} {cells[3]} "
              f"{by_rollup}   {counts}")
        if not size.failed:
            complete += 1
            for side in SIDES:
                totals[side] += g[side]
    print(f"  {'total (' + str(complete) + ' apps)':<26} {totals['shaker']:>8} "
          f"{totals['vite']:>8} {_ratio(totals['shaker'], totals['vite']):>6.2f}  "
          f"{totals['shaker-unmin']:>8} {totals['rollup']:>8} "
          f"{_ratio(totals['shaker-unmin'], totals['rollup']):>7.2f}")
    failures = 0
    for size in sizes:
        for side, error in size.failed.items():
            failures += side.startswith("shaker")
            print(f"  {'PROBLEM' if side.startswith('shaker') else 'note'}: {size.name} "
                  f"[{side}] failed: {error[:200]}")
    by_vite = _ratio(totals["shaker"], totals["vite"])
    by_rollup = _ratio(totals["shaker-unmin"], totals["rollup"])
    lines = [
        f"size, shaker / Vite (minified, gzip JS, total): {by_vite:.2f}×  "
        f"target ≤ {SIZE_TARGET:.2f}×  {verdict(by_vite, SIZE_TARGET)}",
        f"size, shaker / Rollup (unminified, gzip JS, total): {by_rollup:.2f}×  "
        f"target ≤ {UNMINIFIED_TARGET:.2f}×  {verdict(by_rollup, UNMINIFIED_TARGET)}",
    ]
    for line in lines:
        print("  " + line)
    return failures, "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# The dev page: requests and warm start
# ---------------------------------------------------------------------------------------------


def page_app(path: Path, packages: Path) -> Path:
    """The four-package page at ``path``, with its own copy of the cached packages."""
    path.mkdir(parents=True)
    (path / "index.html").write_text(PAGE_HTML, encoding="utf-8")
    (path / "main.js").write_text(PAGE_JS, encoding="utf-8")
    shutil.copytree(packages / "node_modules", path / "node_modules", symlinks=True)
    return path


def vite_warm(vite: Path):  # type: ignore[no-untyped-def]
    """Vite's dev command without ``--force``: it keeps its pre-bundled dependencies."""
    cold = vite_tools(vite)

    def command(app: Path, port: int) -> list[str]:
        return [arg for arg in cold(app, port) if arg != "--force"]

    return command


def empty_vite_cache(app: Path) -> None:
    shutil.rmtree(app / "node_modules" / ".vite", ignore_errors=True)


def count_requests(browser: object, url: str) -> tuple[int, int]:
    """(requests, navigations) of one load, in a fresh context, until ``load`` and network
    idle; raises when the page did not render ``ready …``."""
    context = browser.new_context()  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        urls: list[str] = []
        navigations: list[object] = []
        page.on("request", lambda request: urls.append(request.url))
        page.on("framenavigated", lambda frame: navigations.append(frame)
                if frame == page.main_frame else None)
        page.goto(url, wait_until="load", timeout=WAIT_MS)
        page.wait_for_load_state("networkidle", timeout=WAIT_MS)
        page.wait_for_function(f"document.getElementById('app').textContent"
                               f".startsWith({READY_PREFIX!r})", timeout=WAIT_MS)
        return len(urls), len(navigations)
    finally:
        context.close()


def timed_start(browser: object, tool: Tool, logs: Path) -> float:
    """ms from spawning ``tool``'s server to the page's ``load`` (a fresh context)."""
    spawned = time.perf_counter()
    with running(tool, logs):
        context = browser.new_context()  # type: ignore[attr-defined]
        try:
            page = context.new_page()
            page.goto(tool.url, wait_until="load", timeout=WAIT_MS)
            loaded = time.perf_counter()
            page.wait_for_function(f"document.getElementById('app').textContent"
                                   f".startsWith({READY_PREFIX!r})", timeout=WAIT_MS)
        finally:
            context.close()
    return (loaded - spawned) * 1000


def bench_dev(browser: object, vite: Path, work: Path, runs: int,
              do_requests: bool, do_start: bool) -> list[str]:
    packages = ensure_npm_tools("bundle-page", PAGE_PACKAGES)
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    cold = [
        Tool("shaker", page_app(work / "page-shaker", packages), free_port(), shaker_command),
        Tool("vite", page_app(work / "page-vite", packages), free_port(), vite_tools(vite),
             before_cold=empty_vite_cache, env={"BROWSER": "none", "NO_COLOR": "1"}),
    ]
    counts: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {}
    for tool in cold:  # the first start of each: fills the caches the warm starts use
        tool.before_cold(tool.app)
        with running(tool, logs):
            first = count_requests(browser, tool.url)
            second = count_requests(browser, tool.url)
        counts[tool.name] = (first, second)
    verdicts: list[str] = []
    if do_requests:
        print(f"\n== requests: dev page importing {', '.join(PAGE_PACKAGES)}; until load + "
              "network idle, fresh browser context each")
        print(f"  {'load':<44} {'shaker':>7} {'vite':>7}   target")
        for index, label in enumerate(("first (Vite: with dependency optimisation)",
                                       "second (warm server)")):
            (s, s_nav), (v, v_nav) = counts["shaker"][index], counts["vite"][index]
            result = "PASS" if s <= v + REQUEST_SLACK else "MISS"
            reloads = "" if s_nav == v_nav == 1 else f"   (navigations {s_nav}/{v_nav})"
            print(f"  {label:<44} {s:>7} {v:>7}   ≤ vite + {REQUEST_SLACK}  {result}{reloads}")
            verdicts.append(f"requests, {label.split(' ')[0]} load, shaker {s} vs Vite {v}: "
                            f"target ≤ Vite + {REQUEST_SLACK}  {result}")
    if do_start:
        warm = [cold[0], dataclasses.replace(cold[1], command=vite_warm(vite),
                                             before_cold=lambda app: None)]
        starts: dict[str, list[float]] = {t.name: [] for t in warm}
        for run in range(runs):
            for tool in warm if run % 2 == 0 else warm[::-1]:
                starts[tool.name].append(timed_start(browser, tool, logs))
        s, v = median(starts["shaker"]), median(starts["vite"])
        ratio = _ratio(s, v)
        print(f"\n== warm dev start: spawn → page load of the same page (caches filled by an "
              f"earlier start), median of {runs}")
        for name in ("shaker", "vite"):
            print(f"  {name:<7} {median(starts[name]):>7.0f} ms   (runs: "
                  + ", ".join(f"{x:.0f}" for x in starts[name]) + ")")
        verdicts.append(f"warm dev start, shaker / Vite: {ratio:.2f}×  target ≤ "
                        f"{DEV_START_TARGET:.2f}×  {verdict(ratio, DEV_START_TARGET)}")
        print("  " + verdicts[-1])
    return verdicts


# ---------------------------------------------------------------------------------------------
# Build time
# ---------------------------------------------------------------------------------------------


def bench_build_time(modules: tuple[int, ...], rounds: int, vite: Path) -> tuple[int, list[str]]:
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    verdicts: list[str] = []
    problems = 0
    for count in modules:
        scratch = Path(tempfile.mkdtemp(prefix="shaker-bench-bundle-build-", dir=base))
        try:
            app = generate_app(scratch / "app", modules=count)
            print(f"\n== build time: generated {count}-module app, {rounds} round(s) after a "
                  "warm-up, alternating")
            result = compare_builds(app, vite / "bin" / "vite.js", scratch, rounds)
            for problem in result.problems:
                print("  PROBLEM:", problem.splitlines()[0])
            problems += len(result.problems)
            print_table(result)
            ratio = result.ratio()
            if ratio is not None:
                verdicts.append(f"build time, {count} modules, shaker / Vite (median): "
                                f"{ratio:.2f}×  target ≤ {BUILD_TARGET:.1f}×  "
                                f"{verdict(ratio, BUILD_TARGET)}")
                print("  " + verdicts[-1])
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return problems, verdicts


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"apps {', '.join(QUICK_APPS)}; 1,000 modules; 1 round, 1 dev run")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per build")
    parser.add_argument("--runs", type=int, default=3, help="warm dev starts per server")
    parser.add_argument("--only", default="size,requests,time",
                        help="comma-separated parts: size, requests, time")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    parts = {part.strip() for part in args.only.split(",") if part.strip()}
    if parts - {"size", "requests", "time"}:
        parser.error(f"unknown part(s) {sorted(parts - {'size', 'requests', 'time'})}")
    modules = (1000,) if args.quick else (1000, 3000)
    if args.quick:
        args.rounds, args.runs = 1, 1
    dev_parts = parts & {"requests", "time"}
    problem = missing_browser("bench/bundle.py") if dev_parts else None
    if problem is None and shutil.which("node") is None:
        problem = "bench/bundle.py needs node"
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2

    print(f"bundle bench: vite {VITE_VERSION}, rollup {ROLLUP['rollup']}; shaker "
          + ("bundles (BuildOptions.bundle)" if shaker_bundles()
             else "writes one file per module (BuildOptions has no bundle field)")
          + f"; load {_load()}", flush=True)
    verdicts: list[str] = []
    failures = 0
    work = Path(tempfile.mkdtemp(prefix="shaker-bench-bundle-", dir=CACHE.parent))
    try:
        vite = ensure_npm_tool("vite", VITE_VERSION)
        if "size" in parts:
            apps = QUICK_APPS if args.quick else ()
            failed, lines = bench_size(apps, vite.parent.parent, ensure_rollup(), work)
            failures += failed
            verdicts += lines.splitlines()
        if dev_parts:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
                try:
                    verdicts += bench_dev(browser, vite, work, args.runs,
                                          "requests" in parts, "time" in parts)
                finally:
                    browser.close()
        if "time" in parts:
            failed, lines = bench_build_time(modules, args.rounds, vite)
            failures += failed
            verdicts += lines
    except BenchSetupError as exc:
        print(f"bench setup failed: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n== summary (load after: {_load()})")
    for line in verdicts:
        print("  " + line)
    missed = [line for line in verdicts if line.endswith("MISS")]
    if failures:
        return 1
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
