"""``shaker.django``: shaker in a Django project (add ``"shaker.django"`` to INSTALLED_APPS).

- System checks (``checks``): in production (``DEBUG = False``, or ``SHAKER["dev"] =
  False``) the manifest of ``shaker build --manifest`` must exist and be valid JSON, the one
  ``SHAKER["manifest"]`` names or, without ``SHAKER``, each production app's of django-vite.
- Template tags (``{% load shaker %}``), for projects without django-vite:
  ``{% vite_hmr_client %}``, ``{% vite_asset 'src/main.js' %}``, ``{% vite_react_refresh %}``,
  ``{% vite_asset_url 'src/logo.svg' %}``; each takes ``nonce=``, and uses the context's
  ``csp_nonce`` without it. Settings::

      SHAKER = {
          "dev": DEBUG,                                   # modules from the dev server
          "dev_server": "http://localhost:5173",          # "" behind `shaker dev --proxy`
          "manifest": BASE_DIR / "dist/.vite/manifest.json",
          # "base": defaults to STATIC_URL, as `shaker dev --base` / `shaker build --base`
      }

- WhiteNoise: :func:`immutable_file_test` (or :data:`IMMUTABLE_FILE_REGEX`) lets WhiteNoise
  cache shaker's hashed files (``assets/main-7f5c9c46.js``) forever; its default test only
  knows ``ManifestStaticFilesStorage`` names (``main.0a1b2c3d4e5f.js``)::

      from shaker.django import immutable_file_test
      WHITENOISE_IMMUTABLE_FILE_TEST = immutable_file_test

This module imports nothing from Django, so settings files can import it.

>>> [immutable_file_test("", u) for u in ("/static/assets/main-7f5c9c46.js",
...  "/static/assets/main-7f5c9c46.0a1b2c3d4e5f.js", "/static/assets/main.js",
...  "/static/img/photo-12345678.jpg")]
[True, True, False, False]
"""

from __future__ import annotations

import re

__all__ = ["IMMUTABLE_FILE_REGEX", "immutable_file_test"]

IMMUTABLE_FILE_REGEX = r"/assets/[^/]+-[0-9a-f]{8}(?:\.[0-9a-f]{12})?\.[A-Za-z0-9]+$"
"""A file ``shaker build`` named after its content, ``assets/<name>-<8 hex>.<ext>`` (also
after ``ManifestStaticFilesStorage`` hashed it again: ``<name>-<8 hex>.<12 hex>.<ext>``)."""

_IMMUTABLE = re.compile(IMMUTABLE_FILE_REGEX)


def immutable_file_test(path: str, url: str) -> bool:
    """WhiteNoise's ``WHITENOISE_IMMUTABLE_FILE_TEST``: whether ``url`` names a file whose
    name changes with its content (so ``Cache-Control: max-age=315360000, immutable``)."""
    return bool(_IMMUTABLE.search(url))
