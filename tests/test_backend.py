"""Backend mode of the dev server, in process: what a page rendered by Django, Flask or FastAPI
(on another origin) needs of ``shaker dev`` (``shaker.dev.backend``, ``shaker.web.cors``,
``shaker.dev.proxy``), and ``vite/modulepreload-polyfill`` in dev and build.

The real frameworks and a real browser are in ``test_backend_frameworks.py`` and
``browser/test_backend_browser.py``.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from test_server_support import Harness, async_test, receive_json, serve, write

from shaker import protocol
from shaker.build.project import BuildOptions, build
from shaker.config import Config, ServerConfig, WatchConfig
from shaker.dev.backend import ReloadGlobs
from shaker.dev.watch import FileChange
from shaker.web.cors import CorsPolicy

LOCAL_ORIGINS = ("http://127.0.0.1:8000", "http://localhost:8000", "https://localhost",
                 "http://[::1]:8000", "http://app.localhost:3000")
FOREIGN_ORIGINS = ("http://evil.test", "http://127.0.0.1.evil.test", "http://localhost.evil.test",
                   "null", "file://", "http://10.0.0.1:8000")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(tmp_path, {
        "src/main.js": "import './style.css';\nimport logo from './logo.svg';\n"
                       "import 'vite/modulepreload-polyfill';\n"
                       "document.body.dataset.logo = logo;\nimport.meta.hot.accept();\n",
        "src/style.css": "body { background: url(./logo.svg); }\n",
        "src/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "templates/index.html": "<!doctype html><title>{{ x }}</title>",
        "app/views.py": "SECRET_KEY = 'x'\n",
        "index.html": "<!doctype html><html><head></head><body>page</body></html>",
    })


def backend_config(**server: object) -> Config:
    return Config(base="/static/", server=ServerConfig(**server))  # type: ignore[arg-type]


# -- configuration ----------------------------------------------------------------------------


def test_cors_config_forms() -> None:
    assert ServerConfig().cors == ServerConfig(cors=ServerConfig().cors).cors
    assert ServerConfig(cors="*").cors is True
    assert ServerConfig(cors={"origin": ["http://A.test:8000/"]}).cors == ("http://a.test:8000",)
    pattern = re.compile(r"https://.*\.example\.com")
    assert ServerConfig(cors=[pattern, "http://x.test"]).cors == (pattern, "http://x.test")
    with pytest.raises(ValueError, match="not an origin"):
        ServerConfig(cors=["localhost:8000"])
    with pytest.raises(ValueError, match="not an origin"):
        ServerConfig(origin="http://localhost:5173/static/")
    assert ServerConfig(origin="HTTP://LocalHost:5173/").origin == "http://localhost:5173"


def test_cors_policy_is_vites_default_rule() -> None:
    policy = CorsPolicy.from_config(ServerConfig().cors)
    assert all(policy.allows(o) for o in LOCAL_ORIGINS)
    assert not any(policy.allows(o) for o in FOREIGN_ORIGINS)
    assert policy.headers("http://evil.test") == {"Vary": "Origin"}
    assert CorsPolicy.from_config(True).allows("http://evil.test")
    regex = CorsPolicy.from_config((re.compile(r"https://[a-z]+\.example\.com"),))
    assert regex.allows("https://app.example.com")
    assert not regex.allows("https://app.example.com.evil.test")  # the whole origin must match


def test_proxy_is_loopback_only_by_default() -> None:
    assert ServerConfig(proxy="http://127.0.0.1:8000/").proxy == "http://127.0.0.1:8000"
    assert ServerConfig(proxy="http://localhost:8000").proxy == "http://localhost:8000"
    with pytest.raises(ValueError, match="proxy_remote"):
        ServerConfig(proxy="http://backend.internal:8000")
    assert ServerConfig(proxy="http://web:8000", proxy_remote=True).proxy == "http://web:8000"
    with pytest.raises(ValueError, match="not an origin"):
        ServerConfig(proxy="127.0.0.1:8000")


def test_reload_globs_match_relative_to_the_root(tmp_path: Path) -> None:
    write(tmp_path, {".venv/pyvenv.cfg": "", ".venv/lib/x.py": "", "venv2/pyvenv.cfg": ""})
    globs = ReloadGlobs(tmp_path, ("templates/**/*.html", "**/*.py", "../shared/**"))
    assert globs.matches(tmp_path / "templates/a/b.html")
    assert globs.matches(tmp_path / "templates/b.html")
    assert globs.matches(tmp_path / "app/views.py")
    assert not globs.matches(tmp_path / "other/templates/b.html")  # anchored at the root
    assert not globs.matches(tmp_path / "src/main.js")
    assert not globs.matches(tmp_path / ".venv/lib/x.py")  # a virtual environment
    assert not globs.matches(tmp_path / "venv2/lib/site-packages/y.py")
    assert globs.matches(tmp_path.parent / "shared/base.html")
    assert globs.watch_roots == (tmp_path.parent / "shared",)
    with pytest.raises(ValueError, match="relative to the root"):
        WatchConfig(reload=("/abs/*.html",))


# -- <base>@vite/client, CORS, the WebSocket ---------------------------------------------------


@async_test
async def test_vite_client_is_the_shaker_client_reexported(project: Path) -> None:
    async with serve(project, backend_config()) as h:
        response = await h.get("/static/@vite/client", Origin="http://127.0.0.1:8000")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/javascript")
        assert 'export * from "/static/@shaker/client";' in await response.text()
        assert response.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8000"
        client = await h.get("/static/@shaker/client")
        assert "createHotContext" in await client.text()


@async_test
async def test_cors_headers_for_local_origins_only(project: Path) -> None:
    paths = ("/static/src/main.js", "/static/src/style.css?import", "/static/src/logo.svg",
             "/static/@vite/client", "/static/@shaker/client", "/static/@shaker/hot.js",
             "/static/@id/__x00__vite/modulepreload-polyfill.js")
    async with serve(project, backend_config()) as h:
        for path in paths:
            for origin in LOCAL_ORIGINS:
                response = await h.get(path, Origin=origin)
                assert response.status == 200, path
                assert response.headers["Access-Control-Allow-Origin"] == origin, path
                assert "Origin" in response.headers["Vary"]
            for origin in FOREIGN_ORIGINS:
                response = await h.get(path, Origin=origin)
                assert "Access-Control-Allow-Origin" not in response.headers, (path, origin)
        # a revalidation (304) carries the headers too
        first = await h.get("/static/src/main.js", Origin=LOCAL_ORIGINS[0])
        again = await h.get("/static/src/main.js", Origin=LOCAL_ORIGINS[1],
                            **{"If-None-Match": first.headers["ETag"]})
        assert again.status == 304
        assert again.headers["Access-Control-Allow-Origin"] == LOCAL_ORIGINS[1]


@async_test
async def test_preflight(project: Path) -> None:
    async with serve(project, backend_config()) as h:
        asked = {"Origin": "http://localhost:8000", "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "x-requested-with"}
        response = await h.http.options("/static/src/main.js", headers=asked)
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:8000"
        assert "GET" in response.headers["Access-Control-Allow-Methods"]
        assert response.headers["Access-Control-Allow-Headers"] == "x-requested-with"
        evil = {**asked, "Origin": "http://evil.test"}
        refused = await h.http.options("/static/src/main.js", headers=evil)
        assert refused.status == 405
        assert "Access-Control-Allow-Origin" not in refused.headers


@async_test
async def test_cors_options(project: Path) -> None:
    async with serve(project, backend_config(cors=False)) as h:
        response = await h.get("/static/src/main.js", Origin="http://localhost:8000")
        assert "Access-Control-Allow-Origin" not in response.headers
        assert await ws_status(h, "http://127.0.0.1:8000") == 403
    async with serve(project, backend_config(cors=["http://app.test:8000"])) as h:
        response = await h.get("/static/src/main.js", Origin="http://app.test:8000")
        assert response.headers["Access-Control-Allow-Origin"] == "http://app.test:8000"
        response = await h.get("/static/src/main.js", Origin="http://localhost:8000")
        assert "Access-Control-Allow-Origin" not in response.headers
        assert await ws_status(h, "http://app.test:8000") == 101
        assert await ws_status(h, "http://127.0.0.1:8000") == 403
    async with serve(project, backend_config(cors=True)) as h:
        response = await h.get("/static/src/main.js", Origin="http://evil.test")
        assert response.headers["Access-Control-Allow-Origin"] == "http://evil.test"


async def ws_status(h: Harness, origin: str, *, token: bool = True) -> int:
    try:
        ws = await h.connect(headers={"Origin": origin}, token=None if not token else
                             "<the server's token>")
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status
    assert await receive_json(ws) == {"type": "connected"}
    await ws.close()
    return 101


@async_test
async def test_websocket_accepts_the_cors_origins_with_the_token(project: Path) -> None:
    async with serve(project, backend_config()) as h:
        for origin in LOCAL_ORIGINS:
            assert await ws_status(h, origin) == 101, origin
            assert await ws_status(h, origin, token=False) == 403, origin
        for origin in FOREIGN_ORIGINS:
            assert await ws_status(h, origin) == 403, origin


# -- server.origin ----------------------------------------------------------------------------


@async_test
async def test_server_origin_prefixes_asset_urls(project: Path) -> None:
    config = backend_config(origin="http://devbox.test:5173")
    async with serve(project, config) as h:
        logo = await (await h.get("/static/src/logo.svg?import")).text()
        assert '"http://devbox.test:5173/static/src/logo.svg"' in logo
        style = await (await h.get("/static/src/style.css?import")).text()
        assert "url(http://devbox.test:5173/static/src/logo.svg)" in style
        main = await (await h.get("/static/src/main.js")).text()
        assert 'from "./logo.svg?import"' in main  # modules stay relative: same server
        # the origin's host name is one this server answers to
        assert (await h.raw("/static/src/main.js", {"Host": "devbox.test:5173"}))[0] == 200
    async with serve(project, backend_config()) as h:
        style = await (await h.get("/static/src/style.css?import")).text()
        assert "url(/static/src/logo.svg)" in style


# -- vite/modulepreload-polyfill --------------------------------------------------------------


@async_test
async def test_modulepreload_polyfill_in_dev_is_empty(project: Path) -> None:
    async with serve(project, backend_config()) as h:
        main = await (await h.get("/static/src/main.js")).text()
        assert 'import "/static/@id/__x00__vite/modulepreload-polyfill.js";' in main
        polyfill = await h.get("/static/@id/__x00__vite/modulepreload-polyfill.js")
        assert polyfill.status == 200
        assert (await polyfill.text()).strip() == ""


def test_modulepreload_polyfill_in_a_build(project: Path) -> None:
    result = build(project, BuildOptions(outdir="dist", base="/static/", manifest=True,
                                         entries=("src/main.js",), bundle=False))
    assert result is not None
    manifest = json.loads((project / "dist/.vite/manifest.json").read_text())
    entry = manifest["vite/modulepreload-polyfill.js"]
    assert entry["src"] == "vite/modulepreload-polyfill.js"
    assert "vite/modulepreload-polyfill.js" in manifest["src/main.js"]["imports"]
    code = (project / "dist" / entry["file"]).read_text()
    assert "relList.supports(\"modulepreload\")" in code and "MutationObserver" in code
    # Bundled (the default), the polyfill is linked into the entry's chunk, as in Vite.
    build(project, BuildOptions(outdir="dist", base="/static/", manifest=True,
                                entries=("src/main.js",)))
    manifest = json.loads((project / "dist/.vite/manifest.json").read_text())
    assert "vite/modulepreload-polyfill.js" not in manifest
    code = (project / "dist" / manifest["src/main.js"]["file"]).read_text()
    assert "relList.supports(\"modulepreload\")" in code and "MutationObserver" in code


# -- reload globs -----------------------------------------------------------------------------


@async_test
async def test_reload_globs_are_never_served(project: Path) -> None:
    config = backend_config(watch={"reload": ("templates/**/*.html", "**/*.py")})
    async with serve(project, config) as h:
        assert (await h.get("/static/templates/index.html")).status == 403
        assert (await h.get("/static/app/views.py")).status == 403
        assert (await h.get("/static/src/main.js")).status == 200
    async with serve(project, backend_config()) as h:  # without the globs: files as any
        assert (await h.get("/static/app/views.py")).status == 200


@async_test
async def test_a_reload_glob_change_reloads_every_page_waiting_for_its_origin(
        project: Path) -> None:
    config = backend_config(watch={"reload": ("templates/**/*.html", "**/*.py"),
                                   "reload_delay": 900})
    async with serve(project, config) as h:
        ws = await h.connected(headers={"Origin": "http://127.0.0.1:8000"})
        await h.server._on_file_changes([FileChange(project / "templates/index.html",
                                                    "modified")])
        payload = await receive_json(ws)
        assert payload == {
            "type": "full-reload", "path": "*",
            "triggeredBy": str(project / "templates/index.html"),
            "reason": "templates/index.html changed (server.watch.reload)",
            "waitForOrigin": 900,
        }
        # a batch with a module and a Python file: one reload, and the module still checked
        await h.server._on_file_changes([FileChange(project / "app/views.py", "modified"),
                                         FileChange(project / "src/main.js", "modified")])
        payload = await receive_json(ws)
        assert payload["type"] == "full-reload"
        assert payload["reason"] == "app/views.py changed (server.watch.reload)"
        await ws.close()


@async_test
async def test_reload_globs_outside_the_root_are_watched(tmp_path: Path) -> None:
    root = write(tmp_path / "frontend", {"src/main.js": "export {};\n"})
    write(tmp_path, {"templates/base.html": "<p>1</p>"})
    config = backend_config(watch={"reload": ("../templates/**/*.html",)})
    async with serve(root, config) as h:
        await h.server.start_watching()
        ws = await h.connected()
        (tmp_path / "templates/base.html").write_text("<p>2</p>")
        payload = await asyncio.wait_for(receive_json(ws), 10)
        assert payload["reason"] == "../templates/base.html changed (server.watch.reload)"
        await ws.close()


def test_full_reload_payload_fields_match_the_client_jsdoc() -> None:
    """Every wire field of ``FullReload`` is in the client's ``FullReloadPayload`` typedef."""
    client = (Path(protocol.__file__).parent / "client" / "client.js").read_text()
    typedef = next(line for line in client.splitlines() if "} FullReloadPayload" in line)
    fields = set(re.findall(r"(\w+)\??: ", typedef.partition("{{")[2]))
    wire = protocol.to_wire(protocol.FullReload(path="*", triggered_by="x", reason="y",
                                                wait_for_origin=1))
    assert set(wire) == fields
    assert "waitForOrigin?: number" in typedef


# -- --proxy ----------------------------------------------------------------------------------


async def backend_app(me: dict[str, str]) -> web.Application:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<!doctype html><html><head><title>b</title></head>"
                                 f"<body>host={request.host}</body></html>",
                            content_type="text/html")

    async def form(request: web.Request) -> web.Response:
        data = await request.post()
        response = web.Response(text=f"posted {data['x']}")
        response.set_cookie("session", "abc")
        return response

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"http://{me['host']}/done")

    async def echo(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(protocols=("echo",))
        await ws.prepare(request)
        async for message in ws:
            await ws.send_str("echo:" + message.data)
        return ws

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_post("/form", form)
    app.router.add_get("/moved", moved)
    app.router.add_get("/ws", echo)
    async def admin_css(request: web.Request) -> web.Response:
        return web.Response(text="admin {}", content_type="text/css")

    app.router.add_get("/static/admin.css", admin_css)
    return app


@async_test
async def test_proxy_forwards_what_shaker_does_not_serve(project: Path) -> None:
    me: dict[str, str] = {}
    app = await backend_app(me)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    me["host"] = f"127.0.0.1:{port}"
    try:
        config = backend_config(proxy=f"http://127.0.0.1:{port}")
        async with serve(project, config) as h:
            page = await h.get("/", Accept="text/html")
            html = await page.text()
            assert page.status == 200
            assert '<script type="module" src="/static/@shaker/client"></script>' in html
            assert f"host={h.host}" in html  # Host is kept
            assert "Access-Control-Allow-Origin" not in (
                await h.get("/", Origin="http://localhost:8000")).headers
            posted = await h.http.post("/form", data={"x": "1"})
            assert await posted.text() == "posted 1"
            assert "session=abc" in posted.headers["Set-Cookie"]
            moved = await h.get("/moved")
            assert moved.status == 302 and moved.headers["Location"] == "/done"
            assert await (await h.get("/static/admin.css")).text() == "admin {}"
            # shaker's own files and URLs are shaker's
            main = await h.get("/static/src/main.js")
            assert "import.meta.hot" in await main.text()
            assert (await h.get("/static/@id/nothing")).status == 404
            ws = await h.http.ws_connect("/ws", protocols=("echo",))
            assert ws.protocol == "echo"
            await ws.send_str("hi")
            assert (await ws.receive(timeout=5)).data == "echo:hi"
            await ws.close()
            hmr = await h.connected()  # the hot channel is not forwarded
            await hmr.close()
        async with serve(project, backend_config(proxy="http://127.0.0.1:9")) as h:
            down = await h.get("/")
            assert down.status == 502
            assert "did not answer" in await down.text()
            page = await h.get("/", Accept="text/html")  # a page tries again by itself
            assert page.status == 502
            assert '<meta http-equiv="refresh" content="1">' in await page.text()
    finally:
        await runner.cleanup()
