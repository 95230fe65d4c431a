"""``shaker build`` links modules into chunks: the shapes of the output, run under Node.

The behaviour of module shapes (cycles, live bindings, ``export *``...) is checked over a
generated corpus in ``test_bundle_corpus.py``, and what tree-shaking keeps against Rollup in
``test_bundle_rollup.py``; here: chunks, facades, the manifest, CSS, source maps, warnings.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_server_support import write

from shaker.build.project import BuildOptions, build
from shaker.bundle import LinkOptions, ModuleInput, link
from shaker.cli.main import main as cli

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


def run_node(dist: Path, file: str) -> str:
    (dist / "package.json").write_text('{"type": "module"}')
    assert NODE is not None
    done = subprocess.run([NODE, str(dist / file)], capture_output=True, text=True,
                          timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def manifest(dist: Path) -> dict[str, dict[str, object]]:
    return json.loads((dist / ".vite/manifest.json").read_text())  # type: ignore[no-any-return]


def test_link_renames_collisions_and_keeps_what_is_used() -> None:
    result = link({
        "main": ModuleInput("main", 'import { value as v } from "./a.js";\n'
                            "function f(value) { return v + value; }\n"
                            "console.log(f(1));\n", {"./a.js": "a"}, name="main"),
        "a": ModuleInput("a", "export const value = 2;\nexport const unused = 3;\n", name="a"),
    }, ["main"], LinkOptions())
    [chunk] = result.chunks
    assert "unused" not in chunk.code
    # `v` is a.js's `value`, which f's parameter would shadow: it is renamed.
    assert chunk.code == ("const value$1 = 2;\nfunction f(value) { return value$1 + value; }\n"
                          "console.log(f(1));\n")


@needs_node
def test_shared_module_gets_its_own_chunk_and_entries_keep_their_names(tmp_path: Path) -> None:
    root = write(tmp_path / "app", {
        "a.js": 'import { shared } from "./shared.js";\nconsole.log("a", shared());\n',
        "b.js": 'import { shared } from "./shared.js";\nconsole.log("b", shared());\n'
                'export const fromB = 1;\n',
        "shared.js": 'export function shared() { return "s"; }\n'
                     'export function unused() { return 0; }\n',
    })
    dist = root / "dist"
    build(root, BuildOptions(entries=("a.js", "b.js"), manifest=True, minify=False))
    files = manifest(dist)
    assert set(files) == {"a.js", "b.js", next(k for k in files if k.startswith("_shared"))}
    shared_key = next(k for k in files if k.startswith("_"))
    assert files["a.js"]["imports"] == [shared_key] and files["a.js"]["isEntry"] is True
    shared_code = (dist / str(files[shared_key]["file"])).read_text()
    assert "unused" not in shared_code
    assert run_node(dist, str(files["a.js"]["file"])) == "a s\n"
    assert run_node(dist, str(files["b.js"]["file"])) == "b s\n"
    assert "export { fromB }" in (dist / str(files["b.js"]["file"])).read_text()


@needs_node
def test_an_entry_imported_by_another_gets_a_facade(tmp_path: Path) -> None:
    root = write(tmp_path / "app", {
        "a.js": 'import { b } from "./b.js";\nconsole.log("a", b);\n',
        "b.js": 'export const b = "B";\nconsole.log("b runs");\n',
    })
    build(root, BuildOptions(entries=("a.js", "b.js"), manifest=True, minify=False))
    files = manifest(root / "dist")
    assert run_node(root / "dist", str(files["a.js"]["file"])) == "b runs\na B\n"
    facade = (root / "dist" / str(files["b.js"]["file"])).read_text()
    assert facade.startswith("export { b } from")
    assert run_node(root / "dist", str(files["b.js"]["file"])) == "b runs\n"


@needs_node
def test_dynamic_imports_become_chunks_with_all_their_exports(tmp_path: Path) -> None:
    root = write(tmp_path / "app", {
        "main.js": 'const lazy = await import("./lazy.js");\n'
                   'console.log(lazy.default, Object.keys(lazy).join());\n',
        "lazy.js": 'export default "L";\nexport const other = 2;\n',
    })
    build(root, BuildOptions(entries=("main.js",), manifest=True, minify=True))
    files = manifest(root / "dist")
    assert files["main.js"]["dynamicImports"] == ["lazy.js"]
    assert files["lazy.js"]["isDynamicEntry"] is True
    assert run_node(root / "dist", str(files["main.js"]["file"])) == "L default,other\n"


def test_a_chunks_stylesheets_are_in_the_manifest_and_page(tmp_path: Path) -> None:
    root = write(tmp_path / "app", {
        "index.html": '<html><head></head><body><script type="module" src="/main.js">'
                      "</script></body></html>",
        "main.js": 'import "./style.css";\nimport("./lazy.js");\n',
        "style.css": "body { color: red }\n",
        "lazy.js": 'import "./lazy.css";\nexport const x = 1;\n',
        "lazy.css": "p { color: blue }\n",
    })
    build(root, BuildOptions(manifest=True))
    files = manifest(root / "dist")
    assert [Path(str(p)).name.split("-")[0] for p in files["main.js"]["css"]] == ["style"]
    assert [Path(str(p)).name.split("-")[0] for p in files["lazy.js"]["css"]] == ["lazy"]
    page = (root / "dist/index.html").read_text()
    assert 'rel="stylesheet"' in page and "lazy-" not in page


def test_source_maps_of_a_chunk_name_every_module(tmp_path: Path) -> None:
    root = write(tmp_path / "app", {
        "main.js": 'import { a } from "./lib/a.js";\nconsole.log(a);\n',
        "lib/a.js": "// a comment\nexport const a = 40 + 2;\n",
    })
    result = build(root, BuildOptions(entries=("main.js",), sourcemap=True, manifest=True))
    files = manifest(result.outdir)
    source_map = json.loads((result.outdir / (str(files["main.js"]["file"]) + ".map"))
                            .read_text())
    assert source_map["sources"] == ["../../lib/a.js", "../../main.js"]


def test_a_circular_read_before_initialisation_is_a_warning(tmp_path: Path) -> None:
    root = write(tmp_path / "app", {
        "main.js": 'import { b } from "./b.js";\nexport const a = 1;\nconsole.log(b);\n',
        "b.js": 'import { a } from "./main.js";\nexport const b = 2;\n'
                "export function later() { return a; }\nconsole.log(typeof a);\n",
    })
    result = build(root, BuildOptions(entries=("main.js",)))
    [warning] = [w for w in result.warnings if w.id == "circular-read"]
    assert warning.filename.endswith("b.js") and warning.line == 4
    assert "b.js -> main.js -> b.js" in warning.message


def test_side_effect_free_packages_and_unused_exports_disappear(tmp_path: Path) -> None:
    root = write(tmp_path / "app", {
        "main.js": 'import { used } from "pkg";\nimport "pkg/side.js";\nconsole.log(used());\n',
        "node_modules/pkg/package.json": json.dumps({"name": "pkg", "main": "index.js",
                                                     "sideEffects": False}),
        "node_modules/pkg/index.js": 'export * from "./used.js";\nexport * from "./big.js";\n',
        "node_modules/pkg/used.js": 'export function used() { return "u"; }\n',
        "node_modules/pkg/big.js": 'console.log("big");\nexport const big = [1, 2, 3];\n',
        "node_modules/pkg/side.js": 'console.log("side");\n',
    })
    build(root, BuildOptions(entries=("main.js",), manifest=True, minify=False))
    code = (root / "dist" / str(manifest(root / "dist")["main.js"]["file"])).read_text()
    assert code == 'function used() { return "u"; }\nconsole.log(used());\n'


def test_no_bundle_writes_a_file_per_module(tmp_path: Path) -> None:
    root = write(tmp_path / "app", {
        "index.html": '<script type="module" src="/main.js"></script>',
        "main.js": 'import { a } from "./a.js";\nconsole.log(a);\n',
        "a.js": "export const a = 1;\n",
    })
    done = CliRunner().invoke(cli, ["build", str(root), "--no-bundle"])
    assert done.exit_code == 0, done.output
    assert len(list((root / "dist/assets").glob("*.js"))) == 2
    done = CliRunner().invoke(cli, ["build", str(root)])
    assert done.exit_code == 0, done.output
    assert len(list((root / "dist/assets").glob("*.js"))) == 1


def test_a_linker_failure_is_a_build_error_not_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shaker.build.bundling as bundling

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("x")

    monkeypatch.setattr(bundling, "link", broken)
    root = write(tmp_path / "app", {"index.html": '<script type="module" src="/m.js"></script>',
                                    "m.js": "console.log(1);\n"})
    done = CliRunner().invoke(cli, ["build", str(root)])
    assert done.exit_code == 1 and "Traceback" not in done.output
    assert "linking the modules failed (KeyError: 'x')" in done.output
    assert "--no-bundle" in done.output and not (root / "dist").exists()


def test_branches_a_constant_test_never_takes_keep_nothing_alive() -> None:
    result = link({
        "main": ModuleInput("main", 'import { check, fast } from "./lib.js";\n'
                            'if ("production" !== "production") { check(); }\n'
                            'export const run = "production" === "development" ? check : fast;\n'
                            'export const also = !0 || check;\n', {"./lib.js": "lib"}),
        "lib": ModuleInput("lib", "export function check() { return 1; }\n"
                           "export function fast() { return 2; }\n"),
    }, ["main"])
    [chunk] = result.chunks
    assert "check" not in chunk.code
    assert "const run = void 0 ? void 0 : fast;" not in chunk.code
    assert 'if ("production"' not in chunk.code  # nothing is left for it to do
    assert 'const run = "production" === "development" ? void 0 : fast;' in chunk.code
    assert "const also = !0 || void 0;" in chunk.code


def test_module_constants_decide_branches_too() -> None:
    result = link({
        "main": ModuleInput("main", 'import { check } from "./lib.js";\n'
                            'const DEV = "production" !== "production";\n'
                            "export const errors = DEV ? check : {};\n"
                            "export function warn() { if (DEV) check(); }\n",
                            {"./lib.js": "lib"}),
        "lib": ModuleInput("lib", "export function check() { return 1; }\n"),
    }, ["main"])
    [chunk] = result.chunks
    assert "check" not in chunk.code
    assert "const errors = DEV ? void 0 : {};" in chunk.code


def test_a_chunk_writes_its_modules_css_as_one_file(tmp_path: Path) -> None:
    root = write(tmp_path / "app", {
        "index.html": '<html><head></head><body><script type="module" src="/main.js">'
                      "</script></body></html>",
        "main.js": 'import "./a.css";\nimport "./b.css";\nimport "./c.css";\n',
        "a.css": "a { color: red }\n",
        "b.css": "b { background: url(./logo.png) }\n",
        "c.css": '@import "./d.css";\nc { color: blue }\n',
        "d.css": "d { color: green }\n",
        "logo.png": "PNG",
    })
    build(root, BuildOptions(manifest=True))
    dist = root / "dist"
    css = [str(p) for p in manifest(dist)["main.js"]["css"]]  # type: ignore[union-attr]
    names = sorted(Path(p).name.split("-")[0] for p in css)
    assert names == ["c", "main"]  # a.css and b.css together; c.css keeps its @import first
    main_css = (dist / next(p for p in css if "/main-" in p)).read_text()
    assert main_css.startswith("a { color: red }\nb { background: url(./logo-")
    page = (dist / "index.html").read_text()
    assert all(f'href="/{p}"' in page for p in css)


def test_a_module_shared_with_a_lazy_chunk_stays_in_its_importers_chunk() -> None:
    def modules(main: str) -> dict[str, ModuleInput]:
        return {
            "main": ModuleInput("main", main, {"./shared.js": "shared", "./lazy.js": "lazy"}),
            "shared": ModuleInput("shared", "export const s = [1];\n"),
            "lazy": ModuleInput("lazy", 'import { s } from "./shared.js";\n'
                                "export const n = s.length;\n", {"./shared.js": "shared"}),
        }
    plain = link(modules('import { s } from "./shared.js";\n'
                         'import("./lazy.js").then((m) => console.log(s, m.n));\n'), ["main"])
    assert [c.modules for c in plain.chunks] == [["shared", "main"], ["lazy"]]
    # With top-level await, main would wait for lazy, which would wait for main: no.
    waiting = link(modules('import { s } from "./shared.js";\n'
                           'const m = await import("./lazy.js");\nconsole.log(s, m.n);\n'),
                   ["main"])
    assert [c.modules for c in waiting.chunks] == [["shared"], ["main"], ["lazy"]]


def test_a_shared_variable_never_takes_an_export_name_an_entry_uses() -> None:
    result = link({
        "main": ModuleInput("main", 'import { value as shared } from "./shared.js";\n'
                            "const inner = 1;\nexport { inner as value };\n"
                            'import("./lazy.js");\nconsole.log(shared);\n',
                            {"./shared.js": "shared", "./lazy.js": "lazy"}),
        "shared": ModuleInput("shared", "export const value = 2;\n"),
        "lazy": ModuleInput("lazy", 'import { value } from "./shared.js";\n'
                            "export const n = value;\n", {"./shared.js": "shared"}),
    }, ["main"])
    main, lazy = result.chunks
    assert main.code.endswith("export { inner as value, value as value$1 };\n")
    assert lazy.code.startswith('import { value$1 as value } from "./main.js";\n')
