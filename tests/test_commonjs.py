"""CommonJS dependencies as ES modules: Node runs each fixture twice, as CommonJS with its own
``require`` and as the ES modules the pipeline writes, and both must print the same.

The converted modules are written with ``file://`` URLs as their import specifiers, so Node
links them exactly as a browser links the dev server's URLs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from test_server_support import write

from shaker.pipeline.pipeline import Pipeline, PipelineOptions
from shaker.pipeline.record import ModuleError, Target

pytestmark = pytest.mark.node
NODE = shutil.which("node")


def convert(root: Path, entry: str, out: Path, mode: str = "development") -> list[str]:
    """Write ``entry`` and everything it imports, converted, under ``out``; the warnings."""
    pipeline = Pipeline(PipelineOptions(root, mode))  # type: ignore[arg-type]
    todo, seen, warnings = [str(root / entry)], set(), []
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)

        def write_import(target: Target, specifier: str, as_module: bool) -> str:
            todo.append(target.id)
            return _written(out / Path(target.id).relative_to(root)).as_uri()

        record = (pipeline.json(pipeline.load(path), path) if path.endswith(".json")
                  else pipeline.javascript(pipeline.load(path), path, write_import))
        warnings += [d.id or "" for d in record.diagnostics]
        target = _written(out / Path(path).relative_to(root))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(record.code)
    (out / "package.json").write_text('{"type": "module"}')
    return warnings


def _written(path: Path) -> Path:
    """Where a converted module is written: JSON becomes a JavaScript module."""
    return path.with_name(path.name + ".js") if path.suffix == ".json" else path


def run(*args: str, cwd: Path) -> str:
    assert NODE is not None
    done = subprocess.run([NODE, *args], cwd=cwd, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def packages(tmp_path: Path) -> Path:
    if NODE is None:
        pytest.skip("node not found")
    return write(tmp_path / "app", {
        "node_modules/lib/package.json": '{"name": "lib", "main": "index.js"}',
        "node_modules/lib/index.js": (
            "'use strict';\n"
            "if (process.env.NODE_ENV === 'production') {\n"
            "  module.exports = require('./cjs/lib.production.js');\n"
            "} else {\n  module.exports = require('./cjs/lib.development.js');\n}\n"),
        "node_modules/lib/cjs/lib.production.js": "exports.mode = 'prod';\n",
        "node_modules/lib/cjs/lib.development.js": (
            "var a = require('./a.js');\nvar data = require('../data.json');\n"
            "exports.mode = 'dev';\nexports.fromA = a.value;\nexports.count = data.count;\n"
            "exports.thisIsExports = this === exports;\n"
            "exports.globalOk = global === globalThis;\n"
            "try { require('./optional-missing.js'); } catch (e) { exports.optional = 'no'; }\n"
            "exports.shared = require('shared').id;\n"),
        "node_modules/lib/cjs/a.js": ("var b = require('./b.js');\n"
                                      "exports.value = 'a sees b.partial=' + b.partial;\n"),
        "node_modules/lib/cjs/b.js": ("exports.partial = 'early';\nvar a = require('./a.js');\n"
                                      "exports.seenA = typeof a.value;\n"),
        "node_modules/lib/data.json": '{"count": 3}',
        "node_modules/shared/package.json": '{"name": "shared", "main": "s.js"}',
        "node_modules/shared/s.js": "module.exports = { id: Math.random() };\n",
        "node_modules/esm-only/package.json": '{"name": "esm-only", "type": "module", '
                                              '"exports": "./e.js"}',
        "node_modules/esm-only/e.js": "export const named = 'n';\nexport default 'd';\n",
        "node_modules/interop/package.json": '{"name": "interop", "main": "i.js"}',
        "node_modules/interop/i.js": (
            "Object.defineProperty(exports, '__esModule', { value: true });\n"
            "exports.default = 'the default';\nexports.other = 'o';\n"
            "exports.esm = require('esm-only').named;\n"),
    })


def test_commonjs_packages_behave_as_node_runs_them(packages: Path, tmp_path: Path) -> None:
    expect = run("-e", "const lib = require('lib'); const s = require('shared');"
                 "console.log(JSON.stringify({...lib, sameShared: lib.shared === s.id}))",
                 cwd=packages)
    write(packages, {"main.js": (
        "import lib, { mode, fromA } from 'lib';\nimport s from 'shared';\n"
        "console.log(JSON.stringify({...lib, sameShared: lib.shared === s.id, mode, fromA}));\n"
    )})
    out = tmp_path / "out"
    convert(packages, "main.js", out)
    got = json.loads(run(str(out / "main.js"), cwd=out))
    expected = json.loads(expect)
    del got["shared"], expected["shared"]  # a random number: one per process
    assert got == expected
    assert got["fromA"] == "a sees b.partial=early" and got["sameShared"] is True


def test_production_mode_keeps_one_branch(packages: Path, tmp_path: Path) -> None:
    write(packages, {"main.js": "import lib from 'lib';\nconsole.log(lib.mode);\n"})
    out = tmp_path / "out"
    convert(packages, "main.js", out, mode="production")
    assert run(str(out / "main.js"), cwd=out).strip() == "prod"
    assert not (out / "node_modules/lib/cjs/lib.development.js").exists()


def test_esmodule_default_and_require_of_esm(packages: Path, tmp_path: Path) -> None:
    write(packages, {"main.js": ("import d, { other, esm } from 'interop';\n"
                                 "console.log(d, other, esm);\n")})
    out = tmp_path / "out"
    convert(packages, "main.js", out)
    assert run(str(out / "main.js"), cwd=out).strip() == "the default o n"


def test_unresolvable_require_is_located_and_builtins_are_empty(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "node_modules/p/package.json": '{"main": "p.js"}',
        "node_modules/p/p.js": "var fs = require('fs');\nmodule.exports = require('./gone');\n",
        "main.js": "import p from 'p';\n"})
    pipeline = Pipeline(PipelineOptions(root, "development"))
    path = str(root / "node_modules/p/p.js")
    with pytest.raises(ModuleError) as info:
        pipeline.javascript(pipeline.load(path), path, lambda t, s, m: s)
    assert (info.value.diagnostic.line, info.value.diagnostic.column) == (2, 18)
    assert 'require "./gone"' in info.value.diagnostic.message
    write(root, {"node_modules/p/p.js": "var fs = require('fs');\nmodule.exports = typeof fs;\n"})
    record = pipeline.javascript(pipeline.load(path), path, lambda t, s, m: s)
    assert [d.id for d in record.diagnostics] == ["node-builtin"]
