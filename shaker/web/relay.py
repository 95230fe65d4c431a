"""Relaying a WebSocket both ways: two pumps, and the first to finish ends the other.

``shaker dev --proxy`` (browser ↔ backend) and the ASGI mount (ASGI server ↔ dev server) both
relay frames in two directions; when either side closes, the other pump must stop too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any


async def until_first_done(*pumps: Coroutine[Any, Any, None]) -> None:
    """Run ``pumps`` together; when one returns (or fails), cancel and await the rest."""
    tasks = [asyncio.ensure_future(pump) for pump in pumps]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task


__all__ = ["until_first_done"]
