"""Dependency pre-bundling in the dev server (``shaker.dev.prebundle``): the scan, the cache
key, the atomic write, serving, import rewriting, re-bundling on a new import, ``--force``,
``optimize_deps`` and link failures.

The linker is injected: ``FakeLinker`` makes one chunk per entry that re-exports the entry
module from its dev URL, and counts its calls, so these tests check the dev server's side
whatever the linker does.  The real linker runs in
``tests/browser/test_prebundle_browser.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from test_server_support import Harness, async_test, receive_json, write

from shaker.bundle.model import ChunkOutput, LinkOptions, LinkResult, ModuleInput
from shaker.config import Config, OptimizeDepsConfig
from shaker.dev import prebundle
from shaker.dev.imports import file_url
from shaker.dev.prebundle import (
    DEPS_DIR,
    METADATA,
    DepsMetadata,
    cache_key,
    flatten_id,
    read_metadata,
    scan,
    write_atomically,
)
from shaker.dev.server import DevServer
from shaker.pipeline.pipeline import Pipeline, PipelineOptions


class FakeLinker:
    """One chunk per entry re-exporting the entry module from its dev URL (``export *`` and
    the default); ``fail`` names entry files whose link raises."""

    def __init__(self, root: Path, fail: tuple[str, ...] = ()) -> None:
        self.root = root.resolve()
        self.calls: list[list[str]] = []
        self.fail = fail
        self.seen: dict[str, ModuleInput] = {}

    def __call__(self, modules: dict[str, ModuleInput], entries: list[str],
                 options: LinkOptions) -> LinkResult:
        self.calls.append(list(entries))
        self.seen = dict(modules)
        for entry in entries:
            if any(entry.endswith(name) for name in self.fail):
                raise ValueError(f"cannot link {entry}")
        chunks = []
        for entry in entries:
            url = file_url(entry, self.root)
            code = (f"export * from {json.dumps(url)};\n"
                    f"export {{ default }} from {json.dumps(url)};\n")
            chunks.append(ChunkOutput(entry, code, [entry], entry, exports=["default"]))
        shared = "shared#1"
        chunks.append(ChunkOutput(shared, "export const shared = 1;\n", []))
        options.chunk_specifier(shared)  # the name a sibling import would use
        return LinkResult(chunks, [], {e: e for e in entries})


PACKAGES: dict[str, str | bytes] = {
    "package-lock.json": '{"lockfileVersion": 3}\n',
    "node_modules/esm-pkg/package.json": json.dumps(
        {"name": "esm-pkg", "version": "1.2.3", "type": "module", "main": "index.js"}),
    "node_modules/esm-pkg/index.js": 'export * from "./a.js";\nexport default "esm";\n',
    "node_modules/esm-pkg/a.js": "export const a = 1;\n",
    "node_modules/esm-pkg/sub.js": "export const sub = 2;\n",
    "node_modules/cjs-pkg/package.json": json.dumps(
        {"name": "cjs-pkg", "version": "0.1.0", "main": "index.js"}),
    "node_modules/cjs-pkg/index.js": "module.exports = { x: 1, y: require('esm-pkg') };\n",
    "node_modules/late-pkg/package.json": json.dumps(
        {"name": "late-pkg", "version": "3.0.0", "type": "module", "main": "index.js"}),
    "node_modules/late-pkg/index.js": "export const late = 3;\n",
    "node_modules/@scope/pkg/package.json": json.dumps(
        {"name": "@scope/pkg", "version": "2.0.0", "type": "module",
         "exports": {".": "./index.js", "./sub": "./sub.js"}}),
    "node_modules/@scope/pkg/index.js": "export const s = 1;\n",
    "node_modules/@scope/pkg/sub.js": "export const t = 2;\n",
    "packages/linked/package.json": json.dumps(
        {"name": "linked", "version": "0.0.1", "type": "module", "main": "index.js"}),
    "packages/linked/index.js": "export const linked = true;\n",
    "index.html": '<!doctype html><html><head></head><body>'
                  '<script type="module" src="/src/main.js"></script>'
                  '<script type="module">import "@scope/pkg/sub";</script></body></html>',
    "src/main.js": ('import esm, { a } from "esm-pkg";\nimport cjs from "cjs-pkg";\n'
                    'import { linked } from "linked";\nimport "./local.js";\n'
                    "console.log(esm, a, cjs, linked);\n"),
    "src/local.js": 'import { sub } from "esm-pkg/sub.js";\nimport "./style.css";\n'
                    'export const local = sub;\n',
    "src/style.css": "body { color: red }\n",
    "node_modules/not-imported/package.json": '{"name": "not-imported", "version": "1.0.0"}',
    "node_modules/not-imported/index.js": "export const n = 1;\n",
}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = write(tmp_path / "app", PACKAGES)
    os.symlink(project / "packages" / "linked", project / "node_modules" / "linked")
    return project


@asynccontextmanager
async def serve(root: Path, link: Any, config: Config | None = None, *,
                force: bool = False) -> AsyncIterator[Harness]:
    server = DevServer(root, config or Config(), force=force, link=link)
    app = await server.setup()
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        await server.prebundle.wait()
        yield Harness(server, client)
    finally:
        await server.close()
        await client.close()


def _main_imports(code: str) -> list[str]:
    return [line.split(" from ")[-1].strip(' ";') for line in code.splitlines()
            if line.startswith("import ")]


# -- pure parts ------------------------------------------------------------------------------


def test_flatten_id_names_files_like_vite() -> None:
    assert flatten_id("react-dom/client") == "react-dom_client"
    assert flatten_id("@scope/pkg/sub") == "@scope_pkg_sub"


def test_scan_finds_bare_imports_into_node_modules_only(root: Path) -> None:
    pipeline = Pipeline(PipelineOptions(root.resolve(), "development"))
    found = scan(pipeline, [root / "index.html"])
    assert sorted(found) == ["@scope/pkg/sub", "cjs-pkg", "esm-pkg", "esm-pkg/sub.js"]
    # the workspace link resolves outside node_modules: left alone; dependencies' own
    # imports (cjs-pkg's require('esm-pkg')) are not followed by the scan
    assert found["esm-pkg"].endswith(os.path.join("node_modules", "esm-pkg", "index.js"))


def test_cache_key_follows_lockfile_versions_and_defines(root: Path) -> None:
    sources = {"esm-pkg": str(root / "node_modules/esm-pkg/index.js")}

    def key(**kwargs: Any) -> str:
        return cache_key(root, sources, mode=kwargs.pop("mode", "development"),
                         define=kwargs.pop("define", {}), version="1", **kwargs)

    first = key()
    assert key() == first
    assert key(mode="production") != first
    assert key(define={"X": "1"}) != first
    assert key(exclude=["cjs-pkg"]) != first
    (root / "package-lock.json").write_text('{"lockfileVersion": 3, "x": 1}\n')
    assert key() != first
    second = key()
    package = root / "node_modules/esm-pkg/package.json"
    package.write_text(package.read_text().replace("1.2.3", "1.2.4"))
    assert key() != second
    assert cache_key(root, sources, mode="development", define={}, version="2") != key()


def test_write_is_atomic(root: Path) -> None:
    deps = root / DEPS_DIR
    old = DepsMetadata("a" * 16, {"esm-pkg": "esm-pkg.js"}, {"esm-pkg": "src.js"})
    write_atomically(deps, {"esm-pkg.js": "export {};\n"}, old)
    assert read_metadata(deps) == old
    assert deps.stat().st_mode & 0o777 == 0o755
    new = DepsMetadata("b" * 16, {"x": "x.js"}, {"x": "x.js"})
    with pytest.raises(OSError):  # a file that cannot be written: the crash
        write_atomically(deps, {"x.js": "1", "no/such/dir.js": "2"}, new)
    assert read_metadata(deps) == old, "the old cache is intact"
    assert sorted(p.name for p in deps.parent.iterdir()) == ["deps"], "no temporary left"
    (deps / "esm-pkg.js").unlink()  # a cache missing a file is no cache
    assert read_metadata(deps) is None


# -- the dev server --------------------------------------------------------------------------


@async_test
async def test_cold_start_bundles_once_and_rewrites_bare_imports(root: Path) -> None:
    linker = FakeLinker(root)
    async with serve(root, linker) as h:
        assert len(linker.calls) == 1, "one link call for every dependency"
        assert len(linker.calls[0]) == 4
        meta = read_metadata(root / DEPS_DIR)
        assert meta is not None
        assert sorted(meta.optimized) == ["@scope/pkg/sub", "cjs-pkg", "esm-pkg",
                                          "esm-pkg/sub.js"]
        assert meta.optimized["@scope/pkg/sub"] == "@scope_pkg_sub.js"
        assert len(meta.chunks) == 1 and meta.chunks[0].startswith("chunk-")
        v = meta.browser_hash
        main = await (await h.get("/src/main.js")).text()
        imports = _main_imports(main)
        assert f"/node_modules/.shaker/deps/esm-pkg.js?v={v}" in imports
        assert f"/node_modules/.shaker/deps/cjs-pkg.js?v={v}" in imports
        assert "/packages/linked/index.js" in imports, "a workspace link is served as it is"
        local = await (await h.get("/src/local.js")).text()
        assert f"/node_modules/.shaker/deps/esm-pkg_sub__js.js?v={v}" in local
        page = await (await h.get("/")).text()
        assert f"/node_modules/.shaker/deps/@scope_pkg_sub.js?v={v}" in page

        # the linker got transformed modules with their imports mapped to ids
        cjs = next(m for m in linker.seen.values() if m.id.endswith("cjs-pkg/index.js"))
        assert "__shaker_cjs" in cjs.code
        assert sorted(t for t in cjs.imports.values() if t) == [
            str((root / "node_modules/esm-pkg/index.js").resolve())]
        assert all(s in cjs.code for s in cjs.imports)

        response = await h.get(f"/node_modules/.shaker/deps/esm-pkg.js?v={v}")
        assert response.status == 200
        assert response.headers["Cache-Control"] == "max-age=31536000,immutable"
        assert response.headers["Content-Type"].startswith("text/javascript")
        assert 'export * from "/node_modules/esm-pkg/index.js"' in await response.text()
        chunk = await h.get(f"/node_modules/.shaker/deps/{meta.chunks[0]}?v={v}")
        assert chunk.status == 200
        stale = await h.get("/node_modules/.shaker/deps/esm-pkg.js?v=00000000")
        assert stale.headers["Cache-Control"] == "no-cache"
        assert (await h.get("/node_modules/.shaker/deps/_metadata.json")).headers[
            "Content-Type"] != "text/javascript"


@async_test
async def test_warm_start_reuses_the_cache_lockfile_and_force_rebundle(root: Path) -> None:
    first = FakeLinker(root)
    async with serve(root, first):
        pass
    assert len(first.calls) == 1
    key = read_metadata(root / DEPS_DIR).hash  # type: ignore[union-attr]

    warm = FakeLinker(root)
    scans: list[object] = []
    real_scan = prebundle.scan
    prebundle.scan = lambda *args: scans.append(args) or real_scan(*args)  # type: ignore
    try:
        async with serve(root, warm) as h:
            assert warm.calls == [], "a warm start links nothing"
            assert scans == [], "a warm start whose key holds does not scan the app"
            main = await (await h.get("/src/main.js")).text()
            assert f"esm-pkg.js?v={key[:8]}" in main
    finally:
        prebundle.scan = real_scan  # type: ignore[assignment]

    (root / "package-lock.json").write_text('{"lockfileVersion": 3, "changed": true}\n')
    relocked = FakeLinker(root)
    async with serve(root, relocked):
        assert len(relocked.calls) == 1, "a lockfile change links again"
    new_key = read_metadata(root / DEPS_DIR).hash  # type: ignore[union-attr]
    assert new_key != key

    forced = FakeLinker(root)
    async with serve(root, forced, force=True):
        assert len(forced.calls) == 1, "--force links again"
    assert read_metadata(root / DEPS_DIR).hash == new_key  # type: ignore[union-attr]


@async_test
async def test_optimize_deps_exclude_and_include(root: Path) -> None:
    config = Config(optimize_deps=OptimizeDepsConfig(exclude=("cjs-pkg", "@scope/pkg"),
                                                     include=("not-imported",)))
    linker = FakeLinker(root)
    async with serve(root, linker, config) as h:
        meta = h.server.prebundle.meta
        assert meta is not None
        assert sorted(meta.optimized) == ["esm-pkg", "esm-pkg/sub.js", "not-imported"]
        main = await (await h.get("/src/main.js")).text()
        assert "/node_modules/cjs-pkg/index.js" in _main_imports(main)
        # cjs-pkg is not linked into any chunk: its require("esm-pkg") gets the bundled one
        cjs = await (await h.get("/node_modules/cjs-pkg/index.js")).text()
        assert f"/node_modules/.shaker/deps/esm-pkg.js?v={meta.browser_hash}" in cjs


@async_test
async def test_disabled_serves_as_before(root: Path) -> None:
    linker = FakeLinker(root)
    async with serve(root, linker, Config(optimize_deps={"disabled": True})) as h:
        assert not h.server.prebundle.enabled
        main = await (await h.get("/src/main.js")).text()
        assert "/node_modules/esm-pkg/index.js" in _main_imports(main)
    assert linker.calls == []
    assert not (root / DEPS_DIR).exists()


@async_test
async def test_a_dependency_that_fails_to_link_is_served_unbundled(
        root: Path, caplog: pytest.LogCaptureFixture) -> None:
    linker = FakeLinker(root, fail=("cjs-pkg/index.js",))
    async with serve(root, linker) as h:
        meta = h.server.prebundle.meta
        assert meta is not None
        assert "cjs-pkg" in meta.failed and "cjs-pkg" not in meta.optimized
        assert "esm-pkg" in meta.optimized
        main = await (await h.get("/src/main.js")).text()
        assert "/node_modules/cjs-pkg/index.js" in _main_imports(main)
        assert f"esm-pkg.js?v={meta.browser_hash}" in main
    assert "could not pre-bundle cjs-pkg" in caplog.text


@async_test
async def test_a_dependency_that_does_not_transform_is_served_unbundled(root: Path) -> None:
    (root / "node_modules/cjs-pkg/index.js").write_text("module.exports = {;\n")
    linker = FakeLinker(root)
    async with serve(root, linker) as h:
        meta = h.server.prebundle.meta
        assert meta is not None
        assert "cjs-pkg" in meta.failed and "esm-pkg" in meta.optimized
        assert len(linker.calls) == 1


@async_test
async def test_a_new_bare_import_rebundles_and_reloads(root: Path) -> None:
    linker = FakeLinker(root)
    async with serve(root, linker) as h:
        before = h.server.prebundle.meta
        assert before is not None
        ws = await h.connected()
        (root / "src/late.js").write_text('import { late } from "late-pkg";\nconsole.log(late);\n')
        first = await (await h.get("/src/late.js")).text()
        assert "/node_modules/late-pkg/index.js" in first, "served unbundled until ready"
        payload = await receive_json(ws)
        while payload["type"] != "full-reload":
            payload = await receive_json(ws)
        assert "late-pkg" in payload["reason"]
        assert len(linker.calls) == 2
        after = h.server.prebundle.meta
        assert after is not None and after.hash != before.hash
        assert "late-pkg" in after.optimized and "esm-pkg" in after.optimized
        again = await (await h.get("/src/late.js")).text()
        assert f"/node_modules/.shaker/deps/late-pkg.js?v={after.browser_hash}" in again
        main = await (await h.get("/src/main.js")).text()
        assert f"esm-pkg.js?v={after.browser_hash}" in main, "old builds were dropped"
        await ws.close()
    meta = read_metadata(root / DEPS_DIR)
    assert meta is not None and "late-pkg" in meta.optimized
    assert (root / DEPS_DIR / METADATA).is_file()


@async_test
async def test_module_requests_wait_for_the_first_prebundle(root: Path) -> None:
    gate = asyncio.Event()
    linker = FakeLinker(root)
    server = DevServer(root, Config(), link=linker)
    original = server.prebundle._initial

    async def slow() -> None:
        await gate.wait()
        await original()

    server.prebundle._initial = slow  # type: ignore[method-assign]
    app = await server.setup()
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        request = asyncio.ensure_future(client.get("/src/main.js"))
        await asyncio.sleep(0.2)
        assert not request.done(), "the module waits for the pre-bundle"
        gate.set()
        main = await (await request).text()
        assert ".shaker/deps/esm-pkg.js?v=" in main
    finally:
        await server.close()
        await client.close()
