"""Dev/build parity: the same project must behave the same under ``shaker dev`` and built.

Dev (``shaker.dev``) and build (``shaker.build``) are two pipelines today, and they disagree on
ordinary projects: what one resolves, loads or reports the other may not.  Each app under
``tests/fixtures/parity/`` is therefore run twice in the shared Chromium:

- **dev**: the real ``DevServer`` on a tmp copy of the app, page loaded from it;
- **build**: ``build()`` of another tmp copy, served by ``PreviewServer``, page loaded from it.

Each app prints facts with ``console.log`` and finally ``done``.  A run ends at ``done``, at a
fatal error (a module script that failed to load, an uncaught exception) or after
``DONE_MS``.  Then both runs must have printed the expected lines, the same ones in the same
order (lines that differ by mode *by design*, such as ``.env.[mode]`` values, are checked per
side instead), with no console error, page error or failed request on either side.

The apps that are meant to fail (``BROKEN``) check the error path instead: dev answers the
broken module with an error status and shows the overlay, whose text names the same
``file:line:col`` that ``BuildError.render()`` names, and the dev server keeps serving.

The project's ``shaker.config.py`` is read the way the CLI reads it (``shaker dev`` passes the
``Config`` to ``DevServer``; ``shaker build`` turns it into ``BuildOptions``), so one config
file drives both sides.  Nothing here sleeps: every wait is a Playwright wait with a timeout.
Loading and recording a page, and the servers, live in ``page_runs.py`` (the npm package matrix
uses them too).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import LoopThread
from page_runs import DONE, Run, Servers, in_browser, run_page
from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from shaker.build.project import BuildError, BuildOptions, build
from shaker.config import Config, find_config, load_config

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "parity"
OVERLAY_MS = 4_000
OVERLAY_SELECTOR = "shaker-error-overlay, vite-error-overlay"
MODE = "{mode}"
MODE_WORDS = {"dev": "dev", "build": "prod"}
"""What ``{mode}`` stands for in expected lines: ``.env.development`` / ``.env.production``."""


# ---------------------------------------------------------------------------------------------
# The apps
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class App:
    """A fixture app that must run, and the lines it must print (as Vite runs it).

    ``{mode}`` in a line stands for ``dev`` in dev and ``prod`` in the build: such lines differ
    by design, so they are checked per side and left out of the dev-versus-build comparison.
    """

    name: str
    expected: tuple[str, ...]

    def expected_for(self, side: str) -> list[str]:
        return [line.replace(MODE, MODE_WORDS[side]) for line in self.expected]

    def comparable(self, lines: list[str]) -> list[str]:
        """``lines`` without the by-mode ones."""
        prefixes = tuple(line.split(MODE)[0] for line in self.expected if MODE in line)
        return [line for line in lines if not (prefixes and line.startswith(prefixes))]


APPS = (
    App("extensionless", ("helper hello x", "lib 42", "tinypkg HI! 1.0.0", DONE)),
    App("assets", (
        "typeof logo string true",
        "typeof logoUrl string true",
        "same url true",
        'raw "a note, imported as text\\n"',
        "img loaded 3 2",
        DONE,
    )),
    App("json", (
        "name parity-json",
        "version 2.5.0",
        "default.name parity-json",
        'nested {"list":[1,2,{"deep":true}],"empty":{},"nothing":null}',
        "deep true",
        "unicode café ☕",
        "keys name,version,nested,unicode",
        DONE,
    )),
    App("css-url", (
        "other.css color rgb(0, 128, 0)",
        "background is a url true",
        "background ends with .png true",
        "background loaded 5",
        DONE,
    )),
    App("define", (
        "__APP_VERSION__ 1.2.3",
        "typeof __APP_VERSION__ string",
        "__FLAG__ true boolean",
        "flag branch taken",
        "typeof BASE_URL string",
        DONE,
    )),
    App("env", (
        "VITE_GREETING hello",
        "VITE_LOCAL 1",
        "SECRET undefined",
        "SECRET in env false",
        f"VITE_WHO {MODE}",
        DONE,
    )),
    App("base", (
        "helper hello x",
        "lib 42",
        "tinypkg HI! 1.0.0",
        "BASE_URL /app/",
        "logo under base true true",
        "img loaded 3",
        DONE,
    )),
)


@dataclass(frozen=True)
class BrokenApp:
    """A fixture app with bad input: both sides must report it at the same place.

    ``locations`` are regular expressions for that place; dev's overlay and the build's
    rendered error must match the same one.  ``ok`` is a valid module of the app that dev must
    still serve afterwards.
    """

    name: str
    locations: tuple[str, ...]
    ok: str = "ok.js"


BROKEN = (
    BrokenApp("syntax-error", (r"broken\.js:3:9\b",)),
    BrokenApp("bad-json", (r"data\.json:3:8\b",)),
    # Line and column of the 0xff byte, or its byte offset (94) next to the file name.
    BrokenApp("not-utf8", (r"broken\.js:2:25\b",
                           r"broken\.js\b[\s\S]*\b(?:byte|offset|position) 94\b")),
    BrokenApp("missing-import", (r"main\.js:3:8\b",)),
)


# ---------------------------------------------------------------------------------------------
# Servers and builds, configured the way the CLI configures them
# ---------------------------------------------------------------------------------------------


def copy_app(name: str, tmp_path: Path) -> Path:
    """A tmp copy of the fixture app, so that builds and the dev server never touch the repo."""
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root, symlinks=True)
    return root


def project_config(root: Path) -> Config:
    """``root/shaker.config.py`` if there is one, as ``shaker dev`` and ``shaker build`` load it."""
    path = find_config(root)
    return load_config(path) if path else Config()


def build_options(config: Config, outdir: Path) -> BuildOptions:
    """What ``shaker build`` derives from the config (``shaker.cli.build.build_command``)."""
    return BuildOptions(outdir=str(outdir), base=config.base, define=dict(config.define),
                        entries=tuple(config.build.entries))


@pytest.fixture
def servers(server_loop: LoopThread) -> Iterator[Servers]:
    started = Servers(server_loop)
    yield started
    started.close()


def run_built(context: BrowserContext, servers: Servers, root: Path, config: Config,
              outdir: Path) -> Run:
    """Build ``root`` and run the result under preview; a build that raises is the run's error."""
    run = Run("build", loaded=False)
    try:
        result = build(root, build_options(config, outdir))
    except BuildError as exc:
        run.errors.append(f"build() raised BuildError:\n{exc.render()}")
        return run
    except Exception as exc:  # a crash of the build is exactly what this suite must report
        run.errors.append(f"build() raised {type(exc).__name__}: {exc}")
        return run
    return in_browser(context, servers.preview(result.outdir, config.base), "build")


# ---------------------------------------------------------------------------------------------
# Judging
# ---------------------------------------------------------------------------------------------


def side_problems(app: App, run: Run) -> list[str]:
    """Everything wrong with one side on its own."""
    problems = list(run.errors)
    expected = app.expected_for(run.side)
    if run.loaded and run.lines != expected:
        problems.append(f"printed {run.lines!r}\n    expected {expected!r}")
    return problems


def render_verdict(app: App, dev: Run, built: Run) -> str:
    """The failure message: each side's problems, then the comparison."""
    parts = [f"{app.name}: dev and build disagree, or fail"]
    for run in (dev, built):
        problems = side_problems(app, run)
        parts.append(f"  [{run.side}] " + ("ok" if not problems else "FAIL"))
        parts += [f"    - {p}" for p in problems]
    if app.comparable(dev.lines) != app.comparable(built.lines):
        parts.append("  [parity] different lines:")
        parts.append(f"    dev:   {app.comparable(dev.lines)!r}")
        parts.append(f"    build: {app.comparable(built.lines)!r}")
    return "\n".join(parts)


@pytest.mark.parametrize("app", APPS, ids=lambda app: app.name)
def test_dev_and_build_print_the_same_lines(
        app: App, tmp_path: Path, browser_context: BrowserContext, servers: Servers) -> None:
    """Each side is judged on its own (expected lines, no error of any kind), then against the
    other, so a failure says which side is wrong and how."""
    dev_root = copy_app(app.name, tmp_path / "dev")
    build_root = copy_app(app.name, tmp_path / "build")
    dev = in_browser(browser_context, servers.dev(dev_root, project_config(dev_root)), "dev")
    built = run_built(browser_context, servers, build_root, project_config(build_root),
                      tmp_path / "dist")
    ok = (not side_problems(app, dev) and not side_problems(app, built)
          and app.comparable(dev.lines) == app.comparable(built.lines))
    assert ok, render_verdict(app, dev, built)


# ---------------------------------------------------------------------------------------------
# Bad input: the same error, at the same place, on both sides
# ---------------------------------------------------------------------------------------------


@dataclass
class DevError:
    """What dev did with a broken app: the overlay's text, the error answers, and whether the
    server still served a valid module and the page afterwards."""

    run: Run
    overlay: str | None = None
    errors_answered: list[tuple[int, str]] = field(default_factory=list)
    after: dict[str, int] = field(default_factory=dict)


def overlay_text(page: Page) -> str | None:
    """The text of the error overlay (inside its shadow root), or None if none appeared."""
    try:
        handle = page.wait_for_selector(OVERLAY_SELECTOR, state="attached", timeout=OVERLAY_MS)
    except PlaywrightTimeoutError:
        return None
    if handle is None:
        return None
    # The panel only: the shadow root also holds the overlay's stylesheet.
    return str(handle.evaluate(
        "e => { const r = e.shadowRoot || e; return (r.querySelector('.panel, .window') || r)"
        ".textContent; }"))


def dev_error(context: BrowserContext, url: str, app: BrokenApp) -> DevError:
    """Load the broken app in dev, read the overlay, then ask again for the page and a valid
    module: an error in one module must not take the server down."""
    page = context.new_page()
    result = DevError(Run("dev"))
    try:
        run_page(page, url, result.run)
        result.overlay = overlay_text(page)
        result.errors_answered = [(s, u) for s, u in result.run.statuses if s >= 500]
        for target in (url, url + app.ok):
            result.after[target] = page.request.get(target).status
    finally:
        page.close()
    return result


def shorten(text: str, limit: int = 600) -> str:
    """``text`` cut at ``limit`` characters: an overlay may carry a whole Python traceback."""
    return text if len(text) <= limit else text[:limit] + "…"


def located(patterns: tuple[str, ...], text: str | None) -> list[str]:
    """The patterns of ``patterns`` that ``text`` matches."""
    return [p for p in patterns if text is not None and re.search(p, text)]


@pytest.mark.parametrize("app", BROKEN, ids=lambda app: app.name)
def test_dev_and_build_report_the_same_error(
        app: BrokenApp, tmp_path: Path, browser_context: BrowserContext,
        servers: Servers) -> None:
    """Bad input must fail loudly on both sides and point at the same place: a user who sees
    the overlay in dev must get the same ``file:line:col`` from ``shaker build`` in CI."""
    dev_root = copy_app(app.name, tmp_path / "dev")
    build_root = copy_app(app.name, tmp_path / "build")
    dev = dev_error(browser_context, servers.dev(dev_root, project_config(dev_root)), app)
    rendered: str | None = None
    build_problem = ""
    try:
        build(build_root, build_options(project_config(build_root), tmp_path / "dist"))
        build_problem = "build() succeeded: no BuildError"
    except BuildError as exc:
        rendered = exc.render()
    except Exception as exc:  # reported, as the wrong failure
        build_problem = f"build() raised {type(exc).__name__} instead of BuildError: {exc}"

    dev_problems = []
    if dev.overlay is None:
        dev_problems.append(f"no {OVERLAY_SELECTOR} within {OVERLAY_MS} ms; the page logged "
                            f"{dev.run.lines + dev.run.errors!r}")
    elif not located(app.locations, dev.overlay):
        dev_problems.append(f"the overlay does not name {app.locations}: "
                            f"{shorten(dev.overlay)!r}")
    if not dev.errors_answered:
        dev_problems.append(f"no request was answered with 5xx: {dev.run.statuses!r}")
    dev_problems += [f"after the error, GET {u} answered {s}" for u, s in dev.after.items()
                     if s != 200]
    build_problems = [build_problem] if build_problem else []
    if rendered is not None and not located(app.locations, rendered):
        build_problems.append(f"BuildError.render() does not name {app.locations}:\n{rendered}")
    same = set(located(app.locations, dev.overlay)) & set(located(app.locations, rendered))
    lines = [f"{app.name}: the error is not reported the same way"]
    for side, problems in (("dev", dev_problems), ("build", build_problems)):
        lines.append(f"  [{side}] " + ("ok" if not problems else "FAIL"))
        lines += [f"    - {p}" for p in problems]
    if not same:
        lines.append("  [parity] no location named by both sides")
    assert not dev_problems and not build_problems and same, "\n".join(lines)
