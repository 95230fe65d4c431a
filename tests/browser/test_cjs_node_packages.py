"""Named exports of real CommonJS packages: shaker's lexer port against Node's own.

For every CommonJS file of the npm package matrix's CommonJS packages (lodash's 600-odd files,
react, react-dom, scheduler, qs, events, debug…), Node's ``Object.keys(await import(file))``
must equal ``default`` plus the names ``shaker.js.cjs_exports`` finds, re-exports followed the
way Node follows them.  Uses the matrix's cached install (network the first time only); it
lives with the browser tests because the matrix's helpers do.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from npm_matrix import InstallError, ensure_install, registry_reachable

from shaker.errors import ShakerSyntaxError
from shaker.js.cjs_exports import detect_cjs_exports
from shaker.pipeline.resolve import ResolveError, Resolver
from shaker.source import Source

pytestmark = [pytest.mark.network, pytest.mark.node]
PACKAGES = ("classnames", "debug", "events", "lodash", "ms", "object-assign", "prop-types",
            "qs", "react", "react-dom", "scheduler", "use-sync-external-store", "dayjs")
NODE_CONDITIONS = ("node", "require", "default")
SCRIPT = """
const files = JSON.parse(require("fs").readFileSync(0, "utf8"));
(async () => {
  const out = {};
  for (const file of files) {
    try { out[file] = Object.keys(await import(file)).filter(k => k !== "module.exports"); }
    catch { out[file] = null; }
  }
  // some modules start timers: exit once the answer is written
  process.stdout.write(JSON.stringify(out), () => process.exit(0));
})();
"""


def _names(path: Path, resolver: Resolver, seen: set[Path]) -> set[str] | None:
    """The lexer's names of ``path`` with its re-exports' names, as Node collects them."""
    try:
        found = detect_cjs_exports(Source(str(path), path.read_bytes()))
    except ShakerSyntaxError:
        return None
    names = set(found.exports)
    seen.add(path)
    for specifier in found.reexports:
        try:
            target = resolver.resolve(specifier, path)
        except ResolveError:
            continue
        if target is not None and target not in seen and target.suffix in (".js", ".cjs"):
            names |= _names(target, resolver, seen) or set()
    return names


def test_named_exports_match_node_on_real_packages() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node not found")
    try:
        project = ensure_install()
    except InstallError as exc:
        pytest.skip(str(exc) if registry_reachable() else "npm registry unreachable")
    modules = project / "node_modules"
    files = sorted(str(f) for name in PACKAGES for f in (modules / name).rglob("*")
                   if f.suffix in (".js", ".cjs") and f.is_file()
                   and "esm" not in f.relative_to(modules / name).parts)
    done = subprocess.run([node, "-e", SCRIPT], input=json.dumps(files), capture_output=True,
                          text=True, timeout=120, cwd=project, check=True)
    expected: dict[str, list[str] | None] = json.loads(done.stdout)
    resolver = Resolver(project, conditions=NODE_CONDITIONS)
    compared, differ = 0, []
    for file, keys in expected.items():
        if keys is None:
            continue  # Node could not load it (ESM syntax, browser-only code): nothing to say
        names = _names(Path(file), resolver, set())
        if names is None:
            continue
        compared += 1
        if set(keys) != {"default", *names}:
            differ.append(f"{file}: node {sorted(set(keys) - {'default'})} shaker "
                          f"{sorted(names)}")
    assert compared > 600
    assert differ == [], "\n".join(differ[:10])
