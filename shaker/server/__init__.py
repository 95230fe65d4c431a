"""The development server (aiohttp): imported only by the CLI, never by ``import shaker``.

One module per responsibility: ``fs_guard`` (which file a request may read), ``hosts``
(Host/Origin checks), ``hot_channel`` (the WebSocket and ``server.ws``), ``modules`` (serving
JS/CSS/JSON/HTML), ``client_assets`` (the browser client), ``plugins`` (running hooks),
``app`` (middleware order and dispatch), ``dev_server`` (``DevServer``), ``banner`` and
``command`` (``shaker dev``).
"""

from shaker.server.dev_server import DevServer, PortInUseError, ServerUrls

__all__ = ["DevServer", "PortInUseError", "ServerUrls"]
