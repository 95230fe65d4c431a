"""The shared pipeline: one resolver, one loader table, one error format for dev and build.

Pure tests of ``shaker.pipeline`` (no server), then in-process dev-server tests of what the
pipeline now gives ``shaker dev`` that only ``shaker build`` had before; the browser-level
proof that both print the same is ``tests/browser/test_parity.py``.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from test_server_support import async_test, serve, write

from shaker.build.project import BuildError, BuildOptions, build
from shaker.config import Config
from shaker.pipeline.env import load_env
from shaker.pipeline.pipeline import Pipeline, PipelineOptions
from shaker.pipeline.plugins import PluginContainer
from shaker.pipeline.record import ModuleError, Target
from shaker.pipeline.resolve import browser_external_id
from shaker.plugin import Plugin


def _write_back(target: Target, specifier: str, as_module: bool) -> str:
    """A ``write`` callback that shows what each import resolved to."""
    return f"{Path(target.id).name}|{target.kind}|{target.query}|{as_module}"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(tmp_path, {
        "index.html": "<script type=module src=/main.js></script>",
        "main.js": ('import { greet } from "./helper";\nimport { x } from "./lib";\n'
                    'import logo from "./logo.png";\nimport u from "./logo.png?url";\n'
                    'import t from "./note.txt?raw";\nimport d, { name } from "./data.json";\n'
                    'import "./style.css";\nconsole.log(greet, x, logo, u, t, d, name);\n'),
        "helper.js": "export const greet = 1;\n",
        "lib/index.js": "export const x = 2;\n",
        "logo.png": b"\x89PNG\r\n\x1a\n",
        "note.txt": "note",
        "data.json": '{"name": "n", "if": 1, "a-b": 2}',
        "style.css": "@import './sub/other.css';\nbody { background: url(./logo.png) }\n",
        "sub/other.css": "p { background: url('../logo.png') }\n",
    })


def _pipeline(root: Path, mode: str = "production", **kwargs: object) -> Pipeline:
    return Pipeline(PipelineOptions(root.resolve(), mode, **kwargs))  # type: ignore[arg-type]


def test_every_import_kind_resolves_once_for_both_modes(project: Path) -> None:
    for mode in ("production", "development"):
        pipeline = _pipeline(project, mode)
        main = str(project.resolve() / "main.js")
        record = pipeline.javascript(pipeline.load(main), main, _write_back)
        written = [line.split('"')[1] for line in record.code.splitlines() if " from " in line
                   or line.startswith("import \"")]
        assert written == ["helper.js|js||True", "index.js|js||True", "logo.png|url||True",
                           "logo.png|url|?url|True", "note.txt|raw|?raw|True",
                           "data.json|json||True", "style.css|css||True"]
        assert [r.kind for r in record.imports] == ["static"] * 7


def test_json_named_exports_skip_keywords_and_invalid_names(project: Path) -> None:
    pipeline = _pipeline(project)
    path = str(project / "data.json")
    code = pipeline.json(pipeline.load(path), path).code
    assert code.endswith("export const { name } = data ?? {};\n")


def test_stylesheet_urls_resolve_from_the_stylesheet_and_imports_can_be_inlined(
        project: Path) -> None:
    pipeline = _pipeline(project)
    path = str(project.resolve() / "style.css")
    kept = pipeline.stylesheet(pipeline.load(path), path, _write_back)
    assert "@import 'other.css|css||False';" in kept.code
    inlined = pipeline.stylesheet(pipeline.load(path), path, _write_back, inline_imports=True)
    assert inlined.code.startswith("p { background: url('logo.png|url||False') }")
    assert "@import" not in inlined.code


def test_errors_are_located_and_name_every_missing_import(tmp_path: Path) -> None:
    write(tmp_path, {"a.js": 'import "./nope";\nimport "ghost";\n', "bad.json": '{"a": }',
                     "latin1.js": b"// caf\xe9\nexport {};\n"})
    pipeline = _pipeline(tmp_path)
    a = str(tmp_path / "a.js")
    with pytest.raises(ModuleError) as info:
        pipeline.javascript(pipeline.load(a), a, _write_back)
    first, second = (d for d, _ in info.value.problems)
    assert (first.line, first.column) == (1, 8)
    assert first.message == 'Failed to resolve import "./nope" from "a.js". Does the file exist?'
    assert second.message.startswith('Failed to resolve import "ghost" from "a.js": package')
    assert str(tmp_path / "nope.js") in info.value.missing
    with pytest.raises(ModuleError, match=r"Failed to parse JSON file") as info:
        pipeline.json(pipeline.load(str(tmp_path / "bad.json")), "bad.json")
    assert (info.value.diagnostic.line, info.value.diagnostic.column) == (1, 7)
    with pytest.raises(ModuleError, match=r"not UTF-8: invalid byte 0xe9 at offset 6") as info:
        pipeline.load(str(tmp_path / "latin1.js"))
    assert (info.value.diagnostic.line, info.value.diagnostic.column) == (1, 7)


def test_plugins_run_in_the_pipeline_sync_and_async(tmp_path: Path) -> None:
    write(tmp_path, {"main.js": 'import v from "virtual:v";\nconsole.log(v, __X__);\n'})

    def resolve_id(source: str, importer: str | None) -> str | None:
        return "\0virtual:v" if source == "virtual:v" else None

    async def load(id: str) -> str | None:
        await asyncio.sleep(0)
        return "export default 1;\n" if id == "\0virtual:v" else None

    def transform(code: str, id: str) -> str:
        return code.replace("__X__", "__Y__")

    plugins = PluginContainer([Plugin("p", resolve_id=resolve_id, load=load,
                                      transform=transform)])
    pipeline = Pipeline(PipelineOptions(tmp_path, define={"__Y__": "42"}), plugins)
    main = str(tmp_path / "main.js")
    record = pipeline.javascript(pipeline.load(main), main, _write_back)
    assert record.imports[0].target == Target("\0virtual:v", "js", virtual=True)
    assert "console.log(v, 42)" in record.code
    assert pipeline.load("\0virtual:v").text == "export default 1;\n"


def test_defaults_define_node_env_by_mode(tmp_path: Path) -> None:
    for mode, value in (("development", '"development"'), ("production", '"production"')):
        assert _pipeline(tmp_path, mode).define["process.env.NODE_ENV"] == value


def test_env_files_follow_vites_precedence_and_keep_secrets_out(tmp_path: Path) -> None:
    write(tmp_path, {
        ".env": "VITE_A=env\nVITE_B=env\nVITE_C=env\nVITE_D=env\nSECRET=s\n",
        ".env.local": "VITE_B=local\nVITE_C=local\nVITE_D=local\n",
        ".env.production": "VITE_C=mode\nVITE_D=mode\n",
        ".env.production.local": "VITE_D=mode-local\nVITE_REF=${VITE_A}-x\n",
    })
    env = load_env(tmp_path, "production", environ={"VITE_A": "process", "HOME": "/root"})
    assert env == {"VITE_A": "process", "VITE_B": "local", "VITE_C": "mode",
                   "VITE_D": "mode-local", "VITE_REF": "process-x"}
    assert load_env(tmp_path, "development", environ={})["VITE_C"] == "local"


def test_build_reports_undecodable_source_with_its_byte_offset(tmp_path: Path) -> None:
    write(tmp_path, {"index.html": "<script type=module src=/main.js></script>",
                     "main.js": b"export const s = '\xff';\n"})
    with pytest.raises(BuildError) as info:
        build(tmp_path, BuildOptions(outdir="dist"))
    rendered = info.value.render()
    assert "main.js:1:19: error: not UTF-8: invalid byte 0xff at offset 18" in rendered
    assert not (tmp_path / "dist").exists()


# -- the browser field: swapped files and `false` entries, in dev and in build -----------------


@pytest.fixture
def browser_app(tmp_path: Path) -> Path:
    """An app importing an axios-like package (a Node adapter swapped for the browser one,
    ``"http": false``) and an engine.io-like one (``"ws": false``, though ws is installed)."""
    axios = {"name": "axios", "main": "index.js", "browser": {
        "./lib/adapters/http.js": "./lib/adapters/xhr.js", "http": False}}
    eio = {"name": "eio", "module": "build/index.js", "browser": {"ws": False}}
    return write(tmp_path, {
        "index.html": "<script type=module src=/main.js></script>",
        "main.js": ('import axios from "axios";\nimport { connect } from "eio";\n'
                    "console.log(axios(), connect());\n"),
        "node_modules/axios/package.json": json.dumps(axios),
        "node_modules/axios/index.js": ('import adapter from "./lib/adapters/http.js";\n'
                                        'import { keys } from "./lib/defaults.js";\n'
                                        "export default () => [adapter(), keys];\n"),
        "node_modules/axios/lib/defaults.js": ('import http from "http";\n'
                                               "export const keys = Object.keys(http);\n"),
        "node_modules/axios/lib/adapters/http.js": ('import http from "http";\n'
                                                    "export default () => http.request;\n"),
        "node_modules/axios/lib/adapters/xhr.js": 'export default () => "xhr";\n',
        "node_modules/eio/package.json": json.dumps(eio),
        "node_modules/eio/build/index.js": ('import WebSocket from "ws";\n'
                                            "export const connect = () => WebSocket;\n"),
        "node_modules/ws/package.json": json.dumps({"name": "ws", "exports": "./index.js"}),
        "node_modules/ws/index.js": "export default class WebSocket {}\n",
    })


def test_false_entries_are_empty_modules_in_the_pipeline(browser_app: Path) -> None:
    pipeline = _pipeline(browser_app)
    importer = str(browser_app.resolve() / "node_modules/eio/build/index.js")
    target = pipeline.resolve("ws", importer)
    assert target == Target(browser_external_id("ws"), "empty", virtual=True)
    record = pipeline.empty(target.id)
    assert (record.code, record.kind, record.side_effects) == ("export default {};\n", "empty",
                                                                False)
    code = pipeline.javascript(pipeline.load(importer), importer, _write_back).code
    assert 'from "__shaker-browser-external:ws|empty||True"' in code


@async_test
async def test_dev_serves_browser_replacements_and_empty_modules(browser_app: Path) -> None:
    # module by module (pre-bundled, the same modules go to the linker: tests/browser's axios)
    async with serve(browser_app, Config(optimize_deps={"disabled": True})) as h:
        main = await (await h.get("/main.js")).text()
        assert 'from "/node_modules/axios/index.js"' in main
        axios = await (await h.get("/node_modules/axios/index.js")).text()
        assert 'from "./lib/adapters/xhr.js"' in axios
        defaults = await (await h.get("/node_modules/axios/lib/defaults.js")).text()
        assert 'from "/@id/__shaker-browser-external:http?import"' in defaults
        eio = await (await h.get("/node_modules/eio/build/index.js")).text()
        assert 'from "/@id/__shaker-browser-external:ws?import"' in eio
        empty = await h.get("/@id/__shaker-browser-external:ws?import")
        assert empty.status == 200 and empty.content_type == "text/javascript"
        assert await empty.text() == "export default {};\n"
        # An id that ends like a JSON file is still the empty module, not JSON.
        data = await h.get("/@id/__shaker-browser-external:pkg/data.json?import")
        assert await data.text() == "export default {};\n"


def test_build_writes_browser_replacements_and_empty_modules(
        browser_app: Path, tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    build(browser_app, BuildOptions(outdir="dist", bundle=False))
    assets = {f.name.rsplit("-", 1)[0]: f for f in (browser_app / "dist/assets").iterdir()}
    assert sorted(assets) == ["axios-defaults", "axios-index", "axios-xhr",
                              "browser-external-http", "browser-external-ws", "eio-index", "main"]
    for name in ("browser-external-http", "browser-external-ws"):
        assert assets[name].read_text() == "export default {};\n"
    assert f'from "./{assets["browser-external-ws"].name}"' in assets["eio-index"].read_text()
    assert f'from "./{assets["axios-xhr"].name}"' in assets["axios-index"].read_text()
    # The empty module's name (its hash) does not depend on where the build was started from.
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    build(browser_app, BuildOptions(outdir="dist2", bundle=False))
    assert sorted(f.name for f in (browser_app / "dist2/assets").iterdir()) == \
        sorted(f.name for f in assets.values())


def test_commonjs_requires_follow_the_browser_field(tmp_path: Path) -> None:
    """``require`` goes through the same resolver: a swapped file is required in its place,
    and a built-in the package maps to ``false`` is the empty module, without the warning for
    a built-in nobody mapped."""
    write(tmp_path, {
        "node_modules/dep/package.json": json.dumps({"name": "dep", "main": "index.js",
                                                     "browser": {"./node.js": "./web.js",
                                                                 "fs": False}}),
        "node_modules/dep/index.js": ('var fs = require("fs");\nvar os = require("os");\n'
                                      'module.exports = [require("./node.js"), fs, os];\n'),
        "node_modules/dep/node.js": 'module.exports = "node";\n',
        "node_modules/dep/web.js": 'module.exports = "web";\n',
    })
    pipeline = _pipeline(tmp_path)
    index = str(tmp_path.resolve() / "node_modules/dep/index.js")
    record = pipeline.javascript(pipeline.load(index), index, _write_back)
    assert 'from "__shaker-browser-external:fs|empty||True"' in record.code
    assert 'from "web.js|js||True"' in record.code and "node.js|" not in record.code
    assert [d.message.split(":")[0] for d in record.diagnostics
            if d.id == "node-builtin"] == ['"os" is a Node.js built-in module']


_NAMED_FROM_FALSE = {
    "index.html": "<script type=module src=/main.js></script>",
    "main.js": 'import { r } from "nodey";\nconsole.log(r);\n',
    "node_modules/nodey/package.json": json.dumps({"name": "nodey", "module": "index.js",
                                                   "browser": {"http": False}}),
    "node_modules/nodey/index.js": 'import { request } from "http";\nexport const r = request;\n',
}
_NAMED_FROM_FALSE_MESSAGE = (
    '"request" is not exported by "{exporter}", imported by "{importer}" '
    '({exporter} exports: default)')


def test_build_fails_on_a_named_import_of_a_false_entry(tmp_path: Path) -> None:
    """The empty module has a default export only: a browser would not link the page."""
    write(tmp_path, _NAMED_FROM_FALSE)
    with pytest.raises(BuildError) as info:
        build(tmp_path, BuildOptions(outdir="dist"))
    (problem,) = info.value.problems
    assert (problem.diagnostic.line, problem.diagnostic.column) == (1, 25)  # "http"
    assert problem.diagnostic.message.endswith(_NAMED_FROM_FALSE_MESSAGE.format(
        exporter="__shaker-browser-external:http", importer="node_modules/nodey/index.js"))


@async_test
async def test_dev_reports_a_named_import_of_a_false_entry(tmp_path: Path) -> None:
    write(tmp_path, _NAMED_FROM_FALSE)
    async with serve(tmp_path) as h:
        ws = await h.connected()
        nodey = await (await h.get("/node_modules/nodey/index.js")).text()
        assert 'from "/@id/__shaker-browser-external:http?import"' in nodey
        assert (await h.get("/@id/__shaker-browser-external:http?import")).status == 200
        from test_server_support import receive_json
        payload = await receive_json(ws)
        assert payload["type"] == "error"
        assert payload["err"]["message"] == _NAMED_FROM_FALSE_MESSAGE.format(
            exporter="/@id/__shaker-browser-external:http",
            importer="node_modules/nodey/index.js")


# -- the dev server over the pipeline ---------------------------------------------------------


@async_test
async def test_dev_serves_what_build_resolves(project: Path) -> None:
    async with serve(project) as h:
        code = await (await h.get("/main.js")).text()
        for expected in ('from "./helper.js"', 'from "./lib/index.js"',
                         'from "./logo.png?import"', 'from "./logo.png?import&url"',
                         'from "./note.txt?import&raw"', 'from "./data.json?import"'):
            assert expected in code
        asset = await h.get("/logo.png?import")
        assert asset.content_type == "text/javascript"
        assert await asset.text() == 'export default "/logo.png";\n'
        assert (await h.get("/logo.png")).content_type == "image/png"
        raw = await (await h.get("/note.txt?import&raw")).text()
        assert raw == 'export default "note";\n'
        data = await (await h.get("/data.json?import")).text()
        assert data.endswith("export const { name } = data ?? {};\n")
        style = await (await h.get("/style.css?import")).text()
        assert "url(/logo.png)" in style and "url('/logo.png')" in style


@async_test
async def test_dev_applies_defines_env_and_the_base(tmp_path: Path) -> None:
    write(tmp_path, {
        ".env": "VITE_WHO=dev-env\nSECRET=no\n",
        "main.js": ("import { h } from './helper';\n"
                    "console.log(__V__, import.meta.env.VITE_WHO, import.meta.env.SECRET, "
                    "process.env.NODE_ENV, h);\n"),
        "helper.js": "export const h = 1;\n",
    })
    async with serve(tmp_path, Config(base="/app/", define={"__V__": json.dumps("1.0")})) as h:
        code = await (await h.get("/app/main.js")).text()
        assert 'console.log("1.0", import.meta.env.VITE_WHO' in code
        assert '"VITE_WHO": "dev-env"' in code and "SECRET" not in code.split(";")[0]
        assert '"development", h)' in code
        assert "from './helper.js'" in code or 'from "./helper.js"' in code


@async_test
async def test_dev_reports_undecodable_source_and_invalid_json_without_a_traceback(
        tmp_path: Path) -> None:
    write(tmp_path, {"bad.js": b"export const s = '\xff';\n", "bad.json": "{,}"})
    async with serve(tmp_path) as h:
        response = await h.get("/bad.js")
        assert response.status == 500
        body = await response.text()
        assert "not UTF-8: invalid byte 0xff at offset 18" in body
        assert "Traceback" not in body
        assert (await h.get("/bad.json?import")).status == 500


@async_test
async def test_dev_serves_public_files_at_the_root_as_build_copies_them(tmp_path: Path) -> None:
    write(tmp_path, {"public/robots.txt": "User-agent: *\n", "public/v.js": "export {}; //x\n",
                     "index.html": "<p>hi</p>"})
    async with serve(tmp_path) as h:
        robots = await h.get("/robots.txt")
        assert robots.status == 200 and await robots.text() == "User-agent: *\n"
        assert await (await h.get("/v.js")).text() == "export {}; //x\n"  # not transformed
        assert (await h.get("/")).status == 200


def test_build_fails_on_an_import_of_a_name_that_is_not_exported(tmp_path: Path) -> None:
    write(tmp_path, {
        "index.html": "<script type=module src=/main.js></script>",
        "main.js": 'import { ok } from "./lib.js";\nimport { nope, fine } from "./lib.js";\n'
                   "console.log(ok, nope, fine);\n",
        "lib.js": 'export const ok = 1;\nexport * from "./more.js";\n',
        "more.js": "export const fine = 2;\nexport default 3;\n",
    })
    with pytest.raises(BuildError) as info:
        build(tmp_path, BuildOptions(outdir="dist"))
    (problem,) = info.value.problems
    assert (problem.diagnostic.line, problem.diagnostic.column) == (2, 28)
    assert problem.diagnostic.message.endswith(
        '"nope" is not exported by "lib.js", imported by "main.js" (lib.js exports: fine, ok)')


@async_test
async def test_dev_reports_an_import_of_a_name_that_is_not_exported(tmp_path: Path) -> None:
    write(tmp_path, {
        "main.js": 'import { ok } from "./lib.js";\nimport { nope } from "./lib.js";\n',
        "lib.js": 'export const ok = 1;\nexport * from "./more.js";\n',
        "more.js": "export const fine = 2;\n",
    })
    async with serve(tmp_path) as h:
        ws = await h.connected()
        assert (await h.get("/main.js")).status == 200
        assert (await h.get("/lib.js")).status == 200
        assert (await h.get("/more.js")).status == 200  # now lib.js's exports are all known
        from test_server_support import receive_json
        payload = await receive_json(ws)
        assert payload["type"] == "error"
        assert payload["err"]["message"] == (
            '"nope" is not exported by "lib.js", imported by "main.js" (lib.js exports: fine, ok)')
        assert (payload["err"]["loc"]["line"], payload["err"]["loc"]["column"]) == (2, 22)


@async_test
async def test_dev_runs_inline_module_scripts_through_the_pipeline(tmp_path: Path) -> None:
    write(tmp_path, {
        "index.html": ("<!doctype html><html><head></head><body>\n"
                       "<script type=\"module\">import { h } from './helper';\n"
                       "console.log(h, __V__)</script></body></html>"),
        "helper.js": "export const h = 1;\n",
    })
    async with serve(tmp_path, Config(define={"__V__": "2"})) as h:
        html = await (await h.get("/")).text()
        assert 'import { h } from "./helper.js";\nconsole.log(h, 2)</script>' in html


def test_typescript_jsx_and_tsconfig_in_the_pipeline(tmp_path: Path) -> None:
    write(tmp_path, {
        "tsconfig.json": '{ // comments are fine\n "compilerOptions": {"baseUrl": ".", '
                         '"paths": {"@/*": ["src/*"]}},}',
        "src/main.ts": ('import type { T } from "./types";\nimport { h } from "@/helper";\n'
                        'import { v } from "./value.js";\n'
                        "enum Color { Red, Green }\n"
                        "export const x: T = { c: Color.Green, h, v };\n"),
        "src/types.ts": "export type T = { c: number; h: number; v: string };\n",
        "src/helper.ts": "export const h: number = 1;\n",
        "src/value.ts": "export const v = 'from value.ts';\n",
        "src/view.tsx": "export const View = () => <p class={1}>{'hi'}</p>;\n",
        "node_modules/react/package.json": '{"name": "react", "type": "module"}',
        "node_modules/react/jsx-runtime.js": "export const jsx = 1;\n",
        "node_modules/react/jsx-dev-runtime.js": "export const jsxDEV = 1;\n",
    })
    for mode in ("development", "production"):
        pipeline = _pipeline(tmp_path, mode)
        main = str(tmp_path.resolve() / "src/main.ts")
        record = pipeline.javascript(pipeline.load(main), main, _write_back)
        assert "types" not in record.code and "Color[Color" in record.code
        assert [r.target.id.rsplit("/", 1)[1] for r in record.imports if r.target] == [
            "helper.ts", "value.ts"]
        view = str(tmp_path.resolve() / "src/view.tsx")
        code = pipeline.javascript(pipeline.load(view), view, _write_back).code
        runtime = "jsx-dev-runtime" if mode == "development" else "jsx-runtime"
        assert f'from "{runtime}.js|js||True"' in code and "<p" not in code


def test_tsconfig_jsx_react_is_the_classic_runtime(tmp_path: Path) -> None:
    write(tmp_path, {"tsconfig.json": '{"compilerOptions": {"jsx": "react", '
                                      '"jsxFactory": "h"}}',
                     "view.jsx": "import { h } from 'x';\nexport const v = <b>1</b>;\n"})
    pipeline = _pipeline(tmp_path)
    view = str(tmp_path.resolve() / "view.jsx")
    with pytest.raises(ModuleError):  # 'x' is not installed: the import is still there
        pipeline.javascript(pipeline.load(view), view, _write_back)
    write(tmp_path, {"view.jsx": "export const v = <b>1</b>;\n"})
    assert 'h("b", null, "1")' in pipeline.javascript(pipeline.load(view), view,
                                                     _write_back).code


@async_test
async def test_dev_serves_typescript_as_javascript(tmp_path: Path) -> None:
    write(tmp_path, {"main.ts": "const n: number = 1;\nexport default n;\n"})
    async with serve(tmp_path) as h:
        response = await h.get("/main.ts")
        assert response.content_type == "text/javascript"
        assert await response.text() == "const n" + " " * len(": number") + " = 1;\n" \
            "export default n;\n"  # types blanked: every position kept
        assert (await h.get("/@react-refresh")).status == 404  # react-refresh not installed
