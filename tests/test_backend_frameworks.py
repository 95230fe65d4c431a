"""The backend helpers against the real frameworks (no mocks): Flask and FastAPI with the Jinja
globals, Django with ``shaker.django`` (checks, template tags, WhiteNoise), django-vite's
production tags on a shaker manifest, and the ASGI ``dev_app`` under uvicorn.

Every app here renders the tags of a project that ``shaker build --manifest`` really built
(production) or points at the dev server (development). Django runs in a subprocess per
settings, as a real project would; the ASGI mount runs under a real uvicorn.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.templating import Jinja2Templates
from fastapi.testclient import TestClient
from readme_recipes import recipe
from test_server_support import write

from shaker.build.project import BuildOptions, build
from shaker.integrations.jinja import install
from shaker.integrations.tags import AssetTags, ManifestError

FRONTEND = {
    "src/main.js": "import './style.css';\nimport { n } from './dep.js';\nconsole.log(n);\n",
    "src/dep.js": "export const n = 1;\n",
    "src/style.css": "h1 { color: red; }\n",
    "src/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    "src/admin.css": "body { margin: 0; }\n",
}
TEMPLATE = """<head>{{ vite_hmr_client() }}{{ vite_asset("src/main.js") }}</head>
<img src="{{ vite_asset_url('src/logo.svg') }}">"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project built with ``shaker build --base /static/ --manifest``."""
    root = write(tmp_path_factory.mktemp("built"), {
        **FRONTEND, "src/main.js": FRONTEND["src/main.js"] + "import logo from './logo.svg';\n"
                                   "console.log(logo);\n"})
    build(root, BuildOptions(base="/static/", manifest=True, bundle=False,
                             entries=("src/main.js", "src/admin.css")))
    return root


def opening_tags(html: str) -> int:
    return len(re.findall(r"<(?!/)", html))


def manifest(root: Path) -> dict[str, dict[str, object]]:
    return json.loads((root / "dist/.vite/manifest.json").read_text())  # type: ignore[no-any-return]


# -- Flask ------------------------------------------------------------------------------------


def flask_app(root: Path, *, dev: bool):  # type: ignore[no-untyped-def]
    from flask import Flask, render_template_string

    app = Flask(__name__)
    install(app.jinja_env, AssetTags(dev=dev, base="/static/",
                                     manifest=root / "dist/.vite/manifest.json"))

    @app.get("/")
    def index() -> str:
        return render_template_string(TEMPLATE)

    @app.get("/nonce")
    def with_nonce() -> str:
        return render_template_string('{{ vite_asset("src/main.js") }}{{ vite_hmr_client() }}'
                                      '{{ vite_react_refresh() }}', csp_nonce=lambda: "n0nce")

    return app


def test_flask_dev_tags_point_at_the_dev_server(built: Path) -> None:
    html = flask_app(built, dev=True).test_client().get("/").text
    assert html == (
        '<head><script type="module" src="http://localhost:5173/static/@vite/client"></script>'
        '<script type="module" src="http://localhost:5173/static/src/main.js"></script></head>\n'
        '<img src="http://localhost:5173/static/src/logo.svg">')
    nonced = flask_app(built, dev=True).test_client().get("/nonce").text
    assert nonced.count('nonce="n0nce"') == 3  # Flask-Talisman's csp_nonce() is a function
    assert "RefreshRuntime.injectIntoGlobalHook(window);" in nonced
    assert 'from "http://localhost:5173/static/@react-refresh";' in nonced


def test_flask_production_tags_come_from_the_manifest(built: Path) -> None:
    files = manifest(built)
    html = flask_app(built, dev=False).test_client().get("/").text
    main, dep = files["src/main.js"], files["src/dep.js"]
    css = main["css"][0]  # type: ignore[index]
    assert f'<link rel="stylesheet" href="/static/{css}">' in html
    assert f'<script type="module" crossorigin src="/static/{main["file"]}"></script>' in html
    assert f'<link rel="modulepreload" crossorigin href="/static/{dep["file"]}">' in html
    assert f'<img src="/static/{files["src/logo.svg"]["file"]}">' in html
    assert "@vite/client" not in html
    nonced = flask_app(built, dev=False).test_client().get("/nonce").text
    assert opening_tags(nonced) == nonced.count('nonce="n0nce"') > 2  # every tag


def load_app(path: Path, name: str):  # type: ignore[no-untyped-def]
    """Import ``path`` as a fresh module (each test its own, whatever the environment)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # as an import would: Flask finds templates/ beside it
    spec.loader.exec_module(module)
    return module


def test_flask_recipe_in_dev_and_production(built: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    """README's Flask recipe: ``flask --app app run --debug`` (dev) and without (production,
    Flask serving ``dist/`` at ``/static/``)."""
    write(built, {"app.py": recipe("flask/app.py"),
                  "templates/index.html": recipe("flask/templates/index.html")})
    monkeypatch.setenv("FLASK_DEBUG", "1")
    dev = load_app(built / "app.py", "flask_recipe_dev").app.test_client().get("/").text
    assert '<script type="module" src="http://localhost:5173/static/@vite/client">' in dev
    assert 'src="http://localhost:5173/static/src/logo.svg"' in dev
    monkeypatch.setenv("FLASK_DEBUG", "0")
    client = load_app(built / "app.py", "flask_recipe_prod").app.test_client()
    page = client.get("/").text
    files = manifest(built)
    main = files["src/main.js"]["file"]
    assert f'<script type="module" crossorigin src="/static/{main}"></script>' in page
    assert f'src="/static/{files["src/logo.svg"]["file"]}"' in page
    served = client.get(f"/static/{main}")
    assert served.status_code == 200 and b"import" in served.data
    served.close()


def test_fastapi_recipe_in_production(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """README's FastAPI recipe with ``DEBUG=0``: tags from the manifest, ``dist/`` served."""
    write(built, {"app.py": recipe("fastapi/app.py"),
                  "templates/index.html": recipe("flask/templates/index.html")})
    monkeypatch.setenv("DEBUG", "0")
    client = TestClient(load_app(built / "app.py", "fastapi_recipe_prod").app)
    page = client.get("/").text
    main = manifest(built)["src/main.js"]["file"]
    assert f'<script type="module" crossorigin src="/static/{main}"></script>' in page
    assert "@vite/client" not in page
    assert client.get(f"/static/{main}").status_code == 200


# -- FastAPI ----------------------------------------------------------------------------------


def fastapi_page(templates_dir: Path, built: Path, *, dev: bool) -> str:
    app = FastAPI()
    templates = Jinja2Templates(directory=templates_dir)
    install(templates.env, AssetTags(dev=dev, base="/static/", dev_server="",
                                     manifest=built / "dist/.vite/manifest.json"))

    @app.get("/")
    def index(request: Request):  # type: ignore[no-untyped-def]
        return templates.TemplateResponse(request, "index.html")

    return TestClient(app).get("/").text


def test_fastapi_templates_in_dev_and_production(built: Path, tmp_path: Path) -> None:
    write(tmp_path, {"index.html": TEMPLATE + '{{ vite_asset("src/admin.css", nonce="x") }}'})
    dev = fastapi_page(tmp_path, built, dev=True)
    production = fastapi_page(tmp_path, built, dev=False)
    assert '<script type="module" src="/static/@vite/client"></script>' in dev
    assert '<script type="module" nonce="x" src="/static/src/admin.css"></script>' in dev
    admin = manifest(built)["src/admin.css"]["file"]
    assert f'<link rel="stylesheet" nonce="x" href="/static/{admin}">' in production
    assert "modulepreload" in production and "@vite" not in production


def test_missing_manifest_says_how_to_build_it(tmp_path: Path) -> None:
    tags = AssetTags(dev=False, manifest=tmp_path / "nope.json")
    with pytest.raises(ManifestError, match="shaker build --manifest"):
        tags.asset("src/main.js")
    write(tmp_path, {"m.json": '{"src/main.js": {"file": "assets/main-00000000.js"}}'})
    with pytest.raises(ManifestError, match=r"'src/other\.js' is not in"):
        AssetTags(dev=False, manifest=tmp_path / "m.json").asset("src/other.js")


# -- Django -----------------------------------------------------------------------------------

DJANGO_PROBE = '''
import json, os, sys
import django
from django.conf import settings
options = json.loads(os.environ["PROBE_SETTINGS"])
middleware = ["whitenoise.middleware.WhiteNoiseMiddleware"] if options.pop("whitenoise", 0) else []
test = options.pop("immutable", None)
options.setdefault("STATIC_ROOT", "static_root")
if test:
    from shaker.django import immutable_file_test
    options["WHITENOISE_IMMUTABLE_FILE_TEST"] = immutable_file_test
settings.configure(
    INSTALLED_APPS=["django.contrib.staticfiles", "django_vite", "shaker.django"],
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [], "APP_DIRS": True}],
    STATIC_URL="/static/", ROOT_URLCONF=__name__, MIDDLEWARE=middleware,
    ALLOWED_HOSTS=["testserver"], WHITENOISE_USE_FINDERS=True, **options)
urlpatterns = []
django.setup()
from django.core.checks import run_checks
from django.template import engines
from django.test import Client
out = {"checks": [[m.id, str(m.msg)] for m in run_checks()]}
engine = engines["django"]
for name, text in json.loads(os.environ["PROBE_TEMPLATES"]).items():
    out[name] = engine.from_string(text).render({"csp_nonce": "ctx"})
for url in json.loads(os.environ.get("PROBE_URLS", "[]")):
    response = Client().get(url)
    out[url] = [response.status_code, response.headers.get("Cache-Control")]
print(json.dumps(out))
'''


def django_probe(tmp_path: Path, settings: dict[str, object],
                 templates: dict[str, str] | None = None, urls: list[str] | None = None
                 ) -> dict[str, object]:
    script = tmp_path / "probe.py"
    script.write_text(DJANGO_PROBE)
    env = {**os.environ, "PROBE_SETTINGS": json.dumps(settings, default=str),
           "PROBE_TEMPLATES": json.dumps(templates or {}), "PROBE_URLS": json.dumps(urls or [])}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def shaker_checks(out: dict[str, object]) -> list[str]:
    return [m[0] for m in out["checks"] if m[0].startswith("shaker.")]  # type: ignore[attr-defined]


def test_django_check_wants_the_manifest_in_production(built: Path, tmp_path: Path) -> None:
    path = str(built / "dist/.vite/manifest.json")
    missing = django_probe(tmp_path, {"DEBUG": False, "SHAKER": {"manifest": "nope.json"}})
    assert shaker_checks(missing) == ["shaker.E001"]
    assert "nope.json does not exist" in str(missing["checks"])
    assert shaker_checks(django_probe(tmp_path, {"DEBUG": False,
                                                 "SHAKER": {"manifest": path}})) == []
    assert shaker_checks(django_probe(tmp_path, {"DEBUG": True, "SHAKER": {}})) == []
    broken = tmp_path / "broken.json"
    broken.write_text("[1, 2]")
    invalid = django_probe(tmp_path, {"DEBUG": False, "SHAKER": {"manifest": str(broken)}})
    assert shaker_checks(invalid) == ["shaker.E002"]
    # without SHAKER: django-vite's production apps (its own check only warns)
    vite = {"DEBUG": False, "DJANGO_VITE": {"default": {"dev_mode": False,
                                                        "manifest_path": "missing.json"}}}
    out = django_probe(tmp_path, vite)
    assert shaker_checks(out) == ["shaker.E001"]
    assert "django_vite.W001" in str(out["checks"])


def test_django_template_tags_with_nonces(built: Path, tmp_path: Path) -> None:
    path = str(built / "dist/.vite/manifest.json")
    templates = {"page": "{% load shaker %}{% vite_hmr_client %}{% vite_asset 'src/main.js' %}"
                         "{% vite_asset_url 'src/logo.svg' %}",
                 "nonce": "{% load shaker %}{% vite_asset 'src/main.js' nonce='given' %}"}
    dev = django_probe(tmp_path, {"DEBUG": True, "SHAKER": {"manifest": path}}, templates)
    assert dev["page"] == (
        '<script type="module" nonce="ctx" src="http://localhost:5173/static/@vite/client">'
        '</script><script type="module" nonce="ctx" '
        'src="http://localhost:5173/static/src/main.js"></script>'
        'http://localhost:5173/static/src/logo.svg')
    prod = django_probe(tmp_path, {"DEBUG": False, "SHAKER": {"manifest": path}}, templates)
    files = manifest(built)
    page = str(prod["page"])
    assert f'src="/static/{files["src/main.js"]["file"]}"' in page
    assert page.count('nonce="ctx"') == opening_tags(page) >= 3
    assert str(prod["nonce"]).count('nonce="given"') >= 3


def test_django_vite_production_tags_on_a_shaker_manifest(built: Path, tmp_path: Path) -> None:
    """django-vite itself, unchanged, reads what ``shaker build --manifest`` writes."""
    settings = {"DEBUG": False, "DJANGO_VITE": {"default": {
        "dev_mode": False, "manifest_path": str(built / "dist/.vite/manifest.json")}}}
    out = django_probe(tmp_path, settings, {
        "page": "{% load django_vite %}{% vite_asset 'src/main.js' %}",
        "polyfill": "{% load django_vite %}{% vite_asset_url 'src/logo.svg' %}"})
    files = manifest(built)
    assert out["checks"] == []
    assert f'src="/static/{files["src/main.js"]["file"]}"' in str(out["page"])
    assert f'href="/static/{files["src/dep.js"]["file"]}"' in str(out["page"])
    assert out["polyfill"] == f'/static/{files["src/logo.svg"]["file"]}'


def test_whitenoise_immutable_test_for_shaker_names(built: Path, tmp_path: Path) -> None:
    """WhiteNoise's default test knows only ManifestStaticFilesStorage names
    (``main.0a1b2c3d4e5f.js``), not ``main-7f5c9c46.js``: shaker's test makes them immutable."""
    main = manifest(built)["src/main.js"]["file"]
    assert re.fullmatch(r"assets/main-[0-9a-f]{8}\.js", str(main))
    urls = [f"/static/{main}", "/static/src/dep.js"]
    settings: dict[str, object] = {"DEBUG": False, "STATICFILES_DIRS": [str(built / "dist"),
                                                                      str(built)],
                                   "STATIC_ROOT": str(tmp_path / "static"), "whitenoise": 1,
                                   "SHAKER": {"dev": True}}
    default = django_probe(tmp_path, settings, urls=urls)
    assert default[urls[0]] == [200, "max-age=60, public"]
    ours = django_probe(tmp_path, {**settings, "immutable": 1}, urls=urls)
    assert ours[urls[0]] == [200, "max-age=315360000, public, immutable"]
    assert ours[urls[1]] == [200, "max-age=60, public"]  # a name without a hash


# -- the ASGI mount under uvicorn ---------------------------------------------------------------


ASGI_APP = '''
from pathlib import Path
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from shaker.integrations.asgi import dev_app

async def page(request):
    return HTMLResponse("<script type=module src=/static/@vite/client></script>")

app = Starlette(routes=[Route("/", page), Mount("/static", dev_app(root=Path(__file__).parent))])
'''


def test_asgi_mount_under_uvicorn(tmp_path: Path) -> None:
    import asyncio

    import aiohttp
    from yarl import URL

    write(tmp_path, {**FRONTEND, "app.py": ASGI_APP,
                     "shaker.config.py": "from shaker import Config\nconfig = Config()\n"})
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", "app:app", "--port", str(port),
                                "--log-level", "warning"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)

    async def probe() -> None:
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    async with http.get(base + "/") as response:
                        assert response.status == 200
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            async with http.get(base + "/static/@vite/client") as response:
                assert 'export * from "/static/@shaker/client"' in await response.text()
            async with http.get(base + "/static/src/main.js") as response:
                assert response.status == 200
                assert "import" in await response.text()
            async with http.get(base + "/static/src/style.css?import",
                                headers={"Origin": "http://evil.test"}) as response:
                assert "updateStyle" in await response.text()
                assert "Access-Control-Allow-Origin" not in response.headers
            url = URL(base + "/static/%252e%252e/app.py", encoded=True)
            async with http.get(url) as response:
                assert response.status == 400  # the dev server's own path checks
            async with http.get(base + "/static/@shaker/client") as response:
                token = re.search(r'"wsToken": "([^"]+)"', await response.text())
            assert token is not None
            ws_url = f"{base}/static/@shaker/ws?token={token.group(1)}"
            async with http.ws_connect(ws_url, protocols=("shaker-hmr",),
                                       headers={"Origin": base}) as ws:
                assert json.loads((await ws.receive(timeout=5)).data) == {"type": "connected"}
            with pytest.raises(aiohttp.WSServerHandshakeError):
                await http.ws_connect(ws_url, protocols=("shaker-hmr",),
                                      headers={"Origin": "http://evil.test"})

    try:
        asyncio.run(asyncio.wait_for(probe(), 30))
    finally:
        _stop(process)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started with ``start_new_session`` and everything it started."""
    import signal

    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


