"""Architecture checks from STYLE.md: packages import only from lower layers, modules never
import each other in a cycle, and ``import shaker`` stays light (no click, aiohttp or watcher).

Every import counts, ``TYPE_CHECKING`` and function-level ones included: a cycle that only
type checking sees is still a cycle in the design.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "shaker"

# Lower number = lower layer; a unit may import its own layer or below.  Units are the
# subsystem packages and the foundation's modules.
LAYERS: dict[str, int] = {
    "source": 0, "diagnostics": 0, "errors": 0, "options": 0, "protocol": 0, "plugin": 0,
    "config": 0,
    "js": 1,
    "pipeline": 2,
    "web": 2,
    "bundle": 3,  # the linker: modules in, chunks out; used by build and dev pre-bundling
    "build": 4, "dev": 4, "preview": 4,
    "cli": 5, "__init__": 5, "__main__": 6,
    "integrations": 6,  # framework helpers: may use build, dev and web
    "django": 7,  # the Django app, on top of integrations
}


def _module(path: Path) -> str:
    """``shaker/dev/hmr.py`` → ``dev.hmr``; ``shaker/source.py`` → ``source``."""
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts) or "__init__"


def _unit(module: str) -> str:
    return module.split(".")[0]


def _imports(path: Path) -> set[str]:
    """Modules of shaker that ``path`` imports, as dotted names below ``shaker``."""
    me = _module(path).split(".")
    package = me if path.name == "__init__.py" else me[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            elif node.module and node.module.startswith("shaker."):
                target = node.module[len("shaker."):]
            elif node.module == "shaker":
                target = ""
            else:
                continue
            for alias in node.names:
                child = f"{target}.{alias.name}".lstrip(".")
                found.add(child if _is_module(child) else target)
        elif isinstance(node, ast.Import):
            found.update(a.name[len("shaker."):] for a in node.names
                         if a.name.startswith("shaker."))
    found.discard("")
    return found


def _is_module(name: str) -> bool:
    path = PACKAGE.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _graph() -> dict[str, set[str]]:
    return {_module(p): {d for d in _imports(p) if _is_module(d)} for p in PACKAGE.rglob("*.py")}


def test_every_unit_has_a_layer() -> None:
    missing = {_unit(m) for m in _graph()} - set(LAYERS)
    assert not missing, f"assign a layer in tests/test_layers.py: {sorted(missing)}"


def test_packages_import_only_from_lower_layers() -> None:
    bad = []
    for module, deps in sorted(_graph().items()):
        if module == "__init__":
            continue
        for dep in sorted(deps):
            mine, theirs = LAYERS[_unit(module)], LAYERS[_unit(dep)]
            if theirs > mine or (theirs == mine > 0 and _unit(dep) != _unit(module)):
                bad.append(f"{module} imports {dep} ({_unit(dep)} is not below {_unit(module)})")
    assert not bad, "\n".join(bad)


def test_no_import_cycles_between_modules() -> None:
    graph = _graph()
    # a package's __init__ re-exports its modules: an edge from it is not a design dependency
    edges = {m: {d for d in deps if not (d != m and m == _unit(m) and d.startswith(m + "."))}
             for m, deps in graph.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(edges.get(node, ())):
            if state.get(dep) == 1:
                cycles.append([*stack[stack.index(dep):], dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module)
    assert not cycles, "\n".join(" → ".join(c) for c in cycles)


def test_import_shaker_stays_light() -> None:
    code = ("import sys, shaker; shaker.transform('import.meta.hot?.accept()');"
            "heavy = [m for m in ('click', 'aiohttp', 'watchfiles', 'shaker.dev', "
            "'shaker.cli', 'shaker.build', 'shaker.integrations', 'shaker.django', "
            "'django', 'jinja2', 'starlette') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
