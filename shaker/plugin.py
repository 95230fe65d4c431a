"""Python plugins: Vite's plugin hooks, as plain callables on a frozen dataclass.

Every hook is optional and may be a plain function or a coroutine function; the dev server
awaits whatever a hook returns when it is awaitable. The seed's ``configureServer`` plugin, in
Python:

>>> def websocket_plugin() -> Plugin:
...     def configure_server(server):
...         @server.ws.on("client-ping")
...         async def pong(data, client):
...             client.send("server-pong", {"echo": data["message"]})
...     return Plugin(name="websocket-communication-plugin", configure_server=configure_server)
>>> websocket_plugin().name
'websocket-communication-plugin'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Hook = Callable[..., Any]


@dataclass(frozen=True)
class Plugin:
    """A named bundle of hooks. Hooks, in the order the dev server calls them:

    - ``configure_server(server)``: once at start-up, before the port is bound; register
      ``server.ws`` handlers here. An exception stops the start-up.
    - ``resolve_id(source, importer) -> str | None``: map a request URL (``importer`` is None)
      or a bare import specifier (``importer`` is the importing module's URL) to an id. The
      first non-None answer wins.
    - ``load(id) -> str | None``: the source for an id instead of reading the file; first
      non-None wins (this is how virtual modules are made).
    - ``transform(code, id) -> str | None``: rewrite a module's source before shaker's own
      development transform; hooks are chained, None means unchanged.
    - ``transform_index_html(html, url) -> str | None``: rewrite an HTML page before the client
      script is injected; chained like ``transform``.
    - ``handle_hot_update(ctx) -> list | None``: called by the file watcher when a file
      changes (``ctx``: ``file``, ``timestamp``, ``modules``, ``read()``, ``server``);
      returning a list replaces the affected modules, an empty list means "handled".
    """

    name: str
    configure_server: Hook | None = None
    resolve_id: Hook | None = None
    load: Hook | None = None
    transform: Hook | None = None
    transform_index_html: Hook | None = None
    handle_hot_update: Hook | None = None


HOOK_NAMES: tuple[str, ...] = (
    "configure_server",
    "resolve_id",
    "load",
    "transform",
    "transform_index_html",
    "handle_hot_update",
)
"""Every hook a ``Plugin`` can carry, in call order."""
