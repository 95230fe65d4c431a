"""Behaviour oracle: run modules before and after the transform under node and compare.

Every distinct module gets its own directory, so that stub modules are fresh per module::

    <tmp>/<n>/package.json   {"type": "module"}
    <tmp>/<n>/src/case.mjs   the module under test
    <tmp>/<n>/src/dep.js     a stub per imported specifier, exporting every name that the input
                             or the output takes from it (found with tree-sitter); it logs
                             "load ./dep.js" when evaluated, and each export logs its calls

The modules are shared out between a few node processes (``node --import oracle/prelude.mjs
oracle/run.mjs <manifest>``), which run them one after the other: the prelude resets its logging
vocabulary (``devOnly``, ``tick``, ...) and captures what is printed for each module; the runner
prints how evaluation ended and every export (functions called, promises awaited). Node's
``import.meta.hot`` is undefined, which is the production semantics. ``import.meta.env`` and
``define`` constants are given to the input only, so an output that still needs them differs.
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from js_tree import imported_names

NODE = shutil.which("node")
HERE = Path(__file__).resolve().parent / "oracle"
PRELUDE = HERE / "prelude.mjs"
RUNNER = HERE / "run.mjs"
BATCH_TIMEOUT = 300.0
WORKERS = max(2, os.cpu_count() or 2)
# Set on the input's `import.meta` (first line, after a hashbang) when it mentions `env`.
ENV_SETUP = "import.meta.env = __oracle.env;"


class OracleSetupError(RuntimeError):
    """A module that the harness cannot lay out or run (for example an unsupported import)."""


@dataclass(frozen=True)
class Pair:
    """An input module and its transformed output; ``defines`` apply to the input only."""

    input: str
    output: str
    defines: dict[str, str] = field(default_factory=dict)


Stubs = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Module:
    """One module to run: its source, the stubs it imports, and the defines it sees."""

    source: str
    stubs: Stubs
    defines: tuple[tuple[str, str], ...] = ()


def stubs_for(*sources: str) -> Stubs:
    """The stub modules (specifier, exported names) that every one of ``sources`` needs."""
    found: dict[str, set[str]] = {}
    for source in sources:
        for specifier, names in imported_names(source).items():
            found.setdefault(specifier, set()).update(names)
    return tuple(sorted((specifier, tuple(sorted(names))) for specifier, names in found.items()))


def input_module(source: str, stubs: Stubs, defines: dict[str, str] | None = None) -> Module:
    """The original module: sees ``import.meta.env`` and the ``define`` constants."""
    return Module(with_env(source), stubs, tuple(sorted((defines or {}).items())))


def output_module(source: str, stubs: Stubs) -> Module:
    """A transformed module: sees neither ``import.meta.env`` nor the ``define`` constants."""
    return Module(source, stubs)


@dataclass(frozen=True)
class Run:
    """What one module printed under the runner."""

    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        """The printed lines, newline-terminated."""
        return "".join(line + "\n" for line in self.lines)


def _stub_path(root: Path, specifier: str) -> Path:
    if specifier.startswith(("./", "../")):
        relative = posixpath.normpath(posixpath.join("src", specifier))
        if relative.startswith("../"):
            raise OracleSetupError(f"import {specifier!r} leaves the case directory")
        return root / relative
    if specifier.startswith("/") or ":" in specifier:
        raise OracleSetupError(f"import {specifier!r} is not supported by the oracle")
    parts = specifier.split("/")
    size = 2 if specifier.startswith("@") else 1
    package, rest = "/".join(parts[:size]), "/".join(parts[size:])
    package_dir = root / "node_modules" / package
    package_dir.mkdir(parents=True, exist_ok=True)
    manifest = {"name": package, "type": "module", "main": "index.js"}
    (package_dir / "package.json").write_text(json.dumps(manifest), encoding="utf-8")
    return package_dir / (rest or "index.js")


def _stub_source(specifier: str, names: set[str]) -> str:
    """A module that logs its load and exports a logging function per name.

    Each name goes through a local (``export { __stub_0 as "if" }``), because an imported name
    may be any word, keywords included (``import { null as n }``), which no binding can be.
    """
    named = sorted(name for name in names if name != "default")
    lines = [f"const __stub = __oracle.stubModule({json.dumps(specifier)}, {json.dumps(named)});"]
    if named:
        pairs = [(json.dumps(name), f"__stub_{i}") for i, name in enumerate(named)]
        reads = ", ".join(f"{key}: {local}" for key, local in pairs)
        lines.append(f"const {{ {reads} }} = __stub;")
        lines.append(f"export {{ {', '.join(f'{local} as {key}' for key, local in pairs)} }};")
    lines.append("export default __stub.default;")
    return "\n".join(lines) + "\n"


def with_env(source: str) -> str:
    """``source`` with ``import.meta.env`` set on line 1 (line 2 after a hashbang)."""
    if "env" not in source:
        return source
    if source.startswith("#!"):
        first, newline, rest = source.partition("\n")
        return first + newline + ENV_SETUP + rest
    return ENV_SETUP + source


def _layout(root: Path, module: Module) -> Path:
    """Write one module and its stubs under ``root``; returns the module's path."""
    (root / "src").mkdir(parents=True)
    (root / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    for specifier, names in module.stubs:
        path = _stub_path(root, specifier)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_stub_source(specifier, names), encoding="utf-8")
    path = root / "src" / "case.mjs"
    path.write_bytes(module.source.encode("utf-8"))
    return path


def _run_batch(manifest: Path) -> dict[str, Run] | OracleSetupError:
    """Run every module of a manifest in one node process."""
    if NODE is None:
        return OracleSetupError("node is not installed")
    env = {key: value for key, value in os.environ.items() if not key.startswith("NODE_")}
    command = [NODE, "--import", PRELUDE.as_uri(), str(RUNNER), str(manifest)]
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, timeout=BATCH_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        return OracleSetupError(f"node batch timed out after {BATCH_TIMEOUT} s")
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace")[-2000:]
        return OracleSetupError(f"node batch exited with {done.returncode}:\n{stderr}")
    runs: dict[str, Run] = {}
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            runs[record["id"]] = Run(tuple(record["lines"]))
    return runs


def run_modules(modules: Sequence[Module], workers: int = WORKERS) -> dict[Module, Run | Exception]:
    """Run each distinct module once, spread over ``workers`` node processes."""
    outcome: dict[Module, Run | Exception] = {}
    unique = list(dict.fromkeys(modules))
    with tempfile.TemporaryDirectory(prefix="shaker-oracle-") as tmp:
        entries: list[dict[str, object]] = []
        for index, module in enumerate(unique):
            try:
                path = _layout(Path(tmp) / str(index), module)
            except OracleSetupError as error:
                outcome[module] = error
                continue
            entries.append({"id": str(index), "module": str(path), "defines": dict(module.defines)})
        manifests = []
        for batch in range(min(workers, len(entries))):
            manifest = Path(tmp) / f"manifest-{batch}.json"
            manifest.write_text(json.dumps(entries[batch::workers]), encoding="utf-8")
            manifests.append(manifest)
        with ThreadPoolExecutor(max_workers=max(1, len(manifests))) as pool:
            batches = list(pool.map(_run_batch, manifests))
    runs: dict[str, Run] = {}
    failure: Exception = OracleSetupError("the runner printed no result for this module")
    for batch_result in batches:
        if isinstance(batch_result, OracleSetupError):
            failure = batch_result
        else:
            runs.update(batch_result)
    for index, module in enumerate(unique):
        outcome.setdefault(module, runs.get(str(index), failure))
    return outcome


def run_pairs(pairs: Sequence[Pair], workers: int = WORKERS) -> list[tuple[Run, Run] | Exception]:
    """Run both sides of every pair: (input run, output run), or why they could not run."""
    sides = []
    for pair in pairs:
        stubs = stubs_for(pair.input, pair.output)
        sides.append(
            (input_module(pair.input, stubs, pair.defines), output_module(pair.output, stubs))
        )
    outcome = run_modules([module for side in sides for module in side], workers)
    results: list[tuple[Run, Run] | Exception] = []
    for before, after in sides:
        first, second = outcome[before], outcome[after]
        if isinstance(first, Exception):
            results.append(first)
        elif isinstance(second, Exception):
            results.append(second)
        else:
            results.append((first, second))
    return results


def explain(pair: Pair, before: Run, after: Run) -> str:
    """A readable account of a difference, for assertion messages."""
    return (
        f"--- input ---\n{pair.input}--- output ---\n{pair.output}"
        f"--- input printed ---\n{before.text}--- output printed ---\n{after.text}"
    )
