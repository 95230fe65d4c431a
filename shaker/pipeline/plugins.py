"""Running plugin hooks: sync or async alike, errors attributed to the plugin that raised.

The module hooks (``resolve_id``, ``load``, ``transform``) run inside the pipeline, which is
synchronous so that dev and build share it: ``shaker build`` calls it directly, ``shaker dev``
calls it in a worker thread so that no transform blocks the server's event loop.  A hook written
as a coroutine function still works in both: in the dev server its coroutine runs on the
server's loop (``PluginContainer.loop``) while the worker waits; in a build, which has no loop,
it runs to completion on a private one.

Server hooks (``configure_server``, ``handle_hot_update``, ``transform_index_html``) and
request-time ``resolve_id`` run on the loop and are awaited.  Hooks that produce a module raise
``PluginError`` so the request answers 500 and the overlay names the plugin; event handlers
never stop the server (see ``call_logged``).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from shaker.plugin import Plugin

logger = logging.getLogger("shaker")

HOOK_TIMEOUT = 60.0
"""Seconds a module hook may take before the module fails with a ``PluginError``."""
SERVER_HOOK_TIMEOUT = 10.0
"""Seconds an async ``handle_hot_update`` or ``transform_index_html`` hook may take (hot
updates wait for it); ``configure_server`` gets ``HOOK_TIMEOUT``."""


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


async def _awaited(value: Awaitable[Any]) -> Any:
    return await value


class PluginContainer:
    """The configured plugins, with one method per hook.

    ``loop``: the event loop that async module hooks run on when the pipeline calls them from
    a worker thread (the dev server sets it); None in a build.
    """

    def __init__(self, plugins: Sequence[Plugin],
                 loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.plugins = tuple(plugins)
        self.loop = loop

    def _with(self, hook: str) -> list[tuple[Plugin, Callable[..., Any]]]:
        return [(p, fn) for p in self.plugins if (fn := getattr(p, hook)) is not None]

    def has(self, hook: str) -> bool:
        return bool(self._with(hook))

    # -- module hooks: synchronous, for the pipeline ----------------------------------------

    def _call_sync(self, plugin: Plugin, hook: str, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            result = fn(*args)
            if inspect.isawaitable(result):
                result = self._wait(result)
        except Exception as exc:
            raise PluginError(plugin.name, hook, exc) from exc
        return result

    def _wait(self, awaitable: Awaitable[Any]) -> Any:
        loop = self.loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is not None and loop.is_running() and running is not loop:
            future = asyncio.run_coroutine_threadsafe(_awaited(awaitable), loop)
            try:
                return future.result(HOOK_TIMEOUT)
            except TimeoutError:
                future.cancel()
                raise TimeoutError(f"did not return within {HOOK_TIMEOUT:g} s") from None
        if running is not None:
            raise RuntimeError("an async module hook was called on the event loop's thread; "
                               "the pipeline must run in a worker thread")
        return asyncio.run(asyncio.wait_for(_awaited(awaitable), HOOK_TIMEOUT))

    def resolve_id(self, source: str, importer: str | None) -> str | None:
        """The first plugin's id for ``source`` imported from the file (or id) ``importer``."""
        for plugin, fn in self._with("resolve_id"):
            result = self._call_sync(plugin, "resolve_id", fn, source, importer)
            if result is not None:
                return str(result)
        return None

    def load(self, id: str) -> str | None:
        """The first plugin's source for ``id`` (a file path or a virtual id), or None."""
        for plugin, fn in self._with("load"):
            result = self._call_sync(plugin, "load", fn, id)
            if result is not None:
                return str(result)
        return None

    def transform(self, code: str, id: str) -> str:
        """``code`` through every ``transform`` hook in order; None means unchanged."""
        for plugin, fn in self._with("transform"):
            result = self._call_sync(plugin, "transform", fn, code, id)
            if result is not None:
                code = str(result)
        return code

    # -- server hooks: awaited on the loop ----------------------------------------------------

    async def _call(self, plugin: Plugin, hook: str, fn: Callable[..., Any], *args: Any,
                    timeout: float | None = None) -> Any:
        timeout = SERVER_HOOK_TIMEOUT if timeout is None else timeout
        try:
            return await asyncio.wait_for(call(fn, *args), timeout)
        except asyncio.TimeoutError:
            error = TimeoutError(f"did not return within {timeout:g} s")
            raise PluginError(plugin.name, hook, error) from None
        except Exception as exc:
            raise PluginError(plugin.name, hook, exc) from exc

    async def configure_server(self, server: Any) -> None:
        for plugin, fn in self._with("configure_server"):
            await self._call(plugin, "configure_server", fn, server, timeout=HOOK_TIMEOUT)

    async def resolve_request(self, url: str) -> str | None:
        """``resolve_id(url, None)`` for a request URL, on the loop (the first answer wins)."""
        for plugin, fn in self._with("resolve_id"):
            result = await self._call(plugin, "resolve_id", fn, url, None)
            if result is not None:
                return str(result)
        return None

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


__all__ = ["HOOK_TIMEOUT", "SERVER_HOOK_TIMEOUT", "PluginContainer", "PluginError", "call",
           "call_logged"]
