"""``shaker preview`` in-process: MIME types, compression, caching, SPA fallback, security."""

from __future__ import annotations

import asyncio
import doctest
import functools
import gzip
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

import shaker.preview
from shaker.build.project import BuildOptions, build
from shaker.preview import IMMUTABLE, PreviewServer, create_preview_app

SECRET = "TOP-SECRET-VALUE"


def async_test(fn: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(asyncio.wait_for(fn(*args, **kwargs), 60))

    return wrapper


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    files = {
        "index.html": '<title>home</title><script type="module" src="/main.js"></script>',
        "about.html": "<title>about</title>",
        "docs/index.html": "<title>docs</title>",
        "main.js": ("import './style.css';\nconsole.log('" + "x" * 600 + "');\n"
                    "if (import.meta.hot) { import.meta.hot.accept() }\n"),
        "style.css": "body { color: red }",
        "public/.env": SECRET,
        "public/key.pem": SECRET,
        "public/logo.png": "png",
    }
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)
    build(root, BuildOptions(manifest=True))
    return root / "dist"


@asynccontextmanager
async def serve(dist: Path, **kwargs: Any) -> AsyncIterator[TestClient]:
    client = TestClient(TestServer(create_preview_app(dist, **kwargs)))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def raw_get(client: TestClient, target: str) -> tuple[int, bytes]:
    """Send ``target`` byte for byte (aiohttp's client would normalise it)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", client.port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{client.port}\r\n"
                 "Connection: close\r\n\r\n".encode("latin-1"))
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


def asset(dist: Path, prefix: str) -> str:
    return next(p for p in (dist / "assets").iterdir() if p.name.startswith(prefix)).name


def test_doctests() -> None:
    assert doctest.testmod(shaker.preview).failed == 0


@async_test
async def test_files_types_and_caching(dist: Path) -> None:
    main = asset(dist, "main-")
    async with serve(dist) as client:
        page = await client.get("/")
        assert page.status == 200
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert page.headers["Cache-Control"] == "no-cache"
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert "Access-Control-Allow-Origin" not in page.headers
        assert main in await page.text()
        js = await client.get(f"/assets/{main}")
        assert js.status == 200
        assert js.headers["Content-Type"] == "text/javascript; charset=utf-8"
        assert js.headers["Cache-Control"] == IMMUTABLE
        assert "import.meta.hot" not in await js.text()
        css = await client.get(f"/assets/{asset(dist, 'style-')}")
        assert css.headers["Content-Type"] == "text/css; charset=utf-8"
        manifest = await client.get("/manifest.json")
        assert manifest.headers["Content-Type"] == "application/json; charset=utf-8"
        assert manifest.headers["Cache-Control"] == "no-cache"
        png = await client.get("/logo.png")
        assert png.headers["Content-Type"] == "image/png"


@async_test
async def test_gzip_etag_and_head(dist: Path) -> None:
    path = f"/assets/{asset(dist, 'main-')}"
    raw = (dist / path[1:]).read_bytes()
    async with serve(dist) as client:
        zipped = await client.get(path, headers={"Accept-Encoding": "gzip"},
                                  auto_decompress=False)
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert zipped.headers["Vary"] == "Accept-Encoding"
        assert gzip.decompress(await zipped.read()) == raw
        plain = await client.get(path, headers={"Accept-Encoding": "identity"})
        assert "Content-Encoding" not in plain.headers and await plain.read() == raw
        again = await client.get(path, headers={"If-None-Match": plain.headers["ETag"]})
        assert again.status == 304
        head = await client.head(path)
        assert head.status == 200 and await head.read() == b""


@async_test
async def test_spa_fallback(dist: Path) -> None:
    async with serve(dist) as client:
        for path, title in (("/some/client/route", "home"), ("/about", "about"),
                            ("/docs/", "docs"), ("/nested/page.html", "home")):
            response = await client.get(path, headers={"Accept": "text/html"})
            assert response.status == 200, path
            assert f"<title>{title}</title>" in await response.text(), path
        docs = await client.get("/docs", allow_redirects=False)
        assert docs.status == 301 and docs.headers["Location"] == "/docs/"
        missing = await client.get("/assets/missing-12345678.js", headers={"Accept": "*/*"})
        assert missing.status == 404
        api = await client.get("/api/data", headers={"Accept": "application/json"})
        assert api.status == 404


@async_test
async def test_no_client_and_no_websocket(dist: Path) -> None:
    async with serve(dist) as client:
        for path in ("/@shaker/client", "/@vite/client", "/@fs/etc/passwd"):
            response = await client.get(path, headers={"Accept": "text/html,*/*"})
            assert response.status == 404, path
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await client.ws_connect("/@shaker/ws", protocols=("shaker-hmr",))


@async_test
async def test_security_defaults(dist: Path) -> None:
    assert (dist / ".env").read_text() == SECRET  # public/ is copied as it is...
    async with serve(dist) as client:
        for target, expected in (("/.env", 403), ("/.ENV", 403), ("/key.pem", 403),
                                 ("/%2e%2e/app/main.js", 400), ("/assets/..%2f..%2fmain.js", 400),
                                 ("/a%00b", 400), ("/%252e%252e/x", 400), ("/x\\..\\.env", 400),
                                 ("/.env?raw", 403), ("/%2eenv", 403)):
            status, body = await raw_get(client, target)
            assert status == expected, target  # ...but never served
            assert SECRET.encode() not in body
        evil = await client.get("/", headers={"Host": "evil.example"})
        assert evil.status == 403
        post = await client.post("/")
        assert post.status == 405


@async_test
async def test_base_path(dist: Path) -> None:
    async with serve(dist, base="/app/") as client:
        assert (await client.get("/app/")).status == 200
        assert (await client.get(f"/app/assets/{asset(dist, 'main-')}")).status == 200
        assert (await client.get("/manifest.json")).status == 404


@async_test
async def test_server_binds_localhost_and_moves_off_a_busy_port(dist: Path) -> None:
    first = PreviewServer(dist, port=0)
    await first.start()
    try:
        assert first.local and first.local[0].startswith("http://localhost:")
        assert not first.exposed
        second = PreviewServer(dist, port=first.port)
        await second.start()
        try:
            assert second.port != first.port
        finally:
            await second.close()
        strict = PreviewServer(dist, port=first.port, strict_port=True)
        with pytest.raises(OSError):
            await strict.start()
        async with aiohttp.ClientSession() as session, session.get(first.local[0]) as response:
            assert response.status == 200
    finally:
        await first.close()


# -- large files, ranges, special files, slow requests ------------------------------------------


@async_test
async def test_large_files_are_streamed_with_ranges_and_never_compressed_on_the_loop(
    dist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: a 159 MB file was read whole and gzipped on the event loop at every change,
    kept in memory, and ``Range`` was ignored (200 with everything)."""
    import os
    import threading

    big = dist / "assets" / "big-0123abcd.js"
    size = 24 * 1024 * 1024
    with big.open("wb") as fh:
        fh.truncate(size)  # sparse: cheap to make, and as compressible as it gets
    compressed: list[tuple[int, bool]] = []
    real = gzip.compress

    def recording(data: bytes, *args: Any, **kwargs: Any) -> bytes:
        compressed.append((len(data), threading.current_thread() is threading.main_thread()))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(shaker.preview.gzip, "compress", recording)
    path = "/assets/big-0123abcd.js"
    async with serve(dist) as client:
        whole = await client.get(path, headers={"Accept-Encoding": "gzip"},
                                 auto_decompress=False)
        assert whole.status == 200 and "Content-Encoding" not in whole.headers
        assert int(whole.headers["Content-Length"]) == size
        assert whole.headers["Cache-Control"] == IMMUTABLE
        assert whole.headers["Content-Type"] == "text/javascript; charset=utf-8"
        assert len(await whole.read()) == size
        part = await client.get(path, headers={"Range": "bytes=10-19"})
        assert part.status == 206 and await part.read() == b"\0" * 10
        assert part.headers["Content-Range"] == f"bytes 10-19/{size}"
        again = await client.get(path, headers={"If-None-Match": whole.headers["ETag"]})
        assert again.status == 304
        small = f"/assets/{asset(dist, 'main-')}"
        zipped = await client.get(small, headers={"Accept-Encoding": "gzip"},
                                  auto_decompress=False)
        assert zipped.headers["Content-Encoding"] == "gzip"  # small text: still gzipped
        ranged = await client.get(small, headers={"Range": "bytes=0-5"})
        assert ranged.status == 206 and len(await ranged.read()) == 6
    assert compressed and all(n <= shaker.preview.GZIP_MAX_BYTES for n, _ in compressed)
    assert not any(on_loop for _, on_loop in compressed)
    assert os.path.getsize(big) == size


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs FIFOs")
@async_test
async def test_a_fifo_in_the_output_is_refused(dist: Path) -> None:
    import os

    os.mkfifo(dist / "assets" / "pipe-0123abcd.js")
    async with serve(dist) as client:
        status, _ = await raw_get(client, "/assets/pipe-0123abcd.js")
        assert status in (403, 404)
        assert (await client.get("/")).status == 200


@async_test
async def test_preview_closes_half_open_requests(
    dist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shaker.web.limits.HEADER_TIMEOUT", 0.5)
    server = PreviewServer(dist, host="127.0.0.1", port=0)
    await server.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()
    finally:
        await server.close()
