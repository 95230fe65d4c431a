"""Hot updates through the real server, in-process: modules are requested over HTTP (which
records them in the module graph), file changes are handed to ``server.hmr.handle_changes`` as
the watcher would, and the payloads are read from a real WebSocket. One test runs the real
file watcher end to end."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from test_server_support import Harness, async_test, receive_json, send_custom, serve, write

from shaker import protocol
from shaker.config import Config, ServerConfig, WatchConfig
from shaker.dev.watch import FileChange
from shaker.plugin import Plugin

MARKER = "test:marker"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write(
        tmp_path / "root",
        {
            "index.html": '<html><head></head><script type="module" src="/src/main.js"></script>',
            "src/main.js": (
                'import { value } from "./app.js";\n'
                'import "./plain.js";\n'
                'import "./style.css";\n'
                "console.log(value);\n"
            ),
            "src/app.js": (
                'import { dep } from "./dep.js";\n'
                'import "./side.js";\n'
                "export const value = dep;\n"
                "if (import.meta.hot) {\n"
                "  import.meta.hot.accept();\n"
                '  import.meta.hot.accept("./dep.js", () => {});\n'
                "}\n"
            ),
            "src/dep.js": 'import { leaf } from "./leaf.js";\nexport const dep = leaf;\n',
            "src/leaf.js": "export const leaf = 1;\n",
            "src/side.js": "export const side = 1;\n",
            "src/plain.js": 'export const plain = 1;\nif (0) import("./lazy.js");\n',
            "src/lazy.js": "if (import.meta.hot) import.meta.hot.accept();\n",
            "src/style.css": "body { color: red }\n",
            "global.css": "p { color: blue }\n",
        },
    )


async def load(h: Harness, *paths: str) -> None:
    """Request modules as the browser would (this records them in the graph)."""
    for path in paths:
        response = await h.get(path)
        assert response.status == 200, (path, await response.text())


async def change(
    h: Harness, root: Path, name: str, text: str | None = None, kind: str = "modified"
) -> None:
    path = (root / name).resolve()
    if kind == "deleted":
        path.unlink()
    elif text is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    await h.server.hmr.handle_changes([FileChange(path, kind)])  # type: ignore[arg-type]


async def nothing_sent(h: Harness, ws: aiohttp.ClientWebSocketResponse) -> None:
    """The next frame is a marker sent now: nothing was sent before it."""
    h.server.ws.send(MARKER, None)
    frame = await receive_json(ws)
    assert frame == {"type": "custom", "event": MARKER, "data": None}


APP = (
    "/src/main.js",
    "/src/app.js",
    "/src/dep.js",
    "/src/leaf.js",
    "/src/side.js",
    "/src/plain.js",
    "/src/style.css?import",
)


@async_test
async def test_self_accepting_module_is_updated_and_its_importer_gets_the_timestamp(
    root: Path,
) -> None:
    async with serve(root) as h:
        await load(h, *APP)
        ws = await h.connected()
        await change(h, root, "src/app.js", (root / "src/app.js").read_text() + "// edit\n")
        payload = await receive_json(ws)
        assert payload["type"] == "update"
        [update] = payload["updates"]
        stamp = update.pop("timestamp")
        assert update == {
            "type": "js-update",
            "path": "/src/app.js",
            "acceptedPath": "/src/app.js",
            "explicitImportRequired": False,
            "isWithinCircularImport": False,
        }
        assert isinstance(stamp, int) and stamp > 1_600_000_000_000
        main = await (await h.get("/src/main.js")).text()
        assert f'from "./app.js?t={stamp}"' in main
        assert 'import "./plain.js";' in main  # unchanged modules keep their URL


@async_test
async def test_accepted_dep_and_nested_dep_propagation(root: Path) -> None:
    async with serve(root) as h:
        await load(h, *APP)
        ws = await h.connected()
        await change(h, root, "src/leaf.js", "export const leaf = 2;\n")
        payload = await receive_json(ws)
        [update] = payload["updates"]
        assert (update["path"], update["acceptedPath"]) == ("/src/app.js", "/src/dep.js")
        dep = await (await h.get(f"/src/dep.js?t={update['timestamp']}")).text()
        assert f'from "./leaf.js?t={update["timestamp"]}"' in dep


@async_test
async def test_unaccepted_change_reloads_with_the_reason(root: Path) -> None:
    async with serve(root) as h:
        await load(h, *APP)
        ws = await h.connected()
        await change(h, root, "src/plain.js", "export const plain = 2;\n")
        payload = await receive_json(ws)
        assert payload["type"] == "full-reload"
        assert payload["path"] == "*"
        assert payload["reason"] == (
            "/src/plain.js has no accepting importer: /src/plain.js → /src/main.js (entry)"
        )
        assert payload["triggeredBy"] == str((root / "src/plain.js").resolve())


@async_test
async def test_a_module_the_page_never_loaded_changes_nothing(root: Path) -> None:
    async with serve(root) as h:
        await load(h, *APP)
        ws = await h.connected()
        await change(h, root, "src/lazy.js", "// edited\n")  # only import()ed, never loaded
        await change(h, root, "src/nowhere.js", "// new\n", kind="added")
        await nothing_sent(h, ws)


@async_test
async def test_html_and_stylesheets(root: Path) -> None:
    async with serve(root) as h:
        await load(h, *APP, "/global.css?x=1")
        ws = await h.connected()
        await change(h, root, "index.html", "<html><head></head><p>new</p></html>")
        payload = await receive_json(ws)
        assert payload["type"] == "full-reload"
        assert payload["path"] == "/index.html"
        assert "HTML page" in payload["reason"]

        await change(h, root, "global.css", "p { color: red }\n")
        [update] = (await receive_json(ws))["updates"]
        assert (update["type"], update["path"]) == ("css-update", "/global.css")

        await change(h, root, "src/style.css", "body { color: green }\n")
        [update] = (await receive_json(ws))["updates"]
        assert update["type"] == "js-update"
        assert update["path"] == update["acceptedPath"] == "/src/style.css"
        assert update["explicitImportRequired"] is True
        css = await (await h.get(f"/src/style.css?import&t={update['timestamp']}")).text()
        assert "color: green" in css


@async_test
async def test_syntax_error_shows_the_overlay_and_sends_no_update_until_fixed(
    root: Path,
) -> None:
    async with serve(root) as h:
        await load(h, *APP)
        ws = await h.connected()
        await change(h, root, "src/app.js", "export const value = ;\n")
        payload = await receive_json(ws)
        assert payload["type"] == "error"
        assert payload["duringUpdate"] is True
        err = payload["err"]
        assert err["loc"]["line"] == 1 and err["loc"]["column"] > 1
        assert "export const value = ;" in err["frame"]
        await nothing_sent(h, ws)
        assert h.server.graph.get("/src/app.js").self_accepting is True  # the page's version

        await change(h, root, "src/app.js", "export const value = 3;\nimport.meta.hot.accept();\n")
        assert (await receive_json(ws))["updates"][0]["path"] == "/src/app.js"


def record_sent(h: Harness, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every payload hot updates hand to ``server.ws.send`` (even with no page to receive it),
    as JSON; the channel still gets each one."""
    sent: list[dict[str, Any]] = []
    channel_send = h.server.ws.send

    def send(payload: Any, data: Any = None) -> None:
        if not isinstance(payload, str):
            sent.append(protocol.to_wire(payload))
        channel_send(payload, data)

    monkeypatch.setattr(h.server.ws, "send", send)
    return sent


async def close_page(h: Harness, ws: aiohttp.ClientWebSocketResponse) -> None:
    """Close a page's socket and wait until the server has let it go: no page is open then."""
    gone = asyncio.Event()
    h.server.ws.on("disconnect", lambda client: gone.set())
    await ws.close()
    await gone.wait()
    assert not h.server.ws.clients


@async_test
async def test_an_error_kept_for_the_next_page_goes_once_the_file_is_fixed(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = str((root / "src/app.js").resolve())
    async with serve(root) as h:
        await load(h, *APP)
        sent = record_sent(h, monkeypatch)
        await change(h, root, "src/app.js", "export const value = ;\n")  # no page open
        ws = await h.connected()  # a page opened now is shown the error
        payload = await receive_json(ws)
        assert payload["type"] == "error" and payload["err"]["id"] == app
        await close_page(h, ws)

        await change(h, root, "src/app.js", "export const value = ;;\n")  # no page open
        await change(h, root, "src/app.js", "export const value = 3;\nimport.meta.hot.accept();\n")
        assert [p["type"] for p in sent] == ["update"]  # the fix went out: no page got it
        assert sent[0]["updates"][0]["path"] == "/src/app.js"
        later = await h.connected()
        await nothing_sent(h, later)  # before the fix, this page got the stale error


@async_test
async def test_an_error_kept_for_the_next_page_stays_while_its_module_is_broken(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serve(root) as h:
        await load(h, *APP)
        sent = record_sent(h, monkeypatch)
        await change(h, root, "src/app.js", "export const value = ;\n")  # no page open
        await change(h, root, "src/style.css", "body { color: blue }\n")
        assert [p["type"] for p in sent] == ["update"]  # another module updated fine
        ws = await h.connected()
        payload = await receive_json(ws)
        assert payload["type"] == "error"
        assert payload["err"]["id"] == str((root / "src/app.js").resolve())


@async_test
async def test_a_load_error_kept_for_the_next_page_becomes_a_reload_once_fixed(
    root: Path,
) -> None:
    write(root, {"m/main.js": "export const broken = ;\n"})
    async with serve(root) as h:
        assert (await h.get("/m/main.js")).status == 500  # the page loaded a broken module
        await change(h, root, "m/main.js", "export const fixed = 1;\n")  # its tab is gone
        ws = await h.connected()
        payload = await receive_json(ws)
        assert payload["type"] == "full-reload"
        assert "/m/main.js failed to load in the page" in payload["reason"]
        await nothing_sent(h, ws)


@async_test
async def test_prune_when_an_import_is_removed(root: Path) -> None:
    async with serve(root) as h:
        await load(h, *APP)
        ws = await h.connected()
        (root / "src/app.js").write_text(
            'import { dep } from "./dep.js";\n'
            "export const value = dep;\n"
            "import.meta.hot.accept();\n"
        )
        await load(h, "/src/app.js?t=1")
        assert await receive_json(ws) == {"type": "prune", "paths": ["/src/side.js"]}
        node = h.server.graph.get("/src/side.js")
        assert node.pruned and node.last_hmr_timestamp > 0  # a re-import runs it again


@async_test
async def test_missing_import_fails_the_module_and_creating_the_file_reloads(
    root: Path,
) -> None:
    write(root, {"m/main.js": 'import "./later.js";\nconsole.log("main");\n'})
    async with serve(root) as h:
        ws = await h.connected()
        response = await h.get("/m/main.js")
        assert response.status == 500
        err = (await receive_json(ws))["err"]
        assert err["message"] == (
            'Failed to resolve import "./later.js" from "m/main.js". Does the file exist?'
        )
        assert err["loc"] == {"file": str((root / "m/main.js").resolve()), "line": 1, "column": 8}
        await change(h, root, "m/later.js", "console.log('later')\n", kind="added")
        payload = await receive_json(ws)
        assert payload["type"] == "full-reload"
        assert "/m/main.js failed to load in the page" in payload["reason"]
        assert (await h.get("/m/main.js")).status == 200


@async_test
async def test_deleting_a_file_that_is_still_imported_reports_the_missing_import(
    root: Path,
) -> None:
    async with serve(root) as h:
        await load(h, *APP)
        ws = await h.connected()
        await change(h, root, "src/side.js", kind="deleted")
        payload = await receive_json(ws)
        assert payload["type"] == "error" and payload["duringUpdate"] is True
        assert '"./side.js" from "src/app.js"' in payload["err"]["message"]
        await nothing_sent(h, ws)
        await change(h, root, "src/side.js", "export const side = 2;\n", kind="added")
        [update] = (await receive_json(ws))["updates"]
        assert update["path"] == "/src/app.js"


@async_test
async def test_invalidate_propagates_once_and_reloads_from_an_entry(root: Path) -> None:
    async with serve(root) as h:
        await load(h, *APP)
        ws, other = await h.connected(), await h.connected()
        await change(
            h,
            root,
            "src/dep.js",
            'export { leaf as dep } from "./leaf.js";\nimport.meta.hot.accept();\n',
        )
        first = await receive_json(ws)
        await receive_json(other)
        # The graph keeps the facts of the version the page runs until it fetches the new one:
        # app.js accepts dep.js, so app.js is the boundary; then the page fetches dep.js.
        [update] = first["updates"]
        assert (update["path"], update["acceptedPath"]) == ("/src/app.js", "/src/dep.js")
        await load(h, f"/src/dep.js?t={update['timestamp']}")
        data = {"path": "/src/dep.js", "message": "cannot", "firstInvalidatedBy": "/src/dep.js"}
        await send_custom(ws, "shaker:invalidate", data)
        await send_custom(other, "shaker:invalidate", data)  # the same, from another tab
        payload = await receive_json(ws)
        [update] = payload["updates"]
        assert (update["path"], update["acceptedPath"]) == ("/src/app.js", "/src/app.js")
        assert update["firstInvalidatedBy"] == "/src/dep.js"
        assert update["timestamp"] == first["updates"][0]["timestamp"]
        await nothing_sent(h, ws)  # the second tab's invalidate was a duplicate

        await change(h, root, "src/app.js", (root / "src/app.js").read_text() + "\n")
        stamp = (await receive_json(ws))["updates"][0]["timestamp"]
        await send_custom(ws, "shaker:invalidate", {"path": "/src/app.js"})
        payload = await receive_json(ws)
        assert payload["type"] == "full-reload"
        assert payload["reason"] == (
            "/src/app.js called invalidate(), which updates its importers: "
            "/src/main.js has no accepting importer: /src/main.js (entry)"
        )
        assert stamp > 0


@async_test
async def test_invalidate_of_an_entry_reloads(root: Path) -> None:
    write(root, {"entry.js": "import.meta.hot.accept(() => import.meta.hot.invalidate());\n"})
    async with serve(root) as h:
        await load(h, "/entry.js")
        ws = await h.connected()
        await change(h, root, "entry.js", "import.meta.hot.accept();\n")
        await receive_json(ws)
        await send_custom(ws, "shaker:invalidate", {"path": "/entry.js"})
        payload = await receive_json(ws)
        assert payload["reason"] == (
            "/entry.js called invalidate() and nothing imports it (/entry.js (entry)): "
            "only a reload runs it again"
        )


def hot_plugin(calls: list[Any]) -> Plugin:
    def handle_hot_update(ctx: Any) -> Any:
        calls.append((Path(ctx.file).name, ctx.type, [m.url for m in ctx.modules], ctx.read()))
        if ctx.file.endswith("custom.js"):
            ctx.server.ws.send("custom:changed", {"text": ctx.read()})
            return []
        if ctx.file.endswith("main.js"):
            return ["/src/app.js"]
        return None

    return Plugin(name="hot", handle_hot_update=handle_hot_update)


@async_test
async def test_handle_hot_update_hook(root: Path) -> None:
    calls: list[Any] = []
    write(root, {"custom.js": "custom"})
    async with serve(root, Config(plugins=(hot_plugin(calls),))) as h:
        await load(h, *APP)
        ws = await h.connected()
        await change(h, root, "custom.js", "edited", kind="added")
        assert await receive_json(ws) == {
            "type": "custom",
            "event": "custom:changed",
            "data": {"text": "edited"},
        }
        await change(h, root, "src/main.js", "console.log(1)\n")  # narrowed to app.js
        assert (await receive_json(ws))["updates"][0]["path"] == "/src/app.js"
        assert calls == [
            ("custom.js", "create", [], "edited"),
            ("main.js", "update", ["/src/main.js"], "console.log(1)\n"),
        ]


@async_test
async def test_reload_module_for_a_virtual_module(root: Path) -> None:
    state = {"n": 0}

    def resolve_id(source: str, importer: str | None) -> str | None:
        return "virtual:count" if source == "virtual:count" else None

    def load_(id: str) -> str | None:
        if id == "virtual:count":
            return f"export const n = {state['n']};\nimport.meta.hot.accept();\n"
        return None

    plugin = Plugin(name="virtual", resolve_id=resolve_id, load=load_)
    write(root, {"v.js": 'import { n } from "virtual:count";\nconsole.log(n);\n'})
    async with serve(root, Config(plugins=(plugin,))) as h:
        code = await (await h.get("/v.js")).text()
        assert 'from "/@id/virtual:count"' in code
        await load(h, "/@id/virtual:count")
        ws = await h.connected()
        state["n"] = 1
        await h.server.reload_module("virtual:count")
        [update] = (await receive_json(ws))["updates"]
        assert update["path"] == "/@id/virtual:count"
        assert update["explicitImportRequired"] is False


@async_test
async def test_the_file_watcher_drives_hot_updates(root: Path) -> None:
    config = Config(server=ServerConfig(watch=WatchConfig(ignored=("*.ignored.js",))))
    async with serve(root, config) as h:
        await load(h, *APP)
        ws = await h.connected()
        await h.server.start_watching()
        assert h.server.watcher is not None and h.server.watcher.running
        (root / "src/x.ignored.js").write_text("ignored\n")
        (root / "node_modules").mkdir()
        (root / "node_modules/a.js").write_text("ignored\n")
        (root / "src/app.js").write_text("export const value = 9;\nimport.meta.hot.accept();\n")
        payload = await receive_json(ws)
        assert [u["path"] for u in payload["updates"]] == ["/src/app.js"]
        watcher = h.server.watcher
    assert h.server.watcher is None and not watcher.running


@async_test
async def test_the_watcher_reports_what_each_file_became(tmp_path: Path) -> None:
    from shaker.dev.watch import FileWatcher

    seen: set[tuple[str, str]] = set()
    changed = asyncio.Event()

    async def on_changes(batch: list[FileChange]) -> None:
        seen.update((c.path.relative_to(tmp_path).as_posix(), c.kind) for c in batch)
        changed.set()

    (tmp_path / "kept.js").write_text("1")
    (tmp_path / "gone.js").write_text("1")
    (tmp_path / "replaced.js").write_text("1")
    watcher = FileWatcher(tmp_path, on_changes)
    await watcher.start()
    expected = {
        ("kept.js", "modified"),
        ("new.js", "added"),
        ("gone.js", "deleted"),
        ("replaced.js", "added"),  # renamed into place: the dev server knows it is not new
        ("sub/dir/deep.js", "added"),
    }
    try:
        (tmp_path / "kept.js").write_text("")
        (tmp_path / "kept.js").write_text("2")
        (tmp_path / "new.js").write_text("1")
        (tmp_path / "gone.js").unlink()
        (tmp_path / ".replaced.js.tmp").write_text("2")  # an editor's atomic save
        (tmp_path / ".replaced.js.tmp").rename(tmp_path / "replaced.js")
        (tmp_path / "sub/dir").mkdir(parents=True)
        (tmp_path / "sub/dir/deep.js").write_text("1")
        (tmp_path / ".git").mkdir()
        (tmp_path / ".git/HEAD").write_text("x")
        (tmp_path / "node_modules/pkg").mkdir(parents=True)
        (tmp_path / "node_modules/pkg/index.js").write_text("x")
        while not expected <= seen:
            changed.clear()
            await asyncio.wait_for(changed.wait(), 10)
    finally:
        await watcher.stop()
    assert seen == expected
    assert not watcher.running


@async_test
async def test_the_watcher_can_poll(tmp_path: Path) -> None:
    """Polling (watchfiles) sees changes too. A poller only compares against its last scan,
    which it takes on its own schedule: the file is rewritten until a scan reports it."""
    from shaker.dev.watch import FileWatcher

    seen: list[FileChange] = []
    changed = asyncio.Event()

    async def on_changes(batch: list[FileChange]) -> None:
        seen.extend(batch)
        changed.set()

    watcher = FileWatcher(tmp_path, on_changes, use_polling=True, poll_interval_ms=20)
    await watcher.start()
    try:
        assert watcher.backend is not None and "polling" in watcher.backend.describe()
        for attempt in range(50):
            (tmp_path / "polled.js").write_text("x" * (attempt + 1))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(changed.wait(), 0.2)
            if seen:
                break
    finally:
        await watcher.stop()
    assert {c.path.name for c in seen} == {"polled.js"}


def test_merge_and_ignores() -> None:
    from shaker.dev.watch import coalesce, is_ignored, merge

    root = Path("/p")
    a, b = root / "a.js", root / "b.js"
    assert merge(
        [
            [FileChange(a, "added")],
            [FileChange(a, "modified"), FileChange(b, "added")],
            [FileChange(b, "deleted")],
        ]
    ) == [FileChange(a, "added"), FileChange(b, "deleted")]
    assert is_ignored(root / "dist/x.js", root)
    assert is_ignored(root / "src/gen/x.js", root, ("src/gen",))
    assert not is_ignored(root / "src/general.js", root, ("src/gen",))
    assert is_ignored(Path("/elsewhere/x.js"), root)
    assert coalesce([(2, "/p/node_modules/x.js"), (1, "/p/.git/x")], root) == []


def test_watch_config() -> None:
    from shaker.cli.dev import apply_flags

    config = Config(server={"watch": {"ignored": "*.gen.js", "use_polling": True}})
    assert config.server.watch == WatchConfig(ignored=("*.gen.js",), use_polling=True)
    with pytest.raises(ValueError, match="positive"):
        WatchConfig(debounce=0)
    flags = {"port": None, "host": None, "open_browser": False, "strict_port": False, "base": None}
    assert apply_flags(Config(), **flags, poll=True).server.watch.use_polling is True
    assert apply_flags(Config(), **flags).server.watch.use_polling is False


@async_test
async def test_an_allowed_directory_outside_root_is_watched_too(tmp_path: Path) -> None:
    """A workspace package linked into node_modules lives outside ROOT (npm link, pnpm):
    served through /@fs when ``fs_allow`` lists it, and its edits are hot updates too."""
    root = write(tmp_path / "app", {
        "index.html": '<script type="module" src="/main.js"></script>',
        "main.js": "import { v } from 'shared';\nimport.meta.hot.accept();\n",
    })
    shared = write(tmp_path / "shared", {
        "package.json": '{"name": "shared", "type": "module", "exports": "./lib.js"}',
        "lib.js": "export const v = 1;\n",
    })
    (root / "node_modules").mkdir()
    (root / "node_modules" / "shared").symlink_to(shared, target_is_directory=True)
    config = Config(server=ServerConfig(fs_allow=("../shared",)))
    async with serve(root, config) as h:
        lib_url = "/@fs" + (shared / "lib.js").resolve().as_posix()
        await load(h, "/index.html", "/main.js", lib_url)
        assert f'from "{lib_url}"' in await (await h.get("/main.js")).text()
        ws = await h.connected()
        await h.server.start_watching()
        assert shared.resolve() in h.server.watcher.roots
        (shared / "lib.js").write_text("export const v = 2;\n")
        payload = await receive_json(ws)
        assert [u["path"] for u in payload["updates"]] == ["/main.js"]
