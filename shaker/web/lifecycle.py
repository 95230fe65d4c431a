"""Running a server until the user stops it: the shared tail of ``shaker dev`` and ``preview``."""

from __future__ import annotations

import asyncio
import contextlib
import signal


async def until_interrupted() -> None:
    """Return on SIGINT or SIGTERM (Ctrl-C), so the caller can close every socket cleanly.

    Windows has no ``add_signal_handler``: there Ctrl-C raises KeyboardInterrupt instead.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    await stop.wait()
