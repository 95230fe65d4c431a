"""System checks: a production deployment needs the manifest ``shaker build`` writes.

``shaker.E001``: the manifest does not exist; ``shaker.E002``: it is not a JSON object. The
manifest is ``SHAKER["manifest"]`` when ``SHAKER`` is set (and ``SHAKER["dev"]``, default
``DEBUG``, is false); without ``SHAKER``, that of each django-vite app with ``dev_mode``
false (default ``STATIC_ROOT/manifest.json``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

HINT = ("Build it with `shaker build --base {base} --manifest` (it writes dist/manifest.json "
        "and dist/.vite/manifest.json) and point {setting} at it.")


def _manifests() -> list[tuple[Path, str]]:
    """(manifest path, the setting that names it) of everything served in production."""
    shaker = getattr(settings, "SHAKER", None)
    if shaker is not None:
        if shaker.get("dev", settings.DEBUG):
            return []
        path = shaker.get("manifest")
        return [(Path(path) if path else Path(), 'SHAKER["manifest"]')]
    found = []
    apps: dict[str, Any] = getattr(settings, "DJANGO_VITE", None) or {}
    for name, options in apps.items():
        if options.get("dev_mode", False):
            continue
        path = options.get("manifest_path") or Path(settings.STATIC_ROOT or "") / \
            options.get("static_url_prefix", "") / "manifest.json"
        found.append((Path(path), f'DJANGO_VITE["{name}"]["manifest_path"]'))
    return found


@register()
def check_manifest(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    base = settings.STATIC_URL or "/static/"
    problems: list[CheckMessage] = []
    for path, setting in _manifests():
        hint = HINT.format(base=base, setting=setting)
        if path == Path() or not path.is_file():
            shown = "not set" if path == Path() else f"{path} does not exist"
            problems.append(Error(f"shaker's manifest is needed in production: {shown}",
                                  hint=hint, id="shaker.E001"))
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(Error(f"{path} is not a readable manifest: {exc}", hint=hint,
                                  id="shaker.E002"))
            continue
        if not isinstance(data, dict):
            problems.append(Error(f"{path} is not a manifest (not a JSON object)", hint=hint,
                                  id="shaker.E002"))
    return problems
