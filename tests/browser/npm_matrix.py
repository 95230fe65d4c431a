"""The npm package matrix: one tiny app per popular browser package, run as a user would run it.

Each app is ``tests/packages/apps/<package>/main.js`` (``@scope/name`` is a nested directory): it
imports the package the way its README says, uses it, and ``console.log``s a marker that its
first line announces (``// expect: ok dayjs 2024``).  Every app gets the same ``index.html``.

The packages are pinned in ``tests/packages/package.json`` and ``package-lock.json`` and
installed once with ``npm install --ignore-scripts`` into ``$SHAKER_TEST_CACHE`` (default
``~/.cache/shaker-tests``), in a directory named after a hash of those two files, built in a
temporary sibling under a lock and renamed into place only when complete: a present directory is
a complete install, and a second run never runs npm.  That directory is also the *project*:
the apps are written into its ``apps/`` (atomically, only when changed), so ``node_modules`` sits
inside the project root as after ``npm install`` (a symlinked ``node_modules`` would resolve, as
Node does, to real paths outside the root, which the dev server rightly refuses to serve).

A cell is one app on one side:

- **dev**: the real ``DevServer`` on the project, the page ``/apps/<package>/`` in Chromium;
- **build**: ``build()`` of that page into a tmp directory, served by ``PreviewServer``.

It passes when the page logs its marker with no console error, page error, failed request or
4xx/5xx answer, and (build) ``build()`` did not raise.  A failing cell keeps its first error:
the server's answer to a 5xx first, then page errors, failed answers, console errors, and last
the fatal-error line and the timeout that only follow from those.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from page_runs import FATAL, Run, Servers, in_browser
from playwright.sync_api import BrowserContext

from shaker.build.project import BuildError, BuildOptions, build
from shaker.config import Config

PACKAGES = Path(__file__).resolve().parents[1] / "packages"
APPS = PACKAGES / "apps"
MANIFESTS = ("package.json", "package-lock.json")
CACHE = Path(os.environ.get("SHAKER_TEST_CACHE", "~/.cache/shaker-tests")).expanduser()
SIDES = ("dev", "build")
PAGE_MS = 5_000
"""How long a page gets to log its marker: the apps need milliseconds; this bounds a hang."""
NPM_TIMEOUT = 600
UNREACHABLE = "npm registry unreachable: the npm package matrix could not be installed"
INDEX_HTML = """<!doctype html>
<html>
  <head><meta charset="utf-8"><link rel="icon" href="data:,"><title>{name}</title></head>
  <body>
    <div id="root"></div>
    <script type="module" src="./main.js"></script>
  </body>
</html>
"""
_EXPECT = re.compile(r"^// expect: (.+)$")


# ---------------------------------------------------------------------------------------------
# The apps
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class App:
    """``apps/<name>/main.js``: ``name`` is the npm package it is about."""

    name: str
    expected: str
    source: str

    @property
    def page(self) -> str:
        """The page's path in the project, ``apps/<name>/``."""
        return f"apps/{self.name}/"

    @property
    def version(self) -> str:
        return pinned().get(self.name, "?")


def load_apps(*names: str) -> tuple[App, ...]:
    """Every app (sorted by package name), or the ones named."""
    apps = []
    for main in sorted(APPS.rglob("main.js")):
        name = main.parent.relative_to(APPS).as_posix()
        if names and name not in names:
            continue
        source = main.read_text(encoding="utf-8")
        found = _EXPECT.match(source.splitlines()[0])
        if found is None:
            raise ValueError(f"{main}: the first line must be `// expect: <marker>`")
        apps.append(App(name, found.group(1), source))
    missing = set(names) - {app.name for app in apps}
    if missing:
        raise ValueError(f"no app for {sorted(missing)} under {APPS}")
    return tuple(apps)


def pinned() -> dict[str, str]:
    """Package name → pinned version, from ``tests/packages/package.json``."""
    data = json.loads((PACKAGES / "package.json").read_text(encoding="utf-8"))
    return dict(data["dependencies"])


# ---------------------------------------------------------------------------------------------
# Installing once into the cache
# ---------------------------------------------------------------------------------------------


class InstallError(RuntimeError):
    """``npm install`` of the matrix failed or did not finish."""


def install_dir() -> Path:
    """Where the install for the current ``package.json`` and lock lives (it may not yet)."""
    digest = hashlib.sha256()
    for name in MANIFESTS:
        digest.update((PACKAGES / name).read_bytes())
    return CACHE / f"npm-matrix-{digest.hexdigest()[:12]}"


@contextmanager
def _locked(name: str) -> Iterator[None]:
    """Hold an exclusive lock so that two runs never install the same directory."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f".{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def ensure_install() -> Path:
    """The project directory with every pinned package installed; ``npm install`` only once."""
    target = install_dir()
    with _locked(target.name):
        if (target / "node_modules").is_dir():
            return target
        if shutil.which("npm") is None:
            raise InstallError("npm not found")
        tmp = Path(tempfile.mkdtemp(prefix=target.name + ".tmp-", dir=CACHE))
        tmp.chmod(0o755)
        try:
            for name in MANIFESTS:
                shutil.copyfile(PACKAGES / name, tmp / name)
            done = subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts"],
                cwd=tmp, capture_output=True, text=True, timeout=NPM_TIMEOUT, check=False)
            if done.returncode != 0:
                raise InstallError(f"npm install failed ({done.returncode}):\n{done.stderr}")
            tmp.rename(target)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise InstallError(f"npm install did not finish: {exc}") from exc
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def registry_reachable(timeout: float = 30) -> bool:
    """True if ``npm view`` can read one pinned package's version from the registry."""
    name, version = next(iter(pinned().items()))
    try:
        out = subprocess.run(["npm", "view", f"{name}@{version}", "version"],
                             capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and out.stdout.strip() == version


def npm_project(apps: tuple[App, ...]) -> Path:
    """For a test: the installed project with ``apps`` written into it.

    Skips when npm is missing or the registry cannot be reached; fails when the registry is
    reachable and the install still failed.
    """
    if shutil.which("npm") is None and not (install_dir() / "node_modules").is_dir():
        pytest.skip("npm not found: the npm package matrix could not be installed")
    try:
        project = ensure_install()
    except InstallError as exc:
        if not registry_reachable():
            pytest.skip(UNREACHABLE)
        pytest.fail(f"the npm registry is reachable, but: {exc}")
    write_apps(project, apps)
    return project


def _write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` atomically (a concurrent run never reads half a file), if it differs."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def write_apps(project: Path, apps: tuple[App, ...]) -> None:
    """Put each app's ``index.html`` and ``main.js`` into ``project/apps/<name>/``."""
    for app in apps:
        _write_if_changed(project / app.page / "index.html", INDEX_HTML.format(name=app.name))
        _write_if_changed(project / app.page / "main.js", app.source)


# ---------------------------------------------------------------------------------------------
# Running a cell
# ---------------------------------------------------------------------------------------------


@dataclass
class Cell:
    """One app on one side: whether it passed, and everything that went wrong."""

    app: App
    side: str
    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_error(self) -> str:
        """The first line of the first problem, with the project's paths made short."""
        return short_paths(first_line(self.problems[0])) if self.problems else ""

    def report(self) -> str:
        """The failure message: every problem, and what the page logged."""
        parts = [f"{self.app.name}@{self.app.version} [{self.side}] expected "
                 f"{self.app.expected!r}:"]
        parts += [f"  - {short_paths(problem)}" for problem in self.problems]
        parts.append(f"  logged: {self.lines!r}")
        return "\n".join(parts)


_CAUSES = ("HTTP 5", "build() raised", "page error", "HTTP 4", "request failed",
           "navigation failed", "printed")


def _rank(problem: str) -> int:
    """Root causes first (see the module docstring), then console errors, then the fatal-error
    line and the timeout that only follow from the others."""
    if problem.startswith("console error: " + FATAL):
        return len(_CAUSES) + 1
    if problem.startswith("console error"):
        return len(_CAUSES)
    return next((i for i, p in enumerate(_CAUSES) if problem.startswith(p)), len(_CAUSES) + 2)


def short_paths(text: str) -> str:
    """``http://localhost:PORT/x`` → ``/x``; the install directory's path → nothing."""
    text = re.sub(r"http://localhost:\d+/", "/", text)
    return re.sub(re.escape(str(CACHE.resolve())) + r"/npm-matrix-[0-9a-f]+/", "", text)


def first_line(text: str) -> str:
    """The first non-empty line of ``text``."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def judge(app: App, run: Run) -> list[str]:
    """Everything wrong with a run, root causes first."""
    problems = list(run.errors)
    if run.loaded and app.expected not in run.lines:
        markers = [line for line in run.lines if line.startswith("ok ")]
        if markers:
            problems.append(f"printed {markers[0]!r}, expected {app.expected!r}")
    return sorted(problems, key=_rank)


def run_dev(context: BrowserContext, servers: Servers, project: Path, app: App) -> Run:
    """The app's page under the real dev server."""
    url = servers.dev(project, Config()) + app.page
    return in_browser(context, url, "dev", until=app.expected, timeout_ms=PAGE_MS)


def run_build(context: BrowserContext, servers: Servers, project: Path, app: App,
              outdir: Path) -> Run:
    """Build the app's page (minified, as ``shaker build`` does by default), then run it
    under preview; a raising build is the run's error."""
    run = Run("build", loaded=False)
    try:
        result = build(project, BuildOptions(outdir=str(outdir), minify=True,
                                             entries=(app.page + "index.html",)))
    except BuildError as exc:
        run.errors.append(f"build() raised BuildError: {exc.render()}")
        return run
    except Exception as exc:  # a crash of the build is exactly what the matrix must report
        run.errors.append(f"build() raised {type(exc).__name__}: {exc}")
        return run
    url = servers.preview(result.outdir, "/") + app.page
    return in_browser(context, url, "build", until=app.expected, timeout_ms=PAGE_MS)


def run_cell(context: BrowserContext, servers: Servers, project: Path, app: App, side: str,
             outdir: Path) -> Cell:
    """Run ``app`` on ``side`` (``dev`` or ``build``) and judge it."""
    start = time.perf_counter()
    if side == "dev":
        run = run_dev(context, servers, project, app)
    else:
        run = run_build(context, servers, project, app, outdir)
    return Cell(app, side, judge(app, run), run.lines, time.perf_counter() - start)


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------


def _cell_text(cell: Cell | None, limit: int = 220) -> str:
    if cell is None:
        return "not run"
    if cell.ok:
        return f"pass ({cell.seconds:.1f} s)"
    error = cell.first_error
    error = error if len(error) <= limit else error[:limit] + "…"
    error = error.replace("|", "\\|").replace("`", "'")
    return f"**FAIL** ({cell.seconds:.1f} s) `{error}`"


def render_table(cells: list[Cell], seconds: float | None = None) -> str:
    """The matrix as markdown: one row per package, a column per side, first errors inline."""
    by_key = {(cell.app.name, cell.side): cell for cell in cells}
    apps = sorted({cell.app.name: cell.app for cell in cells}.values(), key=lambda a: a.name)
    passed = {side: sum(1 for c in cells if c.side == side and c.ok) for side in SIDES}
    ran = {side: sum(1 for c in cells if c.side == side) for side in SIDES}
    lines = [
        "# npm package matrix",
        "",
        "Each package's app under `shaker dev` (dev) and `build()` + `PreviewServer` (build) in "
        "Chromium; a cell passes when the page logs its marker with no console error, page "
        "error or failed request. Failures show the first error.",
        "",
        "| package | dev | build |",
        "|---|---|---|",
    ]
    for app in apps:
        row = [f"`{app.name}@{app.version}`",
               *(_cell_text(by_key.get((app.name, side))) for side in SIDES)]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    summary = ", ".join(f"{side} {passed[side]}/{ran[side]} pass" for side in SIDES)
    if seconds is not None:
        summary += f"; wall clock {seconds:.0f} s"
    lines.append(f"**{summary}**")
    return "\n".join(lines) + "\n"
