"""Suite-wide pytest settings."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last.

    Playwright's sync API keeps an asyncio loop running in the main thread for as long as
    its session-scoped browser lives; tests that call ``asyncio.run`` must come before it.
    """
    items.sort(key=lambda item: "/browser/" in str(item.path))
