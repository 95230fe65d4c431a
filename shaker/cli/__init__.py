"""The ``shaker`` command: one module per command, sharing one config loader."""

from shaker.cli.main import main

__all__ = ["main"]
