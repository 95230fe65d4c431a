"""Security of the dev server over real HTTP and WebSocket (reference/vite-hmr.md §7.3–7.4).

Every request is sent byte for byte (no client-side normalisation). A vector passes when the
status is 400/403/404 and the secret's bytes appear nowhere in the answer.
"""

from __future__ import annotations

import os
from pathlib import Path

import aiohttp
import pytest
from test_server_support import Harness, async_test, receive_json, serve, write

from shaker.config import Config, HmrConfig, ServerConfig

SECRET = "TOP-SECRET-VALUE"
REFUSED = (400, 403, 404)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    write(
        root,
        {
            "index.html": "<html><head></head><body>hi</body></html>",
            "src/safe.txt": "safe content",
            "src/main.js": "export const x = 1;\n",
            "src/.env": SECRET,
            "src/.EnV": SECRET,  # on a case-sensitive disk a distinct file: deny must still hit
            "src/X.PEM": SECRET,
            "src/dummy.crt": SECRET,
            "src/tls.key": SECRET,
            "src/id.p12": SECRET,
            "src/id.pfx": SECRET,
            ".env": SECRET,
            ".env.local": SECRET,
            ".npmrc": SECRET,
            ".git/config": SECRET,
            ".git/HEAD": SECRET,
            "sub/page.html": "<html><head></head><body>page</body></html>",
        },
    )
    write(tmp_path / "outside", {"secret.txt": SECRET, "page.html": f"<p>{SECRET}</p>"})
    if hasattr(os, "symlink"):
        (root / "link-out.txt").symlink_to(tmp_path / "outside" / "secret.txt")
        (root / "link-dir").symlink_to(tmp_path / "outside", target_is_directory=True)
        (root / "src" / "innocent.txt").symlink_to(root / ".env")
    return root


def vectors(root: Path, outside: Path) -> list[tuple[str, dict[str, str]]]:
    """Every request form from §7.3/§7.4 that applies to shaker, as (target, headers)."""
    fs_root, fs_out = f"/@fs{root}", f"/@fs{outside}"
    smuggling = [
        "?raw",
        "?raw??",
        "?raw?&",
        "?import&raw",
        "?import&raw??",
        "?raw?import",
        "?url",
        "?import&url",
        "?inline",
        "?inline&import",
        "?import&?inline=1.wasm?init",
        "?import&url&inline",
        "?.svg?import",
        "?.svg?.wasm?init",
        "?import&?raw",
    ]
    forms: list[str] = []
    for denied in ("/src/.env", "/.env", "/.git/config", "/src/dummy.crt", f"{fs_root}/src/.env"):
        forms.append(denied)
        forms += [denied + q for q in smuggling]
    for outside_file in (f"{fs_out}/secret.txt", f"{fs_out}/page.html"):
        forms.append(outside_file)
        forms += [outside_file + q for q in smuggling]
    forms += [
        # trailing '/.', '\', case, NTFS streams, NUL (§7.3)
        "/src/.env/.",
        "/src/dummy.crt/.",
        "/src/.env/",
        "/src/.env\\",
        "/src/.env%5C",
        "/src/.EnV",
        "/src/X.PEM",
        "/src/tls.key",
        "/src/id.p12",
        "/src/id.pfx",
        "/.env.local",
        "/.npmrc",
        "/.git/HEAD",
        "/.GIT/config",
        "/src/.env::$DATA",
        "/src/.env::$DATA?raw",
        "/src/.env%00",
        "/src/.env%00.js",
        "/src/safe.txt%00",
        # traversal: plain, encoded, double-encoded, backslashes, '//', '#'
        "/../outside/secret.txt",
        "/src/../../outside/secret.txt",
        "/src/%2e%2e%2f%2e%2e%2foutside/secret.txt",
        "/src/%2e%2e/%2e%2e/outside/secret.txt",
        "/src/..%2f..%2foutside/secret.txt",
        "/src/%252e%252e%252f%252e%252e%252foutside/secret.txt",
        "/src/%252e%252e/%252e%252e/outside/secret.txt",
        "/src/..\\..\\outside\\secret.txt",
        "/src/..%5c..%5coutside%5csecret.txt",
        "//src/.env",
        "///.env",
        "//.env",
        f"{fs_root}/src/..%2f..%2f..%2foutside/secret.txt",
        f"{fs_root}/src/%2e%2e/%2e%2e/outside/secret.txt",
        f"{fs_root}/node_modules/.vite/deps/../../../../outside/secret.txt",
        f"{fs_root}/src/safe.txt#/../../../outside/secret.txt",
        "/src/safe.txt#/../../../.env",
        "/src/?/../../../outside/secret.txt?import&raw",
        "/src/?/../../.env?import&raw",
        # special routes
        f"/@id/__x00__{outside}/secret.txt",
        f"/@id/{outside}/secret.txt",
        f"/@shaker/..%2f..%2f{outside}/secret.txt",
        "/@shaker/../.env",
        # symlinks out of the root, or to a denied file under an innocent name
        "/link-out.txt",
        "/link-out.txt?raw",
        "/link-dir/secret.txt",
        "/link-dir/page.html",
        "/src/innocent.txt",
        "/src/innocent.txt?import",
    ]
    cases = [(target, {}) for target in forms]
    # '.svg' + Sec-Fetch-Dest: script (CVE-2025-31486) and module-style requests of secrets
    cases += [
        ("/src/.env?.svg", {"Sec-Fetch-Dest": "script"}),
        ("/src/.env", {"Sec-Fetch-Dest": "script"}),
        (f"{fs_out}/secret.txt", {"Sec-Fetch-Dest": "script"}),
        ("/link-out.txt", {"Sec-Fetch-Dest": "script"}),
    ]
    return cases


def test_vector_list_is_broad(project: Path) -> None:
    assert len(vectors(project, project.parent / "outside")) > 150


@async_test
async def test_every_vector_is_refused(project: Path) -> None:
    outside = project.parent / "outside"
    failures = []
    async with serve(project) as h:
        for target, headers in vectors(project.resolve(), outside.resolve()):
            if not hasattr(os, "symlink") and ("link" in target or "innocent" in target):
                continue
            status, body = await h.raw(target, headers)
            if status not in REFUSED or SECRET.encode() in body:
                failures.append((target, headers, status, body[:80]))
    assert failures == []


@async_test
async def test_positive_controls(project: Path) -> None:
    """The guard is not refusing everything: the safe file is served in every legal form."""
    async with serve(project) as h:
        legal = (
            "/src/safe.txt",
            "/src/safe.txt?t=1",
            f"/@fs{project.resolve()}/src/safe.txt",
            "/src//safe.txt",
            "/src/./safe.txt",
            "/src/safe%2Etxt",
        )
        for target in legal:
            status, body = await h.raw(target)
            assert (status, body) == (200, b"safe content"), target


@async_test
async def test_hash_and_traversal_answer_400(project: Path) -> None:
    async with serve(project) as h:
        assert (await h.raw("/src/safe.txt#/../../.env"))[0] == 400
        assert (await h.raw("/src/%2e%2e/.env"))[0] == 400
        assert (await h.raw("/src/.env%00"))[0] == 400
        assert (await h.raw("/src/..\\.env"))[0] == 400


@async_test
async def test_denied_files_answer_403(project: Path) -> None:
    async with serve(project) as h:
        for target in ("/.env", "/src/.EnV", "/.git/config", "/src/.env?raw??", "/src/.env/."):
            assert (await h.raw(target))[0] == 403, target


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
@async_test
async def test_fs_allow_opens_a_directory_outside_the_root(project: Path) -> None:
    outside = project.parent / "outside"
    (outside / "lib.js").write_text("export default 1;\n")
    (outside / ".env").write_text(SECRET)
    config = Config(server=ServerConfig(fs_allow=("../outside",)))
    async with serve(project, config) as h:
        assert (await h.raw("/link-dir/lib.js"))[0] == 200
        assert (await h.raw(f"/@fs{outside.resolve()}/lib.js"))[0] == 200
        status, body = await h.raw(f"/@fs{outside.resolve()}/.env")
        assert status == 403 and SECRET.encode() not in body  # deny beats allow


@async_test
async def test_custom_deny_list(project: Path) -> None:
    config = Config(server=ServerConfig(fs_deny=("*.txt",)))
    async with serve(project, config) as h:
        assert (await h.raw("/src/safe.txt"))[0] == 403
        assert (await h.raw("/src/main.js"))[0] == 200


# -- Host (DNS rebinding) and CORS ----------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("evil.example", 403),
        ("evil.example:5173", 403),
        ("localhost.evil.example", 403),
        ("127.0.0.1.nip.io", 403),
        ("evil.example:notaport", 403),
        ("[::1", 403),
        ("localhost", 200),
        ("LOCALHOST:5173", 200),
        ("sub.localhost", 200),
        ("127.0.0.1", 200),
        ("10.0.0.1:8080", 200),
        ("[::1]:5173", 200),
        ("app.test", 200),
        ("x.wild.test", 200),
        ("wild.test", 200),
    ],
)
@async_test
async def test_host_header_is_checked(project: Path, host: str, status: int) -> None:
    config = Config(server=ServerConfig(allowed_hosts=("app.test", ".wild.test")))
    async with serve(project, config) as h:
        got, body = await h.raw("/src/safe.txt", {"Host": host})
        assert got == status
        if status == 403:
            assert b"Blocked request" in body and b"allowed_hosts" in body


@async_test
async def test_allowed_hosts_true_is_an_explicit_opt_out(project: Path) -> None:
    async with serve(project, Config(server=ServerConfig(allowed_hosts=True))) as h:
        assert (await h.raw("/src/safe.txt", {"Host": "evil.example"}))[0] == 200


@async_test
async def test_configured_host_is_allowed(project: Path) -> None:
    config = Config(server=ServerConfig(host="devbox.lan", hmr=HmrConfig(host="proxy.test")))
    async with serve(project, config) as h:
        assert (await h.raw("/src/safe.txt", {"Host": "devbox.lan:5173"}))[0] == 200
        assert (await h.raw("/src/safe.txt", {"Host": "proxy.test"}))[0] == 200


@async_test
async def test_no_permissive_cors(project: Path) -> None:
    async with serve(project) as h:
        evil = {"Origin": "http://evil.example"}
        for path in ("/src/main.js", "/src/safe.txt", "/", "/@shaker/client"):
            response = await h.get(path, **evil)
            assert "Access-Control-Allow-Origin" not in response.headers, path
            assert response.headers.get("X-Content-Type-Options") == "nosniff"
        preflight = await h.http.options(
            "/src/main.js", headers={**evil, "Access-Control-Request-Method": "GET"}
        )
        assert preflight.status == 405
        assert "Access-Control-Allow-Origin" not in preflight.headers


# -- WebSocket upgrade ------------------------------------------------------------------------


async def handshake_status(h: Harness, **kwargs: object) -> int:
    try:
        ws = await h.connect(**kwargs)  # type: ignore[arg-type]
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status
    first = await receive_json(ws)
    await ws.close()
    assert first == {"type": "connected"}
    return 101


@async_test
async def test_upgrade_matrix(project: Path) -> None:
    async with serve(project) as h:
        token = h.server.token
        same = {"Origin": h.origin}
        evil = {"Origin": "http://evil.example"}
        wrong_same_length = ("A" if token[0] != "A" else "B") + token[1:]
        assert await handshake_status(h) == 101  # no Origin + token (non-browser client)
        assert await handshake_status(h, headers=same) == 101
        assert await handshake_status(h, token=None) == 403  # token always required
        assert await handshake_status(h, token=None, headers=same) == 403
        assert await handshake_status(h, token=None, headers=evil) == 403
        assert await handshake_status(h, headers=evil) == 403  # stricter than Vite
        assert await handshake_status(h, token=wrong_same_length, headers=same) == 403
        assert await handshake_status(h, token=token + "x", headers=same) == 403
        assert await handshake_status(h, token="", headers=same) in (403,)
        assert await handshake_status(h, headers={"Origin": "null"}) == 403
        # a page on another local port (a backend's) is a CORS origin: it may connect, with
        # the token, as in Vite; with server.cors=False it may not (test_backend_cors)
        assert await handshake_status(h, headers={"Origin": "http://127.0.0.1:1"}) == 101
        assert await handshake_status(h, token=None,
                                      headers={"Origin": "http://127.0.0.1:1"}) == 403
        assert await handshake_status(h, headers={"Origin": "http://evil.test:1"}) == 403
        assert await handshake_status(h, headers={"Origin": "file://"}) == 403
        assert await handshake_status(h, headers={"Host": "evil.example"}) == 403
        assert await handshake_status(h, protocols=()) == 400
        assert await handshake_status(h, protocols=("vite-hmr",)) == 400
        assert h.server.ws.clients == frozenset()


@async_test
async def test_upgrade_on_another_path_is_not_the_channel(project: Path) -> None:
    async with serve(project) as h:
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await h.http.ws_connect(
                f"/@shaker/wsx?token={h.server.token}", protocols=("shaker-hmr",)
            )


@async_test
async def test_plain_get_on_the_ws_path_is_426(project: Path) -> None:
    async with serve(project) as h:
        assert (await h.get(h.server.ws_path)).status == 426


@async_test
async def test_trusted_proxy_origin(project: Path) -> None:
    config = Config(server=ServerConfig(hmr=HmrConfig(host="proxy.test", client_port=443)))
    async with serve(project, config) as h:
        assert await handshake_status(h, headers={"Origin": "https://proxy.test"}) == 101
        assert await handshake_status(h, headers={"Origin": "https://evil.test"}) == 403


@async_test
async def test_ping_subprotocol_needs_no_token_and_carries_no_data(project: Path) -> None:
    async with serve(project) as h:
        ws = await h.connect(
            token=None, protocols=("shaker-ping",), headers={"Origin": "http://evil.example"}
        )
        assert ws.protocol == "shaker-ping"
        message = await ws.receive(timeout=5)
        assert message.type == aiohttp.WSMsgType.CLOSE
        assert ws.close_code == 1000
        assert h.server.ws.clients == frozenset()
        # ...but the Host check still applies to it
        assert (
            await handshake_status(
                h, token=None, protocols=("shaker-ping",), headers={"Host": "evil.example"}
            )
            == 403
        )


@async_test
async def test_token_is_per_start(project: Path) -> None:
    async with serve(project) as first, serve(project) as second:
        assert first.server.token != second.server.token
        assert len(first.server.token) >= 12
        assert await handshake_status(second, token=first.server.token) == 403


# -- deny-list gaps, special files, /@id/ ------------------------------------------------------

CREDENTIALS = (
    ".yarnrc.yml", "certs/site.cer", "certs/site.der", "certs/SITE.CER", "id_rsa", "id_rsa.pub",
    "keys/id_ed25519", "keys/id_ecdsa", "keys/id_dsa", ".netrc", ".git-credentials",
    ".aws/credentials", ".aws/config", ".svn/entries", ".ssh/config", "sub/.ssh/known_hosts",
)


@async_test
async def test_key_and_credential_files_are_denied_by_default(tmp_path: Path) -> None:
    """Before: ``.yarnrc.yml``, ``*.cer``, ``*.der``, SSH keys, ``.netrc``, ``.aws/`` and
    ``.svn/`` were served (Vite denies the first three)."""
    root = write(tmp_path, {"index.html": "<p>x</p>", "public/id_rsa": SECRET,
                            **{name: SECRET for name in CREDENTIALS}})
    async with serve(root) as h:
        for name in (*CREDENTIALS, "id_rsa?raw", "certs/site.der?import", "id_rsa.pub?url"):
            status, body = await h.raw("/" + name)
            assert status == 403 and SECRET.encode() not in body, name
        status, body = await h.raw("/id_rsa")  # public/ is guarded alike
        assert status == 403 and SECRET.encode() not in body


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@async_test
async def test_a_fifo_is_refused_and_the_server_does_not_hang(tmp_path: Path) -> None:
    """Before: ``GET /evil.js`` opened the FIFO in the module worker, which blocked forever
    (and every module build after it waited behind it)."""
    root = write(tmp_path, {"index.html": "<p>x</p>", "main.js": "export default 1;\n"})
    for name in ("evil.js", "evil.css", "public/pipe.txt", "evil.json"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(root / name)
    async with serve(root) as h:
        for target in ("/evil.js", "/evil.css?import", "/pipe.txt", "/evil.json?import",
                       "/evil.js?raw"):
            assert (await h.raw(target))[0] in (403, 404), target
        status, body = await h.raw("/main.js")
        assert status == 200 and b"export default 1" in body


@async_test
async def test_an_absolute_virtual_id_passes_the_fs_guard(project: Path) -> None:
    """``/@id/<id>`` hands ``id`` to plugins' ``load``; an id that is a file path must pass the
    same guard as the file itself. A POSIX request-target cannot carry one (``//`` collapses),
    Windows' ``/@id/C:/...`` can: the Target is built as such a request would produce it."""
    from aiohttp.test_utils import make_mocked_request

    from shaker.dev.app import TARGET_KEY, Dispatcher
    from shaker.web.fs_guard import Target

    loaded: list[str] = []

    def load(id: str) -> str | None:
        loaded.append(id)
        return Path(id).read_text() if Path(id).is_file() else None

    from shaker.plugin import Plugin

    config = Config(plugins=[Plugin(name="naive-loader", load=load)])
    outside = (project.parent / "outside" / "secret.txt").resolve()
    async with serve(project, config) as h:
        await h.server.prebundle.wait()
        loaded.clear()  # the dependency scan at start loads the pages and their modules
        dispatcher = Dispatcher(h.server)
        for path, expected in ((outside, 403), (project.resolve() / ".env", 403),
                               (project.resolve() / "nope.js", 404)):
            request = make_mocked_request("GET", "/@id/x", headers={"Host": h.host})
            request[TARGET_KEY] = Target(segments=("@id", str(path)))
            answer = await dispatcher.handle(request)
            assert answer.status == expected, path
            assert SECRET.encode() not in (answer.body or b"")
        assert loaded == []  # refused before any plugin saw the id
        inside = project.resolve() / "src" / "main.js"
        request = make_mocked_request("GET", "/@id/x", headers={"Host": h.host})
        request[TARGET_KEY] = Target(segments=("@id", str(inside)))
        assert (await dispatcher.handle(request)).status == 200
        assert loaded == [str(inside)]
