"""Backend mode in Chromium, with the real frameworks in their own processes, as a user runs them.

1. **Django + django-vite 3.2.0, two ports**: ``manage.py runserver`` (autoreload on) renders
   ``{% vite_hmr_client %}{% vite_asset 'src/main.js' %}``; ``shaker dev`` (the README's
   ``shaker.config.py``: base ``/static/``, ``server.origin``, reload globs) serves the
   modules. The page renders on ``127.0.0.1`` and ``localhost``, a CSS edit swaps without a
   reload, a JavaScript module accepts its update, a template edit reloads, a Python edit
   reloads once runserver is back; a foreign origin gets no CORS header and no socket.
2. **FastAPI with the ASGI mount, one port** (uvicorn): the same page through the Jinja
   helpers and ``app.mount("/static", dev_app(...))``.
3. **Django behind ``shaker dev --proxy``, one port**: the same Django project, browsed on
   shaker's port.

The settings, templates, ``shaker.config.py`` files and ``app.py`` are README.md's recipes
(``readme_recipes``), so the README is tested as written. Each page records ``window.__loaded``
once, so a hot update (kept) tells itself apart from a reload (a new value).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from conftest import LoopThread, free_port
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from readme_recipes import recipe

pytestmark = pytest.mark.browser
WAIT_MS = 10_000
SERVER_START_S = 30.0

FRONTEND = {
    "src/main.js": """import 'vite/modulepreload-polyfill';
import './style.css';
import { message } from './message.js';
import logo from './logo.svg';

window.__loaded ??= Math.random();
const app = document.querySelector('#app');
app.textContent = message;
app.dataset.logo = logo;
""",
    "src/message.js": """export const message = 'one';

if (import.meta.hot) {
  import.meta.hot.accept((next) => {
    document.querySelector('#app').textContent = next.message;
  });
}
""",
    "src/style.css": "h1 { color: rgb(255, 0, 0); }\n",
    "src/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/>",
}

DJANGO_URLS = """from django.urls import path
from django.views.generic import TemplateView

urlpatterns = [path("", TemplateView.as_view(template_name="index.html",
                                             extra_context={{"greeting": "{greeting}"}}))]
"""


# -- processes --------------------------------------------------------------------------------


class Server:
    """A server in its own process group (it may start children: runserver's reloader)."""

    def __init__(self, args: list[str], cwd: Path, ready_url: str) -> None:
        self.log = cwd / f"server-{free_port()}.log"
        self.process = subprocess.Popen(args, cwd=cwd, stdout=self.log.open("wb"),
                                        stderr=subprocess.STDOUT, start_new_session=True,
                                        env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + SERVER_START_S
        while not answers(ready_url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"{args} did not start:\n{self.log.read_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def shaker_dev(root: Path, port: int, *extra: str) -> Server:
    return Server([sys.executable, "-m", "shaker", "dev", ".", "--port", str(port),
                   "--strict-port", *extra], root,
                  f"http://localhost:{port}/static/@vite/client")


def django_project(root: Path, shaker_port: int) -> None:
    """``startproject``, then the README's recipe; the template also shows ``greeting`` from
    the view (``demo/urls.py``), for the Python edit."""
    subprocess.run([sys.executable, "-m", "django", "startproject", "demo", "."], cwd=root,
                   check=True)
    settings = root / "demo/settings.py"
    settings.write_text(settings.read_text() + "\n"
                        + recipe("django/settings.py", shaker_port=shaker_port))
    template = recipe("django/templates/index.html").replace(
        "<h1>Hello from Django</h1>\n",
        '<h1>Hello from Django</h1>\n  <p id="greeting">{{ greeting }}</p>\n')
    write(root, {**FRONTEND, "templates/index.html": template,
                 "demo/urls.py": DJANGO_URLS.format(greeting="hi"),
                 "shaker.config.py": recipe("django/shaker.config.py",
                                            shaker_port=shaker_port)})


def runserver(root: Path, port: int) -> Server:
    return Server([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"], root,
                  f"http://127.0.0.1:{port}/")


@dataclass
class Site:
    root: Path
    page_url: str
    shaker_url: str
    """Where the dev server answers, base included (``http://localhost:5173/static/``)."""
    template: Path


# -- driving the page -------------------------------------------------------------------------


def console_log(page: Page) -> list[str]:
    """The page's console messages (recorded from its first ``open_page``), for the message
    of a failed wait."""
    log: list[str] | None = getattr(page, "_backend_console", None)
    if log is None:
        log = []
        page.on("console", lambda m: log.append(f"{time.monotonic():.2f} {m.text}"))
        page._backend_console = log  # type: ignore[attr-defined]
    return log


def wait_js(page: Page, expression: str) -> None:
    """Wait until ``expression`` is true in the page. Polled with ``page.evaluate`` (which a
    page's CSP does not apply to), not ``wait_for_function`` (which ``eval``s)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        try:
            if page.evaluate(expression):
                return
        except PlaywrightError:  # the page is reloading: its context went away
            pass
        if time.monotonic() > deadline:
            console = "\n".join(console_log(page)[-30:])
            raise AssertionError(f"never true: {expression}\nconsole:\n{console}")
        page.wait_for_timeout(20)


def open_page(page: Page, url: str) -> float:
    """Open ``url``, wait for the entry and the socket; the page's load mark."""
    log = console_log(page)
    start = len(log)
    page.goto(url)
    wait_js(page, "document.querySelector('#app')?.textContent === 'one'")
    wait_until(lambda: "[shaker] connected." in [m.split(" ", 1)[1] for m in log[start:]],
               page, "the client never connected")
    return float(page.evaluate("window.__loaded"))


def wait_until(ready: Callable[[], bool], page: Page, what: str) -> None:
    deadline = time.monotonic() + WAIT_MS / 1000
    while not ready():
        assert time.monotonic() < deadline, what
        page.wait_for_timeout(20)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new))


def check_hot_updates(page: Page, site: Site) -> None:
    """Render, a CSS swap and a JS accept without reload, then a template edit reloads."""
    loaded = open_page(page, site.page_url)
    assert page.eval_on_selector("h1", "e => getComputedStyle(e).color") == "rgb(255, 0, 0)"
    try:
        edit(site.root / "src/style.css", "rgb(255, 0, 0)", "rgb(0, 0, 255)")
        wait_js(page, "getComputedStyle(document.querySelector('h1')).color === 'rgb(0, 0, 255)'")
        edit(site.root / "src/message.js", "'one'", "'two'")
        wait_js(page, "document.querySelector('#app').textContent === 'two'")
        assert page.evaluate("window.__loaded") == loaded  # both were hot: no reload

        edit(site.template, "<h1>Hello", "<h1>Edited")
        wait_js(page, "document.querySelector('h1').textContent.startsWith('Edited')")
        assert page.evaluate("window.__loaded") != loaded  # the template edit reloaded
    finally:
        write(site.root, {n: FRONTEND[n] for n in ("src/style.css", "src/message.js")})
        edit(site.template, "<h1>Edited", "<h1>Hello")
    # the restored template reloads the page too: let it, so that the next check starts calm
    wait_js(page, "document.querySelector('h1')?.textContent.startsWith('Hello')"
                  " && document.querySelector('#app')?.textContent === 'one'")


async def foreign_origin_refused(site: Site, page_origin: str) -> None:
    """The page's origin reads modules and opens the socket; ``http://evil.test`` neither."""
    async with aiohttp.ClientSession() as http:
        async with http.get(site.shaker_url + "src/main.js",
                            headers={"Origin": "http://evil.test"}) as response:
            assert response.status == 200
            assert "Access-Control-Allow-Origin" not in response.headers
        async with http.get(site.shaker_url + "@shaker/client",
                            headers={"Origin": page_origin}) as response:
            client = await response.text()
            allowed = response.headers.get("Access-Control-Allow-Origin")
        token = re.search(r'"wsToken": "([^"]+)"', client)
        assert token is not None
        url = f"{site.shaker_url}@shaker/ws?token={token.group(1)}"
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(url, protocols=("shaker-hmr",),
                                  headers={"Origin": "http://evil.test"})
        assert refused.value.status == 403
        async with http.ws_connect(url, protocols=("shaker-hmr",),
                                   headers={"Origin": page_origin}) as ws:
            assert json.loads((await ws.receive(timeout=5)).data) == {"type": "connected"}
    if page_origin not in site.shaker_url:  # two ports: the page's origin is a CORS origin
        assert allowed == page_origin


# -- 1. Django + django-vite, two ports ---------------------------------------------------------


@pytest.fixture(scope="module")
def django_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("django")
    shaker_port, django_port = free_port(), free_port()
    django_project(root, shaker_port)
    shaker = shaker_dev(root, shaker_port)
    try:
        django = runserver(root, django_port)
    except BaseException:
        shaker.stop()
        raise
    try:
        yield Site(root, f"http://127.0.0.1:{django_port}/",
                   f"http://localhost:{shaker_port}/static/", root / "templates/index.html")
    finally:
        django.stop()
        shaker.stop()


def test_django_page_renders_on_both_local_origins(django_site: Site, page: Page) -> None:
    for url in (django_site.page_url, django_site.page_url.replace("127.0.0.1", "localhost")):
        open_page(page, url)
        assert page.eval_on_selector("h1", "e => getComputedStyle(e).color") == \
            "rgb(255, 0, 0)"
        logo = page.eval_on_selector("#app", "e => e.dataset.logo")
        assert logo == django_site.shaker_url + "src/logo.svg"  # server.origin
        # the module script django-vite wrote runs; so does the polyfill's empty module
        assert page.evaluate(f"fetch({json.dumps(logo)}).then(r => r.status)") == 200


def test_django_hot_updates_and_template_reload(django_site: Site, page: Page) -> None:
    check_hot_updates(page, django_site)


def check_python_edit(page: Page, site: Site, *, slow_start: bool = False) -> None:
    """A view edit: runserver restarts, and the page reloads once it answers again.
    ``slow_start``: the new process takes 2 s to start (longer than ``reload_delay``)."""
    loaded = open_page(page, site.page_url)
    urls = site.root / "demo/urls.py"
    original = urls.read_text()
    try:
        edited = original.replace('"greeting": "hi"', '"greeting": "restarted"')
        urls.write_text("import time\ntime.sleep(2)\n" + edited if slow_start else edited)
        wait_js(page, "document.querySelector('#greeting')?.textContent === 'restarted'")
        assert page.evaluate("window.__loaded") != loaded
    finally:
        urls.write_text(original)
    wait_js(page, "document.querySelector('#greeting')?.textContent === 'hi'")


def test_django_python_edit_reloads_once_runserver_is_back(django_site: Site,
                                                           page: Page) -> None:
    check_python_edit(page, django_site)


def test_django_foreign_origin_is_refused(django_site: Site, server_loop: LoopThread) -> None:
    server_loop.run(foreign_origin_refused(django_site, django_site.page_url.rstrip("/")))


# -- 2. FastAPI, the ASGI mount ------------------------------------------------------------------


@pytest.fixture(scope="module")
def fastapi_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("fastapi")
    port = free_port()
    write(root, {**FRONTEND, "app.py": recipe("fastapi/app.py"),
                 "templates/index.html": recipe("flask/templates/index.html"),
                 "shaker.config.py": recipe("fastapi/shaker.config.py")})
    server = Server([sys.executable, "-m", "uvicorn", "app:app", "--port", str(port)], root,
                    f"http://127.0.0.1:{port}/")
    try:
        yield Site(root, f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{port}/static/",
                   root / "templates/index.html")
    finally:
        server.stop()


def test_asgi_mount_hot_updates_and_template_reload(fastapi_site: Site, page: Page) -> None:
    open_page(page, fastapi_site.page_url)
    assert page.eval_on_selector("#app", "e => e.dataset.logo") == "/static/src/logo.svg"
    wait_js(page, "document.querySelector('img').complete")
    assert page.eval_on_selector("img", "e => e.naturalWidth") == 1  # vite_asset_url
    check_hot_updates(page, fastapi_site)


def test_asgi_mount_foreign_origin_is_refused(fastapi_site: Site,
                                              server_loop: LoopThread) -> None:
    server_loop.run(foreign_origin_refused(fastapi_site, fastapi_site.page_url.rstrip("/")))


# -- 3. Django behind shaker dev --proxy --------------------------------------------------------


@pytest.fixture(scope="module")
def proxy_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("proxy")
    shaker_port, django_port = free_port(), free_port()
    django_project(root, shaker_port)
    django = runserver(root, django_port)
    try:
        shaker = shaker_dev(root, shaker_port, "--proxy", f"http://127.0.0.1:{django_port}")
    except BaseException:
        django.stop()
        raise
    try:
        yield Site(root, f"http://localhost:{shaker_port}/",
                   f"http://localhost:{shaker_port}/static/", root / "templates/index.html")
    finally:
        shaker.stop()
        django.stop()


def test_proxy_hot_updates_and_template_reload(proxy_site: Site, page: Page) -> None:
    check_hot_updates(page, proxy_site)


def test_proxy_python_edit_reloads_once_the_backend_is_back(proxy_site: Site,
                                                            page: Page) -> None:
    """Through the proxy the page's origin always answers: 502 while runserver restarts
    (slowly here), which the client counts as down."""
    check_python_edit(page, proxy_site, slow_start=True)


def test_proxy_foreign_origin_is_refused(proxy_site: Site, server_loop: LoopThread) -> None:
    server_loop.run(foreign_origin_refused(proxy_site, proxy_site.page_url.rstrip("/")))


# -- CSP nonces -------------------------------------------------------------------------------


def test_csp_nonce_on_every_tag_and_on_the_clients_styles(tmp_path: Path, page: Page,
                                                         server_loop: LoopThread) -> None:
    """A backend page under ``style-src 'nonce-…'``: the helpers' tags carry the nonce, and so
    do the ``<style>`` elements the client makes for CSS modules (from ``<meta
    property="csp-nonce">``, as Vite), so the styles apply and a CSS edit still swaps."""
    from aiohttp import web

    from shaker.config import Config, ServerConfig
    from shaker.dev.server import DevServer
    from shaker.integrations.tags import AssetTags

    write(tmp_path, FRONTEND)
    shaker_port, page_port = free_port(), free_port()
    tags = AssetTags(dev=True, base="/static/", dev_server=f"http://localhost:{shaker_port}")
    nonce = "r4nd0m"
    html = (f'<!doctype html><html><head><meta property="csp-nonce" nonce="{nonce}">'
            f"{tags.hmr_client(nonce)}{tags.asset('src/main.js', nonce)}</head>"
            '<body><h1>csp</h1><div id="app"></div></body></html>')
    policy = (f"script-src 'nonce-{nonce}' http://localhost:{shaker_port}; "
              f"style-src 'nonce-{nonce}'")

    async def serve_page(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html",
                            headers={"Content-Security-Policy": policy})

    async def start() -> tuple[DevServer, web.AppRunner]:
        config = Config(base="/static/", server=ServerConfig(port=shaker_port, strict_port=True))
        server = DevServer(tmp_path, config)
        await server.start()
        app = web.Application()
        app.router.add_get("/", serve_page)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", page_port).start()
        return server, runner

    server, runner = server_loop.run(start())
    violations: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    try:
        loaded = open_page(page, f"http://127.0.0.1:{page_port}/")
        assert page.eval_on_selector("h1", "e => getComputedStyle(e).color") == "rgb(255, 0, 0)"
        assert page.evaluate("[...document.querySelectorAll('style')].map(s => s.nonce)") == \
            [nonce]
        edit(tmp_path / "src/style.css", "rgb(255, 0, 0)", "rgb(0, 128, 0)")
        wait_js(page, "getComputedStyle(document.querySelector('h1')).color === 'rgb(0, 128, 0)'")
        assert page.evaluate("window.__loaded") == loaded
        assert violations == []
    finally:
        server_loop.run(server.close())
        server_loop.run(runner.cleanup())
