"""Running plugin hooks: sync or async alike, errors attributed to the plugin that raised.

Hooks that produce a module (``resolve_id``, ``load``, ``transform``,
``transform_index_html``) raise ``PluginError`` so the request answers 500 and the overlay
names the plugin; event handlers never stop the server (see ``call_logged``).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from typing import Any

from shaker.plugin import Plugin

logger = logging.getLogger("shaker")


class PluginError(Exception):
    """A hook raised; ``plugin`` and ``hook`` say which, ``__cause__`` is the original."""

    def __init__(self, plugin: str, hook: str, error: BaseException) -> None:
        super().__init__(f"[plugin {plugin}] {hook}: {type(error).__name__}: {error}")
        self.plugin = plugin
        self.hook = hook
        self.error = error


async def call(fn: Callable[..., Any], *args: Any) -> Any:
    """Call a sync or async callable and return its (awaited) result."""
    result = fn(*args)
    if inspect.isawaitable(result):
        result = await result
    return result


async def call_logged(fn: Callable[..., Any], *args: Any, what: str) -> None:
    """Call a handler; log an exception with its traceback instead of propagating it."""
    try:
        await call(fn, *args)
    except Exception:
        logger.exception("error in %s", what)


class PluginContainer:
    """The configured plugins, with one method per hook."""

    def __init__(self, plugins: Sequence[Plugin]) -> None:
        self.plugins = tuple(plugins)

    def _with(self, hook: str) -> list[tuple[Plugin, Callable[..., Any]]]:
        return [(p, fn) for p in self.plugins if (fn := getattr(p, hook)) is not None]

    def has(self, hook: str) -> bool:
        return bool(self._with(hook))

    async def _call(self, plugin: Plugin, hook: str, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return await call(fn, *args)
        except Exception as exc:
            raise PluginError(plugin.name, hook, exc) from exc

    async def configure_server(self, server: Any) -> None:
        for plugin, fn in self._with("configure_server"):
            await self._call(plugin, "configure_server", fn, server)

    async def resolve_id(self, source: str, importer: str | None) -> str | None:
        for plugin, fn in self._with("resolve_id"):
            result = await self._call(plugin, "resolve_id", fn, source, importer)
            if result is not None:
                return str(result)
        return None

    async def load(self, id: str) -> str | None:
        for plugin, fn in self._with("load"):
            result = await self._call(plugin, "load", fn, id)
            if result is not None:
                return str(result)
        return None

    async def transform(self, code: str, id: str) -> str:
        for plugin, fn in self._with("transform"):
            result = await self._call(plugin, "transform", fn, code, id)
            if result is not None:
                code = str(result)
        return code

    async def handle_hot_update(self, ctx: Any) -> list[Any] | None:
        """Run ``handle_hot_update`` hooks in order; each sees the modules the previous one
        returned. An empty list means "handled": later hooks do not run."""
        result: list[Any] | None = None
        for plugin, fn in self._with("handle_hot_update"):
            answer = await self._call(plugin, "handle_hot_update", fn, ctx)
            if answer is None:
                continue
            result = list(answer)
            ctx.modules = result
            if not result:
                break
        return result

    async def transform_index_html(self, html: str, url: str) -> str:
        for plugin, fn in self._with("transform_index_html"):
            result = await self._call(plugin, "transform_index_html", fn, html, url)
            if result is not None:
                html = str(result)
        return html
