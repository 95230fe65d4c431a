"""JSX lowering: unit checks, and a differential run against esbuild.

The differential (``node`` and ``network`` marked: esbuild comes from npm into the bench
cache) transforms every case of ``jsx_cases.py`` with shaker and with esbuild 0.28.2, under
the automatic runtime, its development form (``jsxDEV``) and the classic runtime, and runs
both outputs under node against a recording runtime (``jsx_oracle/runtime.cjs``): every
factory call (which function, the type, the props object key by key, the key argument,
``isStaticChildren``, the source position and ``this``) and every resulting element must be
the same. Every shaker output must also pass ``node --check``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from jsx_cases import CASES, ERRORS, PRELUDE

from shaker.errors import ShakerSyntaxError
from shaker.js.jsx import ENTITIES, JsxOptions, decode_entities, jsx_text_value, transform_jsx
from shaker.js.sourcemap import original_position
from shaker.source import Source

ROOT = Path(__file__).resolve().parent.parent
ORACLE = Path(__file__).resolve().parent / "jsx_oracle"
NODE = shutil.which("node")
MODES = {
    "automatic": JsxOptions(),
    "development": JsxOptions(development=True),
    "classic": JsxOptions(runtime="classic"),
}
FILENAME = "case.jsx"


def lower(code: str, **options: object) -> str:
    return transform_jsx(Source(FILENAME, code.encode()), JsxOptions(**options)).code  # type: ignore[arg-type]


# --- unit checks ---------------------------------------------------------------------------


def test_no_jsx_is_unchanged() -> None:
    for code in ["const a = 1 < 2 && 3 > 4;", "x = a </b/.test(c);", ""]:
        result = transform_jsx(Source("a.js", code.encode()))
        assert result.code == code and not result.changed and result.map is None


def test_entity_table() -> None:
    assert len(ENTITIES) == 253
    assert ENTITIES["apos"] == 0x27 and ENTITIES["nbsp"] == 0xA0 and ENTITIES["euro"] == 0x20AC
    assert decode_entities("&#X41;&#x41;&#65;&#;&#x;&amp") == "&#X41;AA&#;&#x;&amp"


def test_text_rules() -> None:
    assert jsx_text_value("   \nb") == "b"
    assert jsx_text_value("b   \nc") == "b c"
    assert jsx_text_value("  a  ") == "  a  "
    assert jsx_text_value("\n  &nbsp;\n") == "\xa0"
    assert jsx_text_value("a\n\n\nb") == "a b"


def test_lines_do_not_move() -> None:
    code = ('import x from "y";\nconst a = (\n  <div\n    a="1"\n    key={k}\n  >\n    some\n'
            '    text &amp; more\n    {x}\n    {/* c\n    d */}\n  </div>\n);\nafter();\n')
    for options in MODES.values():
        out = transform_jsx(Source(FILENAME, code.encode()), options).code
        assert out.count("\n") == code.count("\n")
        assert out.splitlines()[-1] == "after();"


def test_source_map_points_into_expressions() -> None:
    code = "const a = <div title={title}>\n  {value}\n</div>;\n"
    result = transform_jsx(Source("m.jsx", code.encode()))
    assert result.map is not None
    line = result.code.splitlines()[1]
    column = line.index("value")
    assert original_position(result.map, 1, column) == ("m.jsx", 1, 3)


def test_import_after_hashbang_and_directives() -> None:
    out = lower('#!/usr/bin/env node\n"use client"\nf(<a/>)')
    assert out.startswith('#!/usr/bin/env node\n"use client";import { jsx as _jsx } from')
    assert out.count("\n") == 2


def test_pragma_warnings() -> None:
    result = transform_jsx(Source(FILENAME, b"/** @jsx h */\n<a/>"))
    assert [d.id for d in result.diagnostics] == ["jsx-pragma"]
    assert "_jsx(" in result.code
    result = transform_jsx(Source(FILENAME, b"/** @jsxImportSource preact */\n<a/>"),
                           JsxOptions(runtime="classic"))
    assert [d.id for d in result.diagnostics] == ["jsx-pragma"]
    result = transform_jsx(Source(FILENAME, b"// @jsxRuntime other\n<a/>"))
    assert [d.line for d in result.diagnostics] == [1]


def test_preact_import_source() -> None:
    out = lower("<><a/></>", import_source="preact", development=True)
    assert out.startswith('import { Fragment as _Fragment, jsxDEV as _jsxDEV } from '
                          '"preact/jsx-dev-runtime";')


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors(name: str) -> None:
    code, message = ERRORS[name]
    with pytest.raises(ShakerSyntaxError) as raised:
        lower(code)
    assert message in str(raised.value), str(raised.value)


def test_speed_100kb() -> None:
    """A 100 KB JSX file lowers well under a second (the number goes in the report)."""
    code = _big_file(100_000)
    start = time.perf_counter()
    transform_jsx(Source("big.jsx", code.encode()))
    assert time.perf_counter() - start < 2.0


def _big_file(size: int) -> str:
    parts = []
    i = 0
    while sum(map(len, parts)) < size:
        parts.append(CASES["nested"].replace("export const a", f"export const a{i}") + "\n")
        parts.append(f"export function C{i}({{ items }}) {{\n  return <ul className=\"l\">"
                     f"{{items.map((it) => <li key={{it.id}} {{...it}}>{{it.label}} &amp; "
                     f"more</li>)}}</ul>;\n}}\n")
        i += 1
    return PRELUDE + "".join(parts)


# --- differential against esbuild ------------------------------------------------------------


def _esbuild_dir() -> Path:
    sys.path.insert(0, str(ROOT / "bench"))
    from _cache import ESBUILD_VERSION, BenchSetupError, ensure_npm_tool

    try:
        return ensure_npm_tool("esbuild", ESBUILD_VERSION)
    except BenchSetupError as exc:
        pytest.skip(f"esbuild not available: {exc}")


def _fake_packages(root: Path) -> None:
    runtime = json.dumps(str(ORACLE / "runtime.cjs"))
    body = (f"import r from {runtime};\nexport const jsx = r.jsx, jsxs = r.jsxs, "
            "jsxDEV = r.jsxDEV, Fragment = r.Fragment, createElement = r.createElement;\n")
    for package in ("react", "my-lib"):
        directory = root / "node_modules" / package
        directory.mkdir(parents=True)
        exports = {".": "./index.mjs", "./jsx-runtime": "./index.mjs",
                   "./jsx-dev-runtime": "./index.mjs"}
        (directory / "package.json").write_text(json.dumps({"name": package, "exports": exports}))
        (directory / "index.mjs").write_text(body)


def _run(paths: list[Path], root: Path) -> dict[str, object]:
    manifest = root / "manifest.json"
    manifest.write_text(json.dumps([str(p) for p in paths]))
    assert NODE is not None
    done = subprocess.run([NODE, str(ORACLE / "run.cjs"), str(manifest)], capture_output=True,
                          text=True, timeout=300, check=True)
    results = {}
    for line in done.stdout.splitlines():
        record = json.loads(line)
        results[record["file"]] = record["result"]
    return results


def _node_check(path: Path) -> str | None:
    assert NODE is not None
    done = subprocess.run([NODE, "--check", str(path)], capture_output=True, text=True,
                          timeout=60, check=False)
    return None if done.returncode == 0 else done.stderr


@pytest.fixture(scope="module")
def differential(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[object, object]]:
    if NODE is None:
        pytest.skip("node is not installed")
    esbuild = _esbuild_dir()
    root = tmp_path_factory.mktemp("jsx")
    _fake_packages(root)
    jobs = []
    ours: dict[tuple[str, str], str] = {}
    for name, body in CASES.items():
        code = PRELUDE + body + "\n"
        for mode, options in MODES.items():
            jobs.append({"code": code, "filename": FILENAME, "mode": mode, "name": name})
            ours[(name, mode)] = transform_jsx(Source(FILENAME, code.encode()), options).code
    (root / "jobs.json").write_text(json.dumps(jobs))
    command = [NODE, str(ORACLE / "esbuild.cjs"), str(esbuild), str(root / "jobs.json")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    theirs = json.loads(done.stdout)
    paths: dict[tuple[str, str, str], Path] = {}
    for i, job in enumerate(jobs):
        key = (job["name"], job["mode"])
        assert "code" in theirs[i], f"esbuild failed on {key}: {theirs[i]}"
        for who, code in (("shaker", ours[key]), ("esbuild", theirs[i]["code"])):
            path = root / f"{i:03d}-{who}.mjs"
            path.write_text(code, encoding="utf-8")
            paths[(*key, who)] = path
    results = _run(list(paths.values()), root)
    with ThreadPoolExecutor(max_workers=4) as pool:
        shaker_paths = [p for k, p in paths.items() if k[2] == "shaker"]
        checks = dict(zip(shaker_paths, pool.map(_node_check, shaker_paths), strict=True))
    out: dict[str, tuple[object, object]] = {}
    for (name, mode, who), path in paths.items():
        if who == "shaker":
            assert checks[path] is None, f"node --check {name} [{mode}]:\n{checks[path]}"
        key = f"{name} [{mode}]"
        pair = out.get(key, (None, None))
        result = results[str(path)]
        out[key] = (result, pair[1]) if who == "shaker" else (pair[0], result)
    return out


DIFF_IDS = [f"{name} [{mode}]" for name in CASES for mode in MODES]


@pytest.mark.node
@pytest.mark.network
@pytest.mark.parametrize("key", DIFF_IDS)
def test_same_elements_as_esbuild(differential: dict[str, tuple[object, object]],
                                  key: str) -> None:
    ours, theirs = differential[key]
    assert isinstance(ours, dict) and "error" not in ours, ours
    assert ours == theirs



# --- a real component library: reactstrap's JSX sources ---------------------------------------

REACTSTRAP = "9.2.3"
# Runtime imports and the local names each tool picks for them are the only expected
# differences; this is test normalisation of two printed outputs, not JavaScript analysis.
_RUNTIME_IMPORT = re.compile(r'import\s*\{[^}]*\}\s*from\s*"react(/jsx-runtime)?";\n?')
_LOCAL = re.compile(r"\b_?(jsxs|jsx|Fragment|createElement)\d*\b")


def _normalise(code: str) -> str:
    return _LOCAL.sub(r"\1", _RUNTIME_IMPORT.sub("", code))


@pytest.mark.node
@pytest.mark.network
def test_reactstrap_sources_match_esbuild() -> None:
    """Every ``src/*.js`` of reactstrap (JSX in ``.js``, about 100 files, 1.1 MB): shaker's
    lowering and esbuild's, printed by the same printer, are the same program."""
    if NODE is None:
        pytest.skip("node is not installed")
    esbuild = _esbuild_dir()
    from _cache import BenchSetupError, ensure_npm_tool

    try:
        package = ensure_npm_tool("reactstrap", REACTSTRAP)
    except BenchSetupError as exc:
        pytest.skip(f"reactstrap not available: {exc}")
    files = sorted((package / "src").glob("*.js"))
    assert len(files) > 90
    jobs = []
    for path in files:
        code = path.read_bytes()
        ours = transform_jsx(Source(path.name, code)).code
        jobs.append({"ours": ours, "source": code.decode(), "filename": path.name})
    with tempfile.TemporaryDirectory() as tmp:
        manifest = Path(tmp) / "jobs.json"
        manifest.write_text(json.dumps(jobs))
        assert NODE is not None
        done = subprocess.run([NODE, str(ORACLE / "reprint.cjs"), str(esbuild), str(manifest)],
                              capture_output=True, text=True, timeout=300, check=True)
    results = json.loads(done.stdout)
    differ = []
    skipped = []
    for path, result in zip(files, results, strict=True):
        if "error" in result:  # index.js: `export X from "./X"`, a proposal esbuild refuses
            skipped.append(path.name)
        elif _normalise(result["ours"]) != _normalise(result["theirs"]):
            differ.append(path.name)
    assert skipped == ["index.js"]
    assert not differ, f"{len(differ)} files differ: {differ[:10]}"
