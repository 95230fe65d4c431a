"""The seed's "Complete Example" plugin (vite-websocket-plugin.js + vite.config.js) in Python.

Run it with `shaker dev examples/seed` and open the printed URL: the browser console shows the
server-ready / client-ping / server-pong / custom-data / data-processed exchange.
"""

import time

from shaker import Config, Plugin, ServerConfig


def now_ms() -> int:
    return int(time.time() * 1000)


def create_websocket_plugin() -> Plugin:
    def configure_server(server):
        @server.ws.on("connection")
        def hello(client):
            print("🔌 Client connected via WebSocket")
            server.ws.send(
                "server-ready",
                {"timestamp": now_ms(), "message": "Server is ready for communication"},
            )

        @server.ws.on("client-ping")
        def pong(data, client):
            print("📨 Received ping:", data)
            client.send(
                "server-pong",
                {"echo": data["message"], "serverTime": now_ms(), "response": "Pong from server!"},
            )

        @server.ws.on("custom-data")
        async def process(data, client):
            print("🎯 Custom data received:", data)
            client.send(
                "data-processed",
                {"original": data, "processed": True, "result": f"Processed: {data['value']}"},
            )

    return Plugin(name="websocket-communication-plugin", configure_server=configure_server)


config = Config(
    plugins=[create_websocket_plugin()],
    server=ServerConfig(port=3000, host="localhost"),
)
