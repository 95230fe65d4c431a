"""Loading a page in Chromium and recording everything that went wrong; dev and preview servers.

Shared by the parity suite (``test_parity.py``, where this came from) and the npm package matrix
(``npm_matrix.py``): a page is loaded in a fresh tab and recorded until it prints the line that
ends its run, hits a fatal error (a module script that failed to load, an uncaught exception)
or runs out of time.  Every console error, page error, 4xx/5xx answer and failed request is
kept, with what the server said for a 5xx.  Nothing sleeps: every wait is a Playwright wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conftest import LoopThread, free_port
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Request, Response
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from shaker.config import Config
from shaker.dev.server import DevServer
from shaker.preview import PreviewServer

PREBUNDLE_S = 300
"""Longest wait for a dev server's first dependency pre-bundle."""
DONE = "done"
DONE_MS = 4_000
"""How long a page gets to print ``done``: the apps need milliseconds; this bounds a hang."""
DEV_CHATTER = "[shaker] "
"""Prefix of the dev client's own console lines: dev-only by design, never compared."""
FATAL = "[parity] fatal: "
ERROR_MODULE = "const error = "
"""What starts the JSON error in the module the dev server answers a failed module with."""

INIT_SCRIPT = f"""
(() => {{
  // A run must stop waiting as soon as the app can no longer print "done": a module script that
  // failed to load (404, 500, wrong MIME type, a failed import in its graph) or an uncaught
  // error. Both are turned into a console line the test waits for, next to "done".
  const fatal = (what) => console.error({FATAL!r} + what);
  addEventListener('error', (event) => {{
    const target = event.target;
    if (target instanceof HTMLScriptElement) fatal('script failed to load: ' + target.src);
    else if (!(target instanceof Element)) fatal('uncaught: ' + event.message);
  }}, true);
  addEventListener('unhandledrejection', (event) => fatal('unhandled rejection: ' + event.reason));
}})();
"""


@dataclass
class Run:
    """What one side did: the lines it printed, and everything that went wrong."""

    side: str
    lines: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    statuses: list[tuple[int, str]] = field(default_factory=list)
    loaded: bool = True
    """False when there was no page to load (the build raised): its lines are not compared."""


def run_page(page: Page, url: str, run: Run, *, until: str = DONE,
             timeout_ms: int = DONE_MS) -> None:
    """Load ``url`` in ``page`` and record into ``run`` until the line ``until``, a fatal error
    or ``timeout_ms``.  Console lines are recorded by a listener registered before the wait's
    own, so every line printed up to the one that ended the wait is in ``run.lines``."""

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "log" and not message.text.startswith(DEV_CHATTER):
            run.lines.append(message.text)
        elif message.type == "error" and not message.text.startswith(FATAL + "uncaught"):
            where = message.location.get("url") or "?"  # uncaught ones: see pageerror
            run.errors.append(f"console error: {message.text} [at {where}]")

    def on_response(response: Response) -> None:
        run.statuses.append((response.status, response.url))
        if 400 <= response.status < 500:  # 5xx: reported below, with what the server said
            run.errors.append(f"HTTP {response.status} for {response.url}")

    def on_failed(request: Request) -> None:
        run.errors.append(f"request failed: {request.url} ({request.failure})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: run.errors.append(f"page error: {describe(error)}"))
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    page.add_init_script(INIT_SCRIPT)
    try:
        with page.expect_console_message(
            lambda m: m.text == until or m.text.startswith(FATAL), timeout=timeout_ms
        ):
            page.goto(url, wait_until="commit")
    except PlaywrightTimeoutError:
        run.errors.append(f"no {until!r} within {timeout_ms} ms")
    except PlaywrightError as exc:
        run.errors.append(f"navigation failed: {exc.message.splitlines()[0]}")
    with contextlib.suppress(PlaywrightError):  # if the page is gone, what was recorded stands
        page.evaluate("0")  # a round trip: events the page sent before it are delivered now
    for status, url in run.statuses:
        if status >= 500:  # say *why*: the answer's text is the server's error message
            run.errors.append(f"HTTP {status} for {url} said: {answer_text(page, url)}")


def describe(error: PlaywrightError) -> str:
    """An uncaught error as ``Name: message [at where]`` (its stack's first frame)."""
    frames = [line.strip()[3:] for line in (error.stack or "").splitlines()
              if line.strip().startswith("at ")]
    text = f"{error.name}: {error.message}" if error.name else error.message
    return f"{text} [at {frames[0]}]" if frames else text


def answer_text(page: Page, url: str, limit: int = 400) -> str:
    """What ``url`` answers (fetched again, outside the page), comments dropped, shortened.

    For the dev server's error module (``const error = {...}``) that is the error it carries:
    its code frame (``file:line:col: error: message`` and the source lines) or its message.
    """
    try:
        text = page.request.get(url).text()
    except PlaywrightError as exc:
        return f"<cannot fetch it again: {exc.message.splitlines()[0]}>"
    start = text.find(ERROR_MODULE)
    if start >= 0:
        with contextlib.suppress(ValueError):
            error, _end = json.JSONDecoder().raw_decode(text, start + len(ERROR_MODULE))
            return str(error.get("frame") or error.get("message"))
    lines = [line.strip() for line in text.splitlines()]
    text = " ".join(line for line in lines if line and not line.startswith("//"))
    return text if len(text) <= limit else text[:limit] + "…"


def in_browser(context: BrowserContext, url: str, side: str, *, until: str = DONE,
               timeout_ms: int = DONE_MS) -> Run:
    """A fresh tab, ``run_page``, and the tab closed before anyone looks at the result."""
    run = Run(side)
    page = context.new_page()
    try:
        run_page(page, url, run, until=until, timeout_ms=timeout_ms)
    finally:
        page.close()
    return run


@dataclass
class Servers:
    """Dev and preview servers on the shared loop thread; ``close`` stops every one started."""

    loop: LoopThread
    _closers: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)

    def dev(self, root: Path, config: Config) -> str:
        """Start ``DevServer`` on ``root`` with ``config`` (on a free port); its page URL."""
        server_config = dataclasses.replace(config.server, host="localhost", port=free_port(),
                                            strict_port=True)
        server = DevServer(root, dataclasses.replace(config, server=server_config))
        self.loop.run(server.start())
        self._closers.append(server.close)
        # dependency pre-bundling (a cold one for the 36 apps of the npm matrix takes ~20 s)
        # is the server's start-up, not the page's run time
        asyncio.run_coroutine_threadsafe(server.prebundle.wait(), self.loop.loop).result(
            timeout=PREBUNDLE_S)
        return server.urls.local[0]

    def preview(self, outdir: Path, base: str) -> str:
        """Serve a build as ``shaker preview`` does, under ``base``; its page URL."""
        server = PreviewServer(outdir, host="localhost", port=free_port(), strict_port=True,
                               base=base)
        self.loop.run(server.start())
        self._closers.append(server.close)
        return server.local[0]

    def close(self) -> None:
        for close in reversed(self._closers):
            self.loop.run(close())
        self._closers.clear()
