"""The transform core: pure functions from source bytes to code, map and facts.

``parse`` (tree-sitter) → ``scope``/``scan`` (facts) → ``fold``/``strip``/``prune`` (production)
or ``inject`` (development) → ``plan``/``edits`` (byte edits) → ``sourcemap``. Nothing here
reads a file, prints or knows about HTTP; ``transform`` is the entry point.
"""
