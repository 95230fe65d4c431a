"""The browser client (``shaker/client/client.js``) in a real Chromium, against the client-test
harness (``conftest.ClientHarness``): each test writes a tiny page, drives the server side by
hand, and asserts what the page logged or how its DOM changed, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

INDEX = """<!doctype html>
<html>
<head>
  <meta charset="utf-8">
  <script type="module" src="/@shaker/client"></script>
  {head}
  <script>
    sessionStorage.loads = Number(sessionStorage.loads || 0) + 1;
    console.log(`page load ${{sessionStorage.loads}}`);
  </script>
  <script type="module" src="/main.js"></script>
</head>
<body><p id="x">hello</p></body>
</html>
"""

CONNECTED = "[shaker] connected."


def write(root: Path, files: dict[str, str], head: str = "") -> None:
    """Write a page (``index.html`` loading ``/main.js``) and its files under ``root``."""
    (root / "index.html").write_text(INDEX.format(head=head), encoding="utf-8")
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")


def js_update(path: str, accepted_path: str | None = None, timestamp: int = 1, **extra: Any):
    update = {
        "type": "js-update",
        "path": path,
        "acceptedPath": accepted_path or path,
        "timestamp": timestamp,
        **extra,
    }
    return {"type": "update", "updates": [update]}


def in_order(texts: list[str], expected: list[str]) -> bool:
    """Whether ``expected`` occurs in ``texts`` as a subsequence."""
    remaining = iter(texts)
    return all(any(text == want for text in remaining) for want in expected)


Serve = Callable[..., Any]


@pytest.fixture
def open_page(tmp_path: Path, serve_dir: Serve, page: Page, console):
    """``open_page(files, head="", **config)``: write, serve, load, and wait for the socket."""

    def start(files: dict[str, str], head: str = "", **config: Any):
        write(tmp_path, files, head)
        server = serve_dir(tmp_path, **config)
        page.goto(server.url + "/")
        console.wait_for(CONNECTED)
        server.wait_for_clients()
        return server

    yield start
    assert console.page_errors == [], "uncaught errors in the page"


def test_custom_events_both_ways(open_page, console) -> None:
    server = open_page(
        {
            "main.js": """
import.meta.hot.on('server-ready', (data) => {
  console.log(`server-ready: ${data.message}`);
  import.meta.hot.send('client-ping', { message: 'hello' });
});
import.meta.hot.on('server-pong', (data) => console.log(`server-pong: ${data.echo}`));
"""
        }
    )
    server.replies["client-ping"] = lambda data: ("server-pong", {"echo": data["message"]})

    server.send_custom("server-ready", {"message": "ready"})

    console.wait_for("server-pong: hello")
    assert in_order(console.texts, ["server-ready: ready", "server-pong: hello"])
    assert {"type": "custom", "event": "client-ping", "data": {"message": "hello"}} in (
        server.received
    )


def test_sends_before_the_socket_opens_are_delivered_in_order(open_page, console) -> None:
    server = open_page(
        {
            "main.js": """
for (const n of [1, 2, 3]) import.meta.hot.send('early', { n });
import.meta.hot.send('no-data');
console.log('sent while connecting, without throwing');
"""
        }
    )
    server.wait_for_message(lambda m: m.get("event") == "no-data")

    assert in_order(console.texts, ["sent while connecting, without throwing", CONNECTED])
    assert server.received[:4] == [
        {"type": "custom", "event": "early", "data": {"n": 1}},
        {"type": "custom", "event": "early", "data": {"n": 2}},
        {"type": "custom", "event": "early", "data": {"n": 3}},
        {"type": "custom", "event": "no-data"},  # undefined data stays off the wire
    ]


def test_off_removes_a_listener_and_the_wildcard_sees_every_event(open_page, console) -> None:
    server = open_page(
        {
            "main.js": """
const removed = () => console.log('removed listener ran');
import.meta.hot.on('ev', removed);
import.meta.hot.on('ev', (data) => console.log(`kept listener: ${data.n}`));
import.meta.hot.off('ev', removed);
import.meta.hot.on('*', (event, data) => console.log(`* ${event} ${JSON.stringify(data)}`));
"""
        }
    )
    server.send_custom("ev", {"n": 1})
    console.wait_for("kept listener: 1")
    server.send(js_update("/not-loaded.js"))
    console.wait_for(
        '* shaker:afterUpdate {"type":"update","updates":[{"type":"js-update",'
        '"path":"/not-loaded.js","acceptedPath":"/not-loaded.js","timestamp":1}]}'
    )

    texts = console.texts
    assert "removed listener ran" not in texts
    wildcard = [t.split(" ")[1] for t in texts if t.startswith("* ")]
    # Built-ins reach the wildcard once, under their shaker name only.
    assert wildcard == ["shaker:ws:connect", "ev", "shaker:beforeUpdate", "shaker:afterUpdate"]
    assert in_order(texts, ["kept listener: 1", '* ev {"n":1}'])


def test_a_throwing_listener_does_not_stop_the_others(open_page, console) -> None:
    server = open_page(
        {
            "main.js": """
import.meta.hot.on('boom', () => { throw new Error('sync listener exploded'); });
import.meta.hot.on('boom', async () => { throw new Error('async listener exploded'); });
import.meta.hot.on('boom', (data) => console.log(`third listener ran: ${data}`));
import.meta.hot.on('next', () => console.log('next payload handled'));
"""
        }
    )
    server.send_custom("boom", "x")
    server.send_custom("next")
    console.wait_for("next payload handled")

    assert in_order(console.texts, ["third listener ran: x", "next payload handled"])
    errors = [m.text for m in console.messages if m.type == "error"]
    assert any('"boom"' in e and "sync listener exploded" in e for e in errors), errors
    assert any('"boom"' in e and "async listener exploded" in e for e in errors), errors


SELF_ACCEPTING = """
const hot = import.meta.hot;
hot.data.count = (hot.data.count ?? 0) + 1;
const run = hot.data.count;
export const version = run;
console.log(`run ${run}`);
try { hot.data = {}; } catch (err) { console.log(`assigning data throws ${err.name}`); }
hot.on('whoami', () => console.log(`listener of run ${run}`));
hot.on('vite:beforeUpdate', () => console.log(`vite:beforeUpdate in run ${run}`));
hot.on('shaker:afterUpdate', () => console.log(`shaker:afterUpdate in run ${run}`));
hot.dispose((data) => console.log(`dispose run ${data.count}`));
hot.accept((mod) => console.log(`accept callback of run ${run} got version ${mod.version}`));
"""


def test_data_survives_a_self_accepted_update_and_old_listeners_go(open_page, console) -> None:
    server = open_page({"main.js": SELF_ACCEPTING})
    server.send(js_update("/main.js", timestamp=1700000000001))
    console.wait_for("shaker:afterUpdate in run 2")
    server.send_custom("whoami")
    console.wait_for("listener of run 2")

    assert in_order(
        console.texts,
        [
            "run 1",
            "assigning data throws TypeError",
            "vite:beforeUpdate in run 1",
            "dispose run 1",
            "run 2",
            "assigning data throws TypeError",
            "accept callback of run 1 got version 2",
            "[shaker] hot updated: /main.js",
            "shaker:afterUpdate in run 2",
            "listener of run 2",
        ],
    )
    assert "listener of run 1" not in console.texts
    assert "shaker:afterUpdate in run 1" not in console.texts


def test_accept_with_dependencies(open_page, console, tmp_path: Path) -> None:
    server = open_page(
        {
            "a.js": "export const value = 'a1';",
            "b.js": "export const value = 'b1';",
            "main.js": """
import './a.js';
import './b.js';
import.meta.hot.accept(['/a.js', '/b.js'], ([a, b]) =>
  console.log(`list callback: a=${a?.value} b=${b?.value}`));
import.meta.hot.accept('/b.js', (b) => console.log(`single callback: b=${b.value}`));
""",
        }
    )
    (tmp_path / "a.js").write_text("export const value = 'a2';")
    server.send(js_update("/main.js", "/a.js", timestamp=2))
    console.wait_for("[shaker] hot updated: /a.js via /main.js")
    (tmp_path / "b.js").write_text("export const value = 'b2';")
    server.send(js_update("/main.js", "/b.js", timestamp=3))
    console.wait_for("[shaker] hot updated: /b.js via /main.js")

    callbacks = [t for t in console.texts if "callback" in t]
    assert callbacks == [
        "list callback: a=a2 b=undefined",
        "list callback: a=undefined b=b2",
        "single callback: b=b2",
    ]


def test_invalidate_tells_listeners_and_the_server(open_page, console) -> None:
    server = open_page(
        {
            "main.js": """
import.meta.hot.on('vite:invalidate', (d) => console.log(`invalidate ${d.path} ${d.message}`));
import.meta.hot.accept(() => import.meta.hot.invalidate('cannot swap this'));
"""
        }
    )
    server.send(js_update("/main.js", timestamp=5, firstInvalidatedBy="/dep.js"))
    message = server.wait_for_message(lambda m: m.get("event") == "shaker:invalidate")

    assert message["data"] == {
        "path": "/main.js",
        "message": "cannot swap this",
        "firstInvalidatedBy": "/dep.js",
    }
    console.wait_for("invalidate /main.js cannot swap this")


def test_prune_runs_dispose_then_prune_and_forgets_data(open_page, console, page: Page) -> None:
    server = open_page(
        {
            "main.js": "import './side.js';",
            "side.js": """
console.log(`side runs with data ${JSON.stringify(import.meta.hot.data)}`);
import.meta.hot.data.seen = true;
import.meta.hot.on('shaker:beforePrune', (p) => console.log(`beforePrune ${p.paths}`));
import.meta.hot.dispose((data) => console.log(`side dispose ${JSON.stringify(data)}`));
import.meta.hot.prune((data) => console.log(`side prune ${JSON.stringify(data)}`));
""",
        }
    )
    server.send({"type": "prune", "paths": ["/side.js"]})
    console.wait_for('side prune {"seen":true}')
    page.evaluate("import('/side.js?t=2')")  # imported again later: a fresh start
    console.wait_for("side runs with data {}", count=2)

    assert in_order(
        console.texts,
        [
            "side runs with data {}",
            "beforePrune /side.js",
            'side dispose {"seen":true}',
            'side prune {"seen":true}',
            "side runs with data {}",
        ],
    )


def test_full_reload_logs_its_reason_and_honours_html_paths(open_page, console, page) -> None:
    server = open_page(
        {
            "main.js": """
import.meta.hot.on('vite:beforeFullReload', (p) => console.log(`beforeFullReload ${p.path}`));
import.meta.hot.on('done', () => console.log('done'));
"""
        }
    )
    # Another page's HTML changed: this one stays (the next payload proves it was handled).
    server.send({"type": "full-reload", "path": "/other.html", "reason": "other.html changed"})
    server.send_custom("done")
    console.wait_for("done")
    assert "[shaker] full reload: other.html changed" not in console.texts

    with page.expect_navigation():
        server.send({"type": "full-reload", "path": "*", "reason": "shaker.config.py changed"})
    console.wait_for("page load 2")
    console.wait_for(CONNECTED, count=2)
    with page.expect_navigation():
        server.send({"type": "full-reload", "path": "/index.html"})
    console.wait_for("page load 3")

    assert in_order(
        console.texts,
        [
            "page load 1",
            "beforeFullReload /other.html",
            "done",
            "beforeFullReload *",
            "[shaker] full reload: shaker.config.py changed",
            "page load 2",
            "beforeFullReload /index.html",
            "page load 3",
        ],
    )


def test_server_restart_reloads_the_page_once(open_page, console) -> None:
    server = open_page(
        {"main.js": "import.meta.hot.on('hello', (n) => import.meta.hot.send('hello-back', n));"}
    )
    server.restart()
    console.wait_for("page load 2")
    console.wait_for(CONNECTED, count=2)
    server.wait_for_clients()
    # The new page talks to the restarted server (with its new token) ...
    server.send_custom("hello", 2)
    server.wait_for_message(lambda m: m.get("event") == "hello-back")

    # ... and nothing reloaded it a second time.
    assert console.count("page load 3") == 0
    assert console.count("[shaker] server connection lost. Polling for restart...") == 1
    assert in_order(
        console.texts,
        ["page load 1", "[shaker] server connection lost. Polling for restart...", "page load 2"],
    )


ERROR = {
    "type": "error",
    "err": {
        "message": "Unexpected token (3:14)",
        "stack": "SyntaxError: Unexpected token\n    at parse (shaker/parse.py)",
        "id": "/src/main.js",
        "frame": "2 | const a = 1;\n3 | const b = ;\n  |           ^",
        "loc": {"file": "/src/main.js", "line": 3, "column": 14},
    },
}


def test_error_overlay_shows_the_error_and_closes(open_page, console, page: Page) -> None:
    server = open_page(
        {"main.js": "import.meta.hot.on('vite:error', (p) => console.log(`error ${p.err.id}`));"},
        head='<meta property="csp-nonce" nonce="n0nce">',
    )
    overlay = page.locator("shaker-error-overlay")

    server.send(ERROR)
    expect(overlay).to_have_count(1)
    expect(overlay.locator(".message")).to_have_text("Unexpected token (3:14)")
    expect(overlay.locator(".file")).to_have_text("/src/main.js:3:14")
    expect(overlay.locator(".frame")).to_contain_text("3 | const b = ;")
    expect(overlay.locator(".stack")).to_contain_text("at parse (shaker/parse.py)")
    nonce = page.evaluate(
        "document.querySelector('shaker-error-overlay').shadowRoot.querySelector('style').nonce"
    )
    assert nonce == "n0nce"
    console.wait_for("error /src/main.js")

    overlay.locator(".message").click()  # inside the panel: stays
    expect(overlay).to_have_count(1)
    page.mouse.click(3, 3)  # outside the panel: closes
    expect(overlay).to_have_count(0)

    server.send(ERROR)
    expect(overlay).to_have_count(1)
    page.keyboard.press("Escape")
    expect(overlay).to_have_count(0)


def test_error_overlay_closes_on_the_next_update(open_page, console, page: Page) -> None:
    server = open_page({"main.js": SELF_ACCEPTING})
    overlay = page.locator("shaker-error-overlay")
    server.send(js_update("/main.js", timestamp=1))
    console.wait_for("shaker:afterUpdate in run 2")

    server.send(ERROR)
    expect(overlay).to_have_count(1)
    server.send(js_update("/main.js", timestamp=2))
    console.wait_for("shaker:afterUpdate in run 3")
    expect(overlay).to_have_count(0)
    assert console.count("page load 2") == 0


def test_an_error_before_the_first_update_reloads_on_update(open_page, console, page) -> None:
    # The page loaded with a broken graph: hot updates cannot repair it (as in Vite).
    server = open_page({"main.js": SELF_ACCEPTING})
    server.send(ERROR)
    expect(page.locator("shaker-error-overlay")).to_have_count(1)
    with page.expect_navigation():
        server.send(js_update("/main.js", timestamp=1))
    console.wait_for("page load 2")
    assert "run 2" not in console.texts


LINK_WATCHER = """
const log = (what, nodes) => {
  for (const n of nodes) if (n.tagName === 'LINK') console.log(`${what} ${n.getAttribute('href')}`);
};
new MutationObserver((records) => {
  for (const r of records) {
    log('added', r.addedNodes);
    log('removed', r.removedNodes);
  }
}).observe(document.head, { childList: true });
"""


def test_css_update_swaps_the_link_keeping_its_query(
    open_page, console, page: Page, tmp_path: Path
) -> None:
    server = open_page(
        {
            "main.js": LINK_WATCHER,
            "style.css": "#x { color: rgb(1, 2, 3); }",
            "other.css": "#x { background: rgb(9, 9, 9); }",
        },
        head='<link rel="stylesheet" href="/style.css?v=3&theme=dark">'
        '<link rel="stylesheet" href="/other.css">',
    )
    paragraph = page.locator("#x")
    expect(paragraph).to_have_css("color", "rgb(1, 2, 3)")

    (tmp_path / "style.css").write_text("#x { color: rgb(4, 5, 6); }")
    update = {"type": "css-update", "path": "/style.css", "acceptedPath": "/style.css"}
    server.send({"type": "update", "updates": [{**update, "timestamp": 1700000000001}]})
    console.wait_for("[shaker] css hot updated: /style.css")
    expect(paragraph).to_have_css("color", "rgb(4, 5, 6)")
    server.send({"type": "update", "updates": [{**update, "timestamp": 1700000000002}]})
    console.wait_for("[shaker] css hot updated: /style.css", count=2)

    hrefs = page.eval_on_selector_all("link", "links => links.map((l) => l.getAttribute('href'))")
    # Same place in the cascade, other query parameters kept, `t` replaced rather than added.
    assert [h.split("//", 1)[-1].split("/", 1)[-1] for h in hrefs] == [
        "style.css?v=3&theme=dark&t=1700000000002",
        "other.css",
    ]
    # The new link went in before the old one left: never a moment without the stylesheet.
    swaps = [t for t in console.texts if t.startswith(("added", "removed"))]
    assert [t.split(" ")[0] for t in swaps] == ["added", "removed", "added", "removed"]
    assert swaps[1] == "removed /style.css?v=3&theme=dark"
    expect(page.locator("#x")).to_have_css("background-color", "rgb(9, 9, 9)")


def test_update_style_replaces_css_in_place(open_page, console, page: Page, tmp_path: Path) -> None:
    css_module = """
import { updateStyle, removeStyle } from '/@shaker/client';
updateStyle('/theme.css', '#x { color: rgb(%s); }');
import.meta.hot.accept();
import.meta.hot.prune(() => removeStyle('/theme.css'));
"""
    server = open_page(
        {"main.js": "import './theme.css.js';", "theme.css.js": css_module % "1, 2, 3"}
    )
    style = page.locator('style[data-shaker-dev-id="/theme.css"]')
    expect(page.locator("#x")).to_have_css("color", "rgb(1, 2, 3)")
    style.evaluate("(el) => { el.dataset.marked = 'yes'; }")

    (tmp_path / "theme.css.js").write_text(css_module % "4, 5, 6")
    server.send(js_update("/theme.css.js", timestamp=2))
    console.wait_for("[shaker] hot updated: /theme.css.js")
    expect(page.locator("#x")).to_have_css("color", "rgb(4, 5, 6)")
    expect(style).to_have_count(1)
    expect(style).to_have_attribute("data-marked", "yes")  # the same element, updated

    server.send({"type": "prune", "paths": ["/theme.css.js"]})
    expect(style).to_have_count(0)
    expect(page.locator("#x")).to_have_css("color", "rgb(0, 0, 0)")


def test_keepalive_pings_the_server(open_page) -> None:
    server = open_page({"main.js": "import.meta.hot.accept();"}, timeout=50)
    assert server.wait_for_message(lambda m: m.get("type") == "ping") == {"type": "ping"}


# ---------------------------------------------------------------------------------------------
# Against shaker's real dev server: the injected preamble, the token, Python plugins
# ---------------------------------------------------------------------------------------------

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed"


def test_the_seed_complete_example_works(dev_server, page: Page, console, tmp_path) -> None:
    """The user's first try: the seed's client and its plugin, ported to Python."""
    if not (SEED / "shaker.config.py").is_file():
        pytest.skip("examples/seed is not there yet")
    from shaker.config import load_config

    for name in ("index.html", "main.js"):
        (tmp_path / name).write_text((SEED / name).read_text(encoding="utf-8"), encoding="utf-8")
    plugins = load_config(SEED / "shaker.config.py").plugins
    server = dev_server(tmp_path, plugins=plugins)

    page.goto(server.url)
    console.wait_for("⚡ Data processed: Processed: custom payload")  # sent after 2 s

    assert in_order(
        console.texts,
        [
            "🚀 Application starting...",
            "🔥 HMR is available",
            "✅ Server ready: Server is ready for communication",
            "🏓 Received pong: Pong from server!",
            "📡 Echo: Hello from client!",
            "⚡ Data processed: Processed: custom payload",
        ],
    )
    expect(page.locator("#app h1")).to_have_text("Vite WebSocket Communication")


def test_dev_server_update_and_full_reload(dev_server, page: Page, console, tmp_path) -> None:
    from shaker import protocol

    write(tmp_path, {"main.js": SELF_ACCEPTING})
    server = dev_server(tmp_path)
    page.goto(server.url)
    console.wait_for(CONNECTED)

    (tmp_path / "main.js").write_text(SELF_ACCEPTING + "console.log('edited');\n")
    update = protocol.Update("js-update", "/main.js", "/main.js", timestamp=1700000000001)
    server.send(protocol.UpdatePayload(updates=(update,)))
    console.wait_for("[shaker] hot updated: /main.js")
    with page.expect_navigation():
        server.send(protocol.FullReload(path="*", reason="shaker.config.py changed"))
    console.wait_for("page load 2")

    assert in_order(
        console.texts,
        [
            "run 1",
            "dispose run 1",
            "run 2",
            "edited",
            "accept callback of run 1 got version 2",
            "[shaker] hot updated: /main.js",
            "[shaker] full reload: shaker.config.py changed",
            "page load 2",
            "run 1",  # a reload starts over: data does not survive it
        ],
    )


def test_dev_server_restart_reloads_the_page_once(dev_server, page: Page, console, tmp_path):
    from shaker import Plugin

    def echo(server: Any) -> None:
        server.ws.on("hello", lambda data, client: client.send("hello-back", data))

    write(
        tmp_path,
        {
            "main.js": """
import.meta.hot.on('hello-back', (n) => console.log(`hello-back ${n}`));
import.meta.hot.send('hello', Number(sessionStorage.loads));
"""
        },
    )
    server = dev_server(tmp_path, plugins=(Plugin(name="echo", configure_server=echo),))
    page.goto(server.url)
    console.wait_for("hello-back 1")

    server.restart()  # a new token: the reloaded page must fetch a fresh client
    console.wait_for("hello-back 2")

    assert console.count("[shaker] server connection lost. Polling for restart...") == 1
    assert "page load 3" not in console.texts
    assert in_order(
        console.texts,
        [
            "page load 1",
            "hello-back 1",
            "[shaker] server connection lost. Polling for restart...",
            "page load 2",
            "hello-back 2",
        ],
    )
