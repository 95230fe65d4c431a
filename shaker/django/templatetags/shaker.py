"""``{% load shaker %}``: the tags of ``shaker.integrations.tags`` for Django templates.

Each tag takes ``nonce=`` and otherwise uses ``csp_nonce`` from the context (Django 6's
``csp`` context processor sets it), so every tag carries the page's CSP nonce.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from shaker.django.settings import asset_tags

register = template.Library()


def _nonce(context: Any, nonce: str | None) -> str | None:
    if nonce is not None:
        return str(nonce)
    value = context.get("csp_nonce")
    if callable(value):
        value = value()
    return str(value) if value else None


@register.simple_tag(takes_context=True)
def vite_hmr_client(context: Any, nonce: str | None = None) -> SafeString:
    return mark_safe(asset_tags().hmr_client(_nonce(context, nonce)))


@register.simple_tag(takes_context=True)
def vite_react_refresh(context: Any, nonce: str | None = None) -> SafeString:
    return mark_safe(asset_tags().react_refresh(_nonce(context, nonce)))


@register.simple_tag(takes_context=True)
def vite_asset(context: Any, entry: str, nonce: str | None = None) -> SafeString:
    return mark_safe(asset_tags().asset(entry, _nonce(context, nonce)))


@register.simple_tag
def vite_asset_url(path: str) -> str:
    return asset_tags().asset_url(path)
