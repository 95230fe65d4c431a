"""Jinja globals for pages that load shaker's modules (Flask, FastAPI, any Jinja app).

::

    from shaker.integrations.jinja import install
    from shaker.integrations.tags import AssetTags

    install(app.jinja_env, AssetTags(dev=app.debug, base="/static/",
                                      manifest="dist/.vite/manifest.json"))

then, in a template::

    <head>
      {{ vite_hmr_client() }}
      {{ vite_asset("src/main.js") }}
    </head>
    <img src="{{ vite_asset_url('src/logo.svg') }}">

Each tag function takes ``nonce=``; without it, a ``csp_nonce`` in the template's context is
used (a string, or a function such as Flask-Talisman's ``csp_nonce()``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from shaker.integrations.tags import AssetTags

__all__ = ["install", "vite_globals"]


def _context_nonce(context: Context, nonce: str | None) -> str | None:
    if nonce is not None:
        return nonce
    value = context.get("csp_nonce")
    if callable(value):
        value = value()
    return str(value) if value else None


def vite_globals(tags: AssetTags) -> dict[str, Callable[..., Any]]:
    """``vite_asset``, ``vite_hmr_client``, ``vite_react_refresh`` and ``vite_asset_url``."""

    @pass_context
    def vite_asset(context: Context, entry: str, nonce: str | None = None) -> Markup:
        return Markup(tags.asset(entry, _context_nonce(context, nonce)))

    @pass_context
    def vite_hmr_client(context: Context, nonce: str | None = None) -> Markup:
        return Markup(tags.hmr_client(_context_nonce(context, nonce)))

    @pass_context
    def vite_react_refresh(context: Context, nonce: str | None = None) -> Markup:
        return Markup(tags.react_refresh(_context_nonce(context, nonce)))

    def vite_asset_url(path: str) -> str:
        return tags.asset_url(path)

    return {"vite_asset": vite_asset, "vite_hmr_client": vite_hmr_client,
            "vite_react_refresh": vite_react_refresh, "vite_asset_url": vite_asset_url}


def install(env: Environment, tags: AssetTags) -> None:
    """Add the globals to a Jinja environment (``app.jinja_env``, ``templates.env``)."""
    env.globals.update(vite_globals(tags))
