"""Build step for the one C extension: shaker's copy of the JavaScript grammar.

Everything else about the package is in pyproject.toml; setuptools reads ``ext_modules`` only
from here.  ``pip install -e .`` compiles ``grammars/tree-sitter-javascript/src`` (generated C,
committed, so no tree-sitter CLI and no network is needed) into ``shaker.js._grammar``, beside
its only user, ``shaker/js/parse.py`` (and its type stub ``_grammar.pyi``).
grammars/README.md says why the grammar is built here rather than taken from PyPI.
"""

from __future__ import annotations

import sys
import sysconfig

from setuptools import Extension, setup

GRAMMAR = "grammars/tree-sitter-javascript/src"

macros: list[tuple[str, str | None]] = [
    ("PY_SSIZE_T_CLEAN", None),
    ("TREE_SITTER_HIDE_SYMBOLS", None),
]
limited_api = not sysconfig.get_config_var("Py_GIL_DISABLED")
if limited_api:
    macros.append(("Py_LIMITED_API", "0x030A0000"))

cflags = ["/std:c11", "/utf-8"] if sys.platform == "win32" else ["-std=c11", "-fvisibility=hidden"]

setup(
    ext_modules=[
        Extension(
            name="shaker.js._grammar",
            sources=["grammars/binding.c", f"{GRAMMAR}/parser.c", f"{GRAMMAR}/scanner.c"],
            include_dirs=[GRAMMAR],
            define_macros=macros,
            extra_compile_args=cflags,
            py_limited_api=limited_api,
        )
    ],
)
