"""Architecture checks from STYLE.md: modules import only from lower layers, and
``import shaker`` stays light (no click, aiohttp or watcher)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "shaker"

# Lower number = lower layer. A module may import modules of its own layer or below.
LAYERS: dict[str, int] = {
    "values": 0, "source": 0, "diagnostics": 0, "errors": 0, "options": 0, "protocol": 0,
    "plugin": 0, "config": 0, "html": 0, "css": 0, "manifest": 0, "naming": 0, "nodes": 0.5,
    "sourcemap": 1, "parse": 1, "graph": 1, "plan": 1,
    "edits": 2, "queries": 2, "scope": 2,
    "scan": 3, "effects": 3,
    "fold": 4,
    "statements": 4.5, "strip": 5, "prune": 5, "inject": 5,
    "transform": 6,
    "outdir": 6.5, "batch": 7, "build": 7, "watch": 7, "resolve": 7, "loaders": 7, "crawl": 7,
    "shake": 7, "emit": 7,
    "server": 8, "preview": 8,
    "cli": 9, "build_cli": 9, "__main__": 9, "__init__": 9,
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level >= 1:
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found.update(alias.name for alias in node.names)
            elif node.module:  # from ..x import y inside a subpackage
                found.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
            "shaker."
        ):
            found.add(node.module.split(".")[1])
    return found


def test_every_module_has_a_layer() -> None:
    missing = {_module_name(p) for p in PACKAGE.rglob("*.py")} - set(LAYERS)
    assert not missing, f"assign a layer in tests/test_layers.py: {sorted(missing)}"


def test_modules_import_only_from_lower_layers() -> None:
    bad = []
    for path in PACKAGE.rglob("*.py"):
        me = _module_name(path)
        if me == "__init__":
            continue
        for dep in _imports(path):
            if dep in LAYERS and dep != me and LAYERS[dep] > LAYERS[me]:
                bad.append(f"{path.relative_to(PACKAGE)} imports {dep} "
                           f"(layer {LAYERS[dep]} > {LAYERS[me]})")
    assert not bad, "\n".join(bad)


def test_import_shaker_stays_light() -> None:
    code = ("import sys, shaker; shaker.transform('import.meta.hot?.accept()');"
            "heavy = [m for m in ('click', 'aiohttp', 'watchfiles', 'shaker.server', "
            "'shaker.cli') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
