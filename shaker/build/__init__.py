"""The production build and the tree transform: ``shaker build`` and ``shaker transform DIR``.

A regular package (not a namespace package), so ``importlib.resources`` can read its
``templates/`` with ``files("shaker.build").joinpath("templates", name)``.
"""
