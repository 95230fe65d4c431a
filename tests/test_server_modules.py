"""Serving modules: MIME types, ETag/304, the transform cache, HTML injection, CSS and JSON
modules, build errors, plugin hooks, and the browser client's settings."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from test_server_support import async_test, receive_json, serve, write

from shaker.config import Config, HmrConfig, ServerConfig
from shaker.dev.client_assets import ClientTemplateError, render_client
from shaker.plugin import Plugin

PREAMBLE = 'import { createHotContext as __shaker_hot } from "/@shaker/client";'
CLIENT_TAG = '<script type="module" src="/@shaker/client"></script>'
CLIENT_DIR = Path(__file__).resolve().parents[1] / "shaker" / "client"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write(
        tmp_path / "root",
        {
            "index.html": "<!doctype html><html><head><title>t</title></head><body></body></html>",
            "sub/index.html": "<html><HEAD lang=en><title>sub</title></HEAD></html>",
            "sub/bare.html": "<p>no head at all</p>",
            "src/main.js": (
                'import "./style.css";\n'
                'import data from "../data.json";\n'
                "if (import.meta.hot) {\n  import.meta.hot.accept();\n}\n"
                "export default data;\n"
            ),
            "src/plain.js": 'import "./style.css";\nexport const x = 1;\n',
            "src/style.css": 'body { color: red; content: "</style>"; }\n',
            "data.json": '{"name": "shaker", "list": [1, 2]}',
            "broken.json": '{"name": ',
            "src/bad.js": "if (import.meta.hot) {\n  import.meta.hot.accept(\n",
            "assets/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
            "assets/a.png": b"\x89PNG\r\n\x1a\n",
            "assets/m.wasm": b"\x00asm\x01\x00\x00\x00",
            "assets/f.woff2": b"wOF2",
            "assets/note.txt": "note",
            "assets/x.map": "{}",
            "assets/blob.unknownext": b"\x00\x01",
            "assets/lib.mjs": "export default 1;\n",
            "assets/app.webmanifest": "{}",
        },
    )


# -- MIME types ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/src/plain.js", "text/javascript"),
        ("/assets/lib.mjs", "text/javascript"),
        ("/src/style.css", "text/css"),
        ("/data.json", "application/json"),
        ("/assets/logo.svg", "image/svg+xml"),
        ("/assets/a.png", "image/png"),
        ("/assets/m.wasm", "application/wasm"),
        ("/assets/f.woff2", "font/woff2"),
        ("/assets/note.txt", "text/plain"),
        ("/assets/x.map", "application/json"),
        ("/assets/app.webmanifest", "application/manifest+json"),
        ("/assets/blob.unknownext", "application/octet-stream"),
        ("/", "text/html"),
        ("/src/style.css?import", "text/javascript"),
        ("/data.json?import", "text/javascript"),
    ],
)
@async_test
async def test_mime_types(root: Path, path: str, content_type: str) -> None:
    async with serve(root) as h:
        response = await h.get(path)
        assert response.status == 200
        assert response.content_type == content_type
        assert response.headers["X-Content-Type-Options"] == "nosniff"


# -- ETag / 304 and the cache --------------------------------------------------------------


@pytest.mark.parametrize("path", ["/src/main.js", "/src/style.css?import", "/", "/assets/a.png"])
@async_test
async def test_etag_and_304(root: Path, path: str) -> None:
    async with serve(root) as h:
        first = await h.get(path)
        etag = first.headers["ETag"]
        again = await h.get(path, **{"If-None-Match": etag})
        assert again.status == 304
        assert await again.read() == b""
        other = await h.get(path, **{"If-None-Match": '"something-else"'})
        assert other.status == 200


@async_test
async def test_transform_cache_by_mtime_and_size(root: Path) -> None:
    calls: list[str] = []

    def transform(code: str, id: str) -> None:
        calls.append(id)

    config = Config(plugins=[Plugin(name="count", transform=transform)])
    async with serve(root, config) as h:
        await h.server.prebundle.wait()
        calls.clear()  # the dependency scan at start goes through the pipeline too
        first = await h.get("/src/main.js")
        second = await h.get("/src/main.js")
        assert first.headers["ETag"] == second.headers["ETag"]
        assert len(calls) == 1
        main = root / "src" / "main.js"
        main.write_text(main.read_text() + "console.log(1);\n")
        third = await h.get("/src/main.js")
        assert len(calls) == 2
        assert third.headers["ETag"] != first.headers["ETag"]
        assert "console.log(1);" in await third.text()
        stat = main.stat()  # same size, new mtime: rebuilt too
        os.utime(main, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        await h.get("/src/main.js")
        assert len(calls) == 3


# -- JavaScript ------------------------------------------------------------------------------


@async_test
async def test_js_module_gets_the_hot_context_and_import_queries(root: Path) -> None:
    async with serve(root) as h:
        response = await h.get("/src/main.js")
        code = await response.text()
        first_line = code.splitlines()[0]
        assert first_line.startswith(PREAMBLE)
        assert '__shaker_hot("/src/main.js")' in first_line
        assert 'import "./style.css?import";' in code
        assert 'import data from "../data.json?import";' in code
        assert len(code.splitlines()) == 6  # the preamble keeps every line number
        assert h.server.module_files["/src/main.js"] == (root / "src" / "main.js").resolve()


@async_test
async def test_js_without_hot_is_not_given_a_context(root: Path) -> None:
    async with serve(root) as h:
        code = await (await h.get("/src/plain.js")).text()
        assert code == 'import "./style.css?import";\nexport const x = 1;\n'


@async_test
async def test_syntax_error_is_a_500_module_and_an_overlay_error(root: Path) -> None:
    async with serve(root) as h:
        ws = await h.connected()
        response = await h.get("/src/bad.js")
        assert response.status == 500
        assert response.content_type == "text/javascript"
        body = await response.text()
        assert "throw new Error" in body
        payload = await receive_json(ws)
        assert payload["type"] == "error"
        err = payload["err"]
        assert err["loc"]["file"].endswith("bad.js")
        assert err["loc"]["line"] >= 1
        assert "bad.js" in err["frame"]
        assert err["message"]
        fixed = root / "src" / "bad.js"
        fixed.write_text("if (import.meta.hot) {\n  import.meta.hot.accept();\n}\n")
        assert (await h.get("/src/bad.js")).status == 200  # errors are never cached


# -- CSS and JSON as modules -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/src/style.css?import", {}), ("/src/style.css", {"Sec-Fetch-Dest": "script"})],
)
@async_test
async def test_css_module(root: Path, path: str, headers: dict[str, str]) -> None:
    async with serve(root) as h:
        response = await h.get(path, **headers)
        assert response.content_type == "text/javascript"
        code = await response.text()
        assert code.startswith(PREAMBLE)
        assert '__shaker_hot("/src/style.css")' in code.splitlines()[0]
        assert 'import { updateStyle, removeStyle } from "/@shaker/client";' in code
        css = (root / "src" / "style.css").read_text()
        assert f"const css = {json.dumps(css)};" in code
        assert "updateStyle(id, css);" in code
        assert "import.meta.hot.accept();" in code
        assert "import.meta.hot.prune(() => removeStyle(id));" in code
        assert 'const id = "/src/style.css";' in code


@async_test
async def test_css_link_stays_css(root: Path) -> None:
    async with serve(root) as h:
        response = await h.get("/src/style.css", **{"Sec-Fetch-Dest": "style"})
        assert response.content_type == "text/css"
        assert await response.text() == (root / "src" / "style.css").read_text()


@async_test
async def test_json_module(root: Path) -> None:
    async with serve(root) as h:
        code = await (await h.get("/data.json?import")).text()
        assert 'const data = {"name": "shaker", "list": [1, 2]};' in code
        assert "export default data;" in code
        raw = await h.get("/data.json")
        assert await raw.json() == {"name": "shaker", "list": [1, 2]}


@async_test
async def test_invalid_json_module_is_a_500_and_an_overlay_error(root: Path) -> None:
    async with serve(root) as h:
        ws = await h.connected()
        response = await h.get("/broken.json?import")
        assert response.status == 500
        payload = await receive_json(ws)
        assert payload["type"] == "error"
        assert payload["err"]["message"].startswith("Failed to parse JSON file")
        assert payload["err"]["loc"]["line"] == 1 and payload["err"]["loc"]["column"] == 10
        assert not payload["err"].get("stack")  # a located error, not a Python traceback


# -- HTML ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected_prefix"),
    [
        ("/", "<!doctype html><html><head>" + CLIENT_TAG + "<title>t</title>"),
        ("/index.html", "<!doctype html><html><head>" + CLIENT_TAG),
        ("/sub/", "<html><HEAD lang=en>" + CLIENT_TAG + "<title>sub</title>"),
        ("/sub/bare.html", CLIENT_TAG + "<p>no head at all</p>"),
    ],
)
@async_test
async def test_html_gets_the_client(root: Path, path: str, expected_prefix: str) -> None:
    async with serve(root) as h:
        response = await h.get(path)
        assert response.status == 200
        assert (await response.text()).startswith(expected_prefix)
        assert (await response.text()).count("/@shaker/client") == 1


@async_test
async def test_directory_without_slash_redirects(root: Path) -> None:
    async with serve(root) as h:
        response = await h.get("/sub?x=1")
        assert response.status == 301
        assert response.headers["Location"] == "/sub/?x=1"
        assert (await h.get("/nope/")).status == 404
        assert (await h.get("/src/")).status == 404  # no index.html there
        assert (await h.get("/src/plain.js/")).status == 404


@async_test
async def test_head_requests(root: Path) -> None:
    async with serve(root) as h:
        response = await h.http.head("/src/main.js")
        assert response.status == 200
        assert response.content_type == "text/javascript"


@async_test
async def test_base_path(root: Path) -> None:
    async with serve(root, Config(base="/app/")) as h:
        html = await (await h.get("/app/")).text()
        assert '<script type="module" src="/app/@shaker/client"></script>' in html
        assert (await h.get("/app/src/plain.js")).status == 200
        assert (await h.get("/src/plain.js")).status == 404
        assert (await h.get("/@shaker/client")).status == 200  # modules import it absolutely
        assert (await h.get("/app/@shaker/client")).status == 200
        assert h.server.ws_path == "/app/@shaker/ws"
        assert await receive_json(await h.connect()) == {"type": "connected"}


# -- plugins ---------------------------------------------------------------------------------


def virtual_plugin() -> Plugin:
    async def resolve_id(source: str, importer: str | None) -> str | None:
        if source == "virtual:greeting":
            return "\0virtual:greeting"
        if source == "/aliased.js":
            return str(Path(importer or "/").parent)  # never reached: importer is None
        return None

    def load(id: str) -> str | None:
        if id == "\0virtual:greeting":
            return "export default 'hello from a plugin';\n"
        return None

    async def transform(code: str, id: str) -> str | None:
        if id.endswith("plain.js"):
            return code + "// transformed\n"
        return None

    def transform_index_html(html: str, url: str) -> str:
        return html.replace("<title>t</title>", f"<title>{url}</title>")

    return Plugin(
        name="virtual",
        resolve_id=resolve_id,
        load=load,
        transform=transform,
        transform_index_html=transform_index_html,
    )


@async_test
async def test_plugin_hooks(root: Path) -> None:
    write(root, {"src/uses-virtual.js": 'import g from "virtual:greeting";\nexport default g;\n'})
    async with serve(root, Config(plugins=[virtual_plugin()])) as h:
        code = await (await h.get("/src/uses-virtual.js")).text()
        assert 'import g from "/@id/__x00__virtual:greeting";' in code
        virtual = await h.get("/@id/__x00__virtual:greeting")
        assert virtual.status == 200
        assert virtual.content_type == "text/javascript"
        assert await virtual.text() == "export default 'hello from a plugin';\n"
        assert (await h.get("/@id/virtual:other")).status == 404
        assert (await (await h.get("/src/plain.js")).text()).endswith("// transformed\n")
        assert "<title>/index.html</title>" in await (await h.get("/")).text()


@async_test
async def test_resolve_id_on_a_request_is_rechecked(root: Path, tmp_path: Path) -> None:
    secret = write(tmp_path / "outside", {"secret.js": "SECRET"}) / "secret.js"

    def resolve_id(source: str, importer: str | None) -> str | None:
        return str(secret) if source == "/redirected.js" else None

    async with serve(root, Config(plugins=[Plugin(name="r", resolve_id=resolve_id)])) as h:
        response = await h.get("/redirected.js")
        assert response.status == 403
        assert "SECRET" not in await response.text()


@async_test
async def test_raising_transform_hook_names_the_plugin(root: Path) -> None:
    def transform(code: str, id: str) -> str:
        raise ValueError("plugin broke")

    async with serve(root, Config(plugins=[Plugin(name="breaker", transform=transform)])) as h:
        ws = await h.connected()
        response = await h.get("/src/plain.js")
        assert response.status == 500
        payload = await receive_json(ws)
        assert payload["err"]["plugin"] == "breaker"
        assert "plugin broke" in payload["err"]["message"]
        assert "ValueError" in payload["err"]["stack"]
        assert (await h.get("/src/style.css")).status == 200  # the server goes on


@async_test
async def test_async_configure_server(root: Path) -> None:
    seen: list[Any] = []

    async def configure(server: Any) -> None:
        seen.append((server.root, server.config))

    config = Config(plugins=[Plugin(name="a", configure_server=configure)])
    async with serve(root, config) as h:
        assert seen == [(root.resolve(), config)]
        assert h.server.root == root.resolve()


# -- the browser client ----------------------------------------------------------------------


def test_render_client_substitutes_exactly_once() -> None:
    assert render_client("a(__SHAKER_CONFIG__)", {"x": None}) == 'a({"x": null})'
    with pytest.raises(ClientTemplateError):
        render_client("no placeholder", {})
    with pytest.raises(ClientTemplateError):
        render_client("__SHAKER_CONFIG__ __SHAKER_CONFIG__", {})


def client_settings(code: str) -> dict[str, Any]:
    assert "__SHAKER_CONFIG__" not in code
    start = code.index("const config = ") + len("const config = ")
    settings, _ = json.JSONDecoder().raw_decode(code[start:])
    return settings  # type: ignore[no-any-return]


@async_test
async def test_client_is_served_with_this_servers_settings(root: Path) -> None:
    async with serve(root) as h:
        response = await h.get("/@shaker/client")
        assert response.content_type == "text/javascript"
        assert client_settings(await response.text()) == {
            "wsPath": "/@shaker/ws",
            "wsToken": h.server.token,
            "hmrHost": None,
            "hmrPort": None,
            "hmrProtocol": None,
            "base": "/",
            "timeout": 30000,
            "overlay": True,
        }
        assert (await h.get("/@shaker/overlay.js")).status == 200
        assert (await h.get("/@shaker/nope.js")).status == 404
        assert (await h.get("/@shaker/client.d.ts")).status == 404


@pytest.mark.parametrize("base", ["/", "/app/"])
@async_test
async def test_client_modules_import_their_siblings_under_any_base(root: Path, base: str) -> None:
    """What the page's client imports (``./hot.js``, ``./overlay.js``) loads from beside it, as
    the package ships it, whatever the public base."""
    async with serve(root, Config(base=base)) as h:
        html = await (await h.get(base)).text()
        client = re.search(r'<script type="module" src="([^"]+)"></script>', html)
        assert client is not None and client.group(1) == f"{base}@shaker/client"
        queue, seen = [client.group(1)], set()
        while queue:
            url = queue.pop()
            response = await h.get(url)
            assert response.status == 200 and response.content_type == "text/javascript", url
            code = await response.text()
            seen.add(url)
            for specifier in re.findall(r"^import .* from '(\./[^']+)';$", code, re.MULTILINE):
                queue.append(urljoin(url, specifier))
        assert seen == {f"{base}@shaker/{name}" for name in ("client", "hot.js", "overlay.js")}
        hot = await (await h.get(f"{base}@shaker/hot.js")).text()
        assert hot == (CLIENT_DIR / "hot.js").read_text(encoding="utf-8")


@async_test
async def test_hmr_knobs_reach_the_client_and_the_server(root: Path) -> None:
    hmr = HmrConfig(
        client_port=443, host="proxy.test", path="/hmr", protocol="wss", overlay=False, timeout=5
    )
    async with serve(root, Config(server=ServerConfig(hmr=hmr))) as h:
        settings = client_settings(await (await h.get("/@shaker/client")).text())
        assert settings["wsPath"] == "/hmr"
        assert (settings["hmrHost"], settings["hmrPort"], settings["hmrProtocol"]) == (
            "proxy.test",
            443,
            "wss",
        )
        assert (settings["overlay"], settings["timeout"]) == (False, 5)
        assert h.server.ws_path == "/hmr"
        assert await receive_json(await h.connect()) == {"type": "connected"}


# -- npm packages in development -------------------------------------------------------------


@async_test
async def test_bare_imports_resolve_to_package_files_with_development_conditions(
    tmp_path: Path,
) -> None:
    write(tmp_path, {
        "node_modules/pkg/package.json": json.dumps({
            "name": "pkg", "type": "module",
            "exports": {".": {"development": "./dev.js", "default": "./prod.js"},
                        "./style.css": "./style.css"},
        }),
        "node_modules/pkg/dev.js": "export const x = 'dev';\n",
        "node_modules/pkg/prod.js": "export const x = 'prod';\n",
        "node_modules/pkg/style.css": "body { color: red }\n",
        "main.js": 'import { x } from "pkg";\nimport "pkg/style.css";\nconsole.log(x);\n',
        "ghost.js": 'import "ghost";\n',
    })
    async with serve(tmp_path) as h:
        code = await (await h.get("/main.js")).text()
        assert 'from "/node_modules/pkg/dev.js"' in code
        assert 'import "/node_modules/pkg/style.css?import"' in code
        served = await h.get("/node_modules/pkg/dev.js")
        assert served.status == 200 and "'dev'" in await served.text()
        ws = await h.connected()
        missing = await h.get("/ghost.js")
        assert missing.status == 500
        payload = await receive_json(ws)
        assert payload["type"] == "error"
        assert 'Failed to resolve import "ghost"' in payload["err"]["message"]


@async_test
async def test_base_path_reaches_modules_packages_and_page_references(tmp_path: Path) -> None:
    write(tmp_path, {
        "index.html": '<html><head><link rel="stylesheet" href="/style.css"></head>'
                      '<body><script type="module" src="/main.js"></script></body></html>',
        "style.css": "body {}\n",
        "node_modules/pkg/package.json": json.dumps({"name": "pkg", "exports": "./index.js"}),
        "node_modules/pkg/index.js": "export const x = 1;\n",
        "main.js": 'import { x } from "pkg";\nimport { y } from "/lib.js";\n'
                   "import.meta.hot?.accept();\n",
        "lib.js": "export const y = 2;\n",
    })
    async with serve(tmp_path, Config(base="/app/")) as h:
        html = await (await h.get("/app/")).text()
        assert 'src="/app/main.js"' in html and 'href="/app/style.css"' in html
        code = await (await h.get("/app/main.js")).text()
        assert 'from "/app/@shaker/client"' in code
        meta = h.server.prebundle.meta  # the package is pre-bundled, under the base too
        assert meta is not None
        bundled = f"/app/node_modules/.shaker/deps/pkg.js?v={meta.browser_hash}"
        assert f'from "{bundled}"' in code
        assert 'from "/app/lib.js"' in code
        assert (await h.get(bundled)).status == 200
        assert (await h.get("/app/node_modules/pkg/index.js")).status == 200


@async_test
async def test_relative_import_above_root_goes_through_fs(tmp_path: Path) -> None:
    root = write(tmp_path / "app", {"main.js": "import { v } from '../shared/lib.js';\n"})
    shared = write(tmp_path / "shared", {"lib.js": "export const v = 1;\n"})
    lib_url = "/@fs" + (shared / "lib.js").resolve().as_posix()
    async with serve(root, Config(server=ServerConfig(fs_allow=("../shared",)))) as h:
        code = await (await h.get("/main.js")).text()
        assert code == f'import {{ v }} from "{lib_url}";\n'
        assert (await h.get(lib_url)).status == 200
    async with serve(root) as h:  # not allowed: the import is rewritten, the file refused
        assert (await h.get(lib_url)).status == 403
