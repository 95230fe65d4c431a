"""``shaker dev``: the development server (aiohttp), imported only by the CLI.

One module per responsibility: ``server`` (``DevServer``: start-up, listen, shutdown), ``app``
(middleware order and dispatch), ``modules`` (serving pipeline records over HTTP),
``imports`` (module URLs and ``?t=`` stamps), ``linking`` (named imports against exports),
``hot_channel`` (the WebSocket and ``server.ws``), ``graph`` (the module graph and the pure
HMR decision), ``hmr`` (file change → update payloads), ``watch`` (watchfiles),
``client_assets`` (the browser client).
"""

from shaker.dev.server import DevServer, PortInUseError, ServerUrls

__all__ = ["DevServer", "PortInUseError", "ServerUrls"]
