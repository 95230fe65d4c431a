"""``settings.SHAKER`` read into :class:`shaker.integrations.tags.AssetTags`."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings

from shaker.integrations.tags import DEFAULT_DEV_SERVER, AssetTags

KNOWN = ("dev", "dev_server", "manifest", "base")


def configured() -> dict[str, Any] | None:
    """``settings.SHAKER`` (None when it is not set)."""
    value = getattr(settings, "SHAKER", None)
    return dict(value) if value is not None else None


@cache
def asset_tags() -> AssetTags:
    """The project's tags, from ``SHAKER`` (``dev`` defaults to ``DEBUG``, ``base`` to
    ``STATIC_URL``)."""
    options = configured() or {}
    unknown = sorted(set(options) - set(KNOWN))
    if unknown:
        raise ValueError(f"settings.SHAKER: unknown key(s) {unknown}; known: {list(KNOWN)}")
    return AssetTags(
        dev=bool(options.get("dev", settings.DEBUG)),
        base=str(options.get("base") or settings.STATIC_URL or "/static/"),
        dev_server=str(options.get("dev_server", DEFAULT_DEV_SERVER)),
        manifest=options.get("manifest"),
    )
