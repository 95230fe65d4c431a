"""``shaker build``: crawl, transform, tree-shake, hash, rewrite, write atomically."""

from __future__ import annotations

import doctest
import json
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_server_support import write

import shaker.build.naming
import shaker.js.effects
import shaker.pipeline.css
import shaker.pipeline.html
from shaker.build.project import BuildError, BuildOptions, BuildResult, build
from shaker.cli.build import build_command
from shaker.js.sourcemap import original_position

SEED = Path(__file__).resolve().parent.parent / "examples" / "seed"
HASHED = re.compile(r"^assets/[A-Za-z0-9_.-]+-[0-9a-f]{8}\.(js|css|png)$")


UNBUNDLED = BuildOptions(bundle=False)
"""Tests of the one-file-per-module output (``--no-bundle``); bundling is tests/test_bundle*.py."""


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` (dotfiles included) with its bytes."""
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def js_files(result: BuildResult) -> dict[str, str]:
    return {f.path: (result.outdir / f.path).read_text() for f in result.files
            if f.path.endswith(".js")}


def page(result: BuildResult, name: str = "index.html") -> str:
    return (result.outdir / name).read_text()


def file_for(result: BuildResult, stem: str, ext: str = ".js") -> str:
    found = [f.path for f in result.files if re.fullmatch(
        rf"assets/{re.escape(stem)}-[0-9a-f]{{8}}{re.escape(ext)}", f.path)]
    assert len(found) == 1, (stem, [f.path for f in result.files])
    return found[0]


@pytest.mark.parametrize("module", [shaker.pipeline.css, shaker.js.effects, shaker.pipeline.html,
                                    shaker.build.naming])
def test_doctests(module: object) -> None:
    assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]


# -- the seed example --------------------------------------------------------------------------

def test_seed_example_builds_without_hot_code(tmp_path: Path) -> None:
    result = build(SEED, BuildOptions(outdir=str(tmp_path / "dist")))
    names = [f.path for f in result.files]
    assert "index.html" in names
    main = file_for(result, "main")
    assert HASHED.match(main)
    code = (result.outdir / main).read_text()
    assert "import.meta.hot" not in code and "/@shaker/" not in code
    assert "console.log('🚀 Application starting...');" in code
    assert "📦 Production build - no HMR" in code and "🔥" not in code
    html = page(result)
    assert f'<script type="module" src="/{main}"></script>' in html
    assert "/@shaker/" not in html
    for f in result.files:
        data = (result.outdir / f.path).read_bytes()
        assert b"import.meta.hot" not in data
        assert f.size == len(data)


def test_the_report_lists_sizes_and_time(tmp_path: Path) -> None:
    project = write(tmp_path / "app", {
        "index.html": '<script type="module" src="./main.js"></script>',
        "main.js": "console.log(1)\n"})
    out = CliRunner().invoke(build_command, [str(project)])
    assert out.exit_code == 0, out.output
    assert re.search(r"dist/assets/main-[0-9a-f]{8}\.js +0\.\d\d kB │ gzip: +0\.\d\d kB",
                     out.output)
    assert re.search(r"^dist/index.html", out.output, re.M)
    assert re.search(r"\d+ files, [\d.]+ kB │ gzip: [\d.]+ kB", out.output)
    assert re.search(r"✓ built in \d+ms", out.output)


# -- tree-shaking ------------------------------------------------------------------------------

SHAKE_APP = {
    "index.html": '<script type="module" src="/src/main.js"></script>',
    "src/main.js": (
        'import { setupHot } from "./hot-helper.js";\n'
        'import { showOverlay } from "dev-overlay";\n'
        'import { track } from "./tracker.js";\n'
        'import { announce } from "./announce.js";\n'
        'console.log("app");\n'
        'if (import.meta.hot) {\n'
        '  setupHot(import.meta.hot);\n'
        '  showOverlay();\n'
        '  track();\n'
        '  announce();\n'
        '  import("./dev-only.js");\n'
        '}\n'),
    # No top-level side effects, and neither have its imports: dropped.
    "src/hot-helper.js": ('import { log } from "./hot-log.js";\n'
                          'export const name = "hot";\n'
                          'export function setupHot(hot) { hot.accept(() => log()); }\n'),
    "src/hot-log.js": "export const log = () => console.log('updated');\n",
    # Has a side effect at the top level: kept, with its bare import.
    "src/tracker.js": "window.tracked = true;\nexport function track() {}\n",
    # Pure itself, but imports a module with a side effect: kept.
    "src/announce.js": 'import "./banner.js";\nexport function announce() {}\n',
    "src/banner.js": "document.title = 'banner';\n",
    # Never read: only a dynamic import inside removed HMR code names it.
    "src/dev-only.js": "this is not JavaScript",
    # The package says it has no side effects, although its code has one.
    "node_modules/dev-overlay/package.json": json.dumps(
        {"name": "dev-overlay", "sideEffects": False, "exports": {"import": "./overlay.js"}}),
    "node_modules/dev-overlay/overlay.js": ("document.body.append('overlay');\n"
                                            "export function showOverlay() {}\n"),
}


def test_modules_unused_once_hot_code_is_gone_are_not_emitted(tmp_path: Path) -> None:
    result = build(write(tmp_path / "app", SHAKE_APP), UNBUNDLED)
    assert sorted(result.dropped) == ["node_modules/dev-overlay/overlay.js",
                                      "src/hot-helper.js", "src/hot-log.js"]
    files = js_files(result)
    stems = sorted(re.sub(r"-[0-9a-f]{8}\.js$", "", Path(p).name) for p in files)
    assert stems == ["announce", "banner", "main", "tracker"]
    main = files[file_for(result, "main")]
    assert "hot-helper" not in main and "overlay" not in main
    assert f'import "./{Path(file_for(result, "tracker")).name}";' in main
    assert f'import "./{Path(file_for(result, "announce")).name}";' in main
    assert main.endswith('console.log("app");\n')


def test_an_import_that_binds_names_keeps_a_pure_module(tmp_path: Path) -> None:
    project = write(tmp_path / "app", {
        "index.html": '<script type="module" src="/main.js"></script>',
        "main.js": 'import { f } from "./pure.js";\nimport "./also-pure.js";\nf();\n',
        "pure.js": "export const f = () => 1;\n",
        "also-pure.js": "export const g = 2;\n"})
    result = build(project, UNBUNDLED)
    assert result.dropped == ["also-pure.js"]
    main = js_files(result)[file_for(result, "main")]
    assert main == f'import {{ f }} from "./{Path(file_for(result, "pure")).name}";\nf();\n'


def test_packages_that_export_keyword_names_build(tmp_path: Path) -> None:
    """Keywords as export names, as svelte (`if`), zod (`null`) and valibot (`function`)
    publish them, are valid module syntax: the build takes and keeps them."""
    package = json.dumps({"name": "kw", "exports": {"import": "./index.js"}})
    project = write(tmp_path / "app", {
        "index.html": '<script type="module" src="/main.js"></script>',
        "main.js": ('import { if as ifBlock, null as nil, function as fn } from "kw";\n'
                    "import.meta.hot?.accept();\nconsole.log(ifBlock(), nil(), fn());\n"),
        "node_modules/kw/package.json": package,
        "node_modules/kw/index.js": ('export { if } from "./blocks.js";\n'
                                     "const _null = () => null;\nconst function_ = () => 1;\n"
                                     "export { _null as null, function_ as function };\n"),
        "node_modules/kw/blocks.js": ("function if_block() { return 1; }\n"
                                      "export { if_block as if };\n")})
    result = build(project, UNBUNDLED)
    code = "".join(js_files(result).values())
    assert "import.meta.hot" not in code
    assert "import { if as ifBlock, null as nil, function as fn } from" in code
    assert "export { if } from" in code
    assert "export { _null as null, function_ as function };" in code
    assert "export { if_block as if };" in code


# -- what a page can reference -----------------------------------------------------------------

APP = {
    "index.html": (
        "<!doctype html>\n<html>\n  <head>\n    <title>app</title>\n"
        '    <link rel="stylesheet" href="/src/base.css">\n'
        '    <link rel="icon" href="/favicon.ico">\n  </head>\n  <body>\n'
        '    <img src="./src/logo.png" alt="">\n'
        '    <script type="module" src="/src/main.js"></script>\n'
        '    <script type="module">\n      import { a } from "./src/a.js";\n'
        '      console.log("inline", a);\n    </script>\n  </body>\n</html>\n'),
    "about/index.html": '<script type="module" src="../src/a.js"></script>',
    "src/main.js": (
        'import "./style.css";\nimport data, { name } from "./data.json";\n'
        'import logo from "./logo.png";\nimport { a } from "./a.js";\n'
        'console.log(data.x, name, logo, a, import.meta.env.BASE_URL, __VERSION__);\n'
        'export const lazy = () => import("./lazy.js");\n'),
    "src/a.js": 'import { b } from "./b.js";\nexport const a = "a" + typeof b;\n',
    "src/b.js": 'import { a } from "./a.js";\nexport const b = () => a;\n',
    "src/lazy.js": 'import "./lazy.css";\nexport default "lazy";\n',
    "src/lazy.css": ".lazy { color: red }\n",
    "src/style.css": '@import "./more.css";\nbody { background: url(./logo.png) }\n',
    "src/more.css": ".more { margin: 0 }\n",
    "src/base.css": "html { padding: 0 }\n",
    "src/data.json": '{"x": 1, "name": "json", "default": 2, "a-b": 3}',
    "src/logo.png": b"\x89PNG fake",
    "public/favicon.ico": b"icon",
    "public/robots.txt": "User-agent: *\n",
}


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return write(tmp_path / "app", APP)


def test_pages_scripts_styles_assets_and_public_files(app: Path) -> None:
    result = build(app, BuildOptions(define={"__VERSION__": '"1.0"'}, bundle=False))
    names = {f.path for f in result.files}
    assert {"favicon.ico", "robots.txt", "about/index.html", "index.html"} <= names
    assert (result.outdir / "favicon.ico").read_bytes() == b"icon"
    for name in names - {"favicon.ico", "robots.txt", "about/index.html", "index.html"}:
        assert HASHED.match(name), name
    html = page(result)
    for source, stem, ext in (("/src/base.css", "base", ".css"), ("./src/logo.png", "logo",
                              ".png"), ("/src/main.js", "main", ".js")):
        assert source not in html
        assert f'"/{file_for(result, stem, ext)}"' in html
    assert f'<link rel="stylesheet" crossorigin href="/{file_for(result, "style", ".css")}">' \
        in html
    assert file_for(result, "more", ".css") not in html  # the browser follows its @import
    assert f'<link rel="modulepreload" crossorigin href="/{file_for(result, "a")}">' in html
    assert f'import {{ a }} from "/{file_for(result, "a")}";' in html
    assert '<link rel="icon" href="/favicon.ico">' in html
    assert f'src="/{file_for(result, "a")}"' in page(result, "about/index.html")


def test_css_json_and_assets_from_javascript(app: Path) -> None:
    result = build(app, BuildOptions(define={"__VERSION__": '"1.0"'}, bundle=False))
    files = js_files(result)
    main = files[file_for(result, "main")]
    assert 'console.log(data.x, name, logo, a, "/", "1.0");' in main
    data = files[file_for(result, "data.json")]
    assert 'const data = {"x": 1, "name": "json", "default": 2, "a-b": 3};' in data
    assert "export const { x, name } = data ?? {};" in data
    style = (result.outdir / file_for(result, "style", ".css")).read_text()
    assert style == (f'@import "./{Path(file_for(result, "more", ".css")).name}";\n'
                     f"body {{ background: url(./{Path(file_for(result, 'logo', '.png')).name})"
                     " }\n")
    lazy = files[file_for(result, "lazy")]
    loader = next(p for p in re.findall(r'import "\./([^"]+)"', lazy))
    assert f'["./{Path(file_for(result, "lazy", ".css")).name}"].map((path) => new URL(path, ' \
        "import.meta.url)" in files["assets/" + loader]
    assert (result.outdir / file_for(result, "logo", ".png")).read_bytes() == b"\x89PNG fake"


def test_hashes_cover_dependencies_and_cycles(app: Path) -> None:
    first = build(app)
    again = build(app)
    assert [f.path for f in first.files] == [f.path for f in again.files]
    (app / "src/b.js").write_text('import { a } from "./a.js";\nexport const b = () => a + 1;\n')
    changed = build(app)
    for stem in ("a", "b", "main"):  # a and b form a cycle; main imports a
        assert file_for(first, stem) != file_for(changed, stem)
    assert file_for(first, "lazy") == file_for(changed, "lazy")


def test_base_is_applied_to_page_references(app: Path) -> None:
    result = build(app, BuildOptions(base="/static/", define={"__VERSION__": "1"}))
    html = page(result)
    assert f'src="/static/{file_for(result, "main")}"' in html
    assert '"/static/"' in js_files(result)[file_for(result, "main")]


def test_source_maps_point_at_the_original(app: Path) -> None:
    result = build(app, BuildOptions(sourcemap=True, define={"__VERSION__": "1"},
                                     bundle=False))
    name = file_for(result, "main")
    code = (result.outdir / name).read_text()
    assert code.endswith(f"//# sourceMappingURL={Path(name).name}.map\n")
    source_map = json.loads((result.outdir / (name + ".map")).read_text())
    assert source_map["sources"] == ["../../src/main.js"]
    line = code.splitlines().index(next(x for x in code.splitlines() if "console.log" in x))
    column = code.splitlines()[line].index("console")
    assert original_position(source_map, line, column)[1:] == (4, 0)


def test_configured_entries_without_html(tmp_path: Path) -> None:
    project = write(tmp_path / "app", {
        "src/main.js": 'import "./x.css";\nexport const main = 1;\n', "src/x.css": "a{}",
        "src/admin.css": "b{}", "index.html": "<p>ignored</p>"})
    result = build(project, BuildOptions(entries=("src/main.js", "src/admin.css"),
                                         manifest=True))
    assert "index.html" not in {f.path for f in result.files}
    manifest = json.loads((result.outdir / "manifest.json").read_text())
    assert manifest["src/main.js"]["isEntry"] is True
    assert manifest["src/admin.css"] == {"file": file_for(result, "admin", ".css"),
                                         "name": "admin", "src": "src/admin.css",
                                         "isEntry": True}


def test_keep_hot_leaves_hot_code(tmp_path: Path) -> None:
    project = write(tmp_path / "app", SHAKE_APP)
    (project / "src/dev-only.js").write_text("export {}\n")
    result = build(project, BuildOptions(keep_hot=True))
    assert "if (import.meta.hot)" in js_files(result)[file_for(result, "main")]
    assert result.dropped == []


def test_parallel_workers_give_the_same_output(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import shaker.build.crawl

    monkeypatch.setattr(shaker.build.crawl, "SERIAL_MODULES", 4)
    monkeypatch.setattr(shaker.build.crawl, "WORKERS_PAY_OFF", 0.0)  # always worth it, for the test
    monkeypatch.setattr(shaker.build.crawl, "MIN_QUEUED", 1)
    submitted: list[int] = []
    real_submit = ProcessPoolExecutor.submit

    def submit(self: ProcessPoolExecutor, fn: Any, nodes: list[Any]) -> Any:
        submitted.append(len(nodes))
        return real_submit(self, fn, nodes)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", submit)
    files = {"index.html": '<script type="module" src="./m0.js"></script>'}
    for i in range(80):
        deps = "".join(f'import {{ v{j} }} from "./m{j}.js";\n' for j in (2 * i + 1, 2 * i + 2)
                       if j < 80)
        files[f"m{i}.js"] = (deps + f"export const v{i} = {i};\n"
                             "if (import.meta.hot) { import.meta.hot.accept() }\n"
                             f"console.log(v{i});\n")
    project = write(tmp_path / "app", files)
    serial = build(project, BuildOptions(outdir=str(tmp_path / "serial"), workers=1,
                                         bundle=False))
    parallel = build(project, BuildOptions(outdir=str(tmp_path / "parallel"), workers=2,
                                           bundle=False))
    serial, parallel = snapshot(serial.outdir), snapshot(parallel.outdir)
    assert serial == parallel and len(serial) == 81
    assert sum(submitted) == 80 - shaker.build.crawl.SERIAL_MODULES  # the rest went to workers
    assert not any(b"import.meta.hot" in data for data in parallel.values())


# -- failures leave dist/ as it was ------------------------------------------------------------

@pytest.mark.parametrize(("broken", "expected"), [
    ("export const y = ;\n", r"src/bad\.js:1:16: error: Unexpected token"),
    ('import { x } from "./nope.js";\n', r'src/bad\.js:1:19: error: Failed to resolve import '
                                         r'"\./nope\.js" from "src/bad\.js"\. Does the '
                                         r'file exist\?'),
    ('import "ghost-pkg";\n', r'src/bad\.js:1:8: error: Failed to resolve import "ghost-pkg" '
                              r'from "src/bad\.js": package "ghost-pkg" is not installed'),
    ('import "./widget.vue";\n', r"widget\.vue is not JavaScript, TypeScript, JSX, JSON, CSS"),
])
def test_a_failed_build_leaves_the_previous_output_byte_identical(
        app: Path, broken: str, expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(app)
    assert CliRunner().invoke(build_command, ["--manifest"]).exit_code == 0
    before = snapshot(app / "dist")
    (app / "src/widget.vue").write_text("<template><p/></template>")
    (app / "src/bad.js").write_text(broken)
    with (app / "src/a.js").open("a") as fh:
        fh.write('import "./bad.js";\n')
    out = CliRunner().invoke(build_command, ["--manifest"])
    assert out.exit_code == 1
    assert re.search(expected, out.output), out.output
    assert "> 1 |" in out.output and "^" in out.output  # a code frame
    assert "dist/ left as it was" in out.output
    assert snapshot(app / "dist") == before
    assert sorted(p.name for p in app.iterdir() if p.name.startswith(".")) == []


def test_commonjs_in_the_project_is_flagged_and_in_packages_converted(tmp_path: Path) -> None:
    project = write(tmp_path / "app", {
        "index.html": '<script type="module" src="./main.js"></script>',
        "main.js": 'import "cjs-only";\nimport "./legacy.js";\n',
        "legacy.js": "module.exports = 1;\n",
        "node_modules/cjs-only/package.json": '{"main": "index.js"}',
        "node_modules/cjs-only/index.js": "module.exports = function () {};\n"})
    result = build(project)
    assert [w.id for w in result.warnings] == ["commonjs-module"]
    assert result.warnings[0].filename.endswith("legacy.js")


def test_unresolvable_page_script_is_located_in_the_page(tmp_path: Path) -> None:
    project = write(tmp_path / "app", {
        "index.html": '<p>x</p>\n<script type="module" src="/missing.js"></script>'})
    with pytest.raises(BuildError) as info:
        build(project)
    rendered = info.value.render()
    assert re.search(r"index\.html:2:28: error: cannot resolve \"/missing\.js\"", rendered)


def test_output_directory_must_not_contain_the_project(tmp_path: Path) -> None:
    project = write(tmp_path / "app", {"index.html": ""})
    with pytest.raises(ValueError, match="would replace the project"):
        build(project, BuildOptions(outdir=".."))


# -- the dev server's file-access rules apply to what the build copies ---------------------------

SECRET = "TOP-SECRET-VALUE"


@pytest.mark.skipif(not hasattr(__import__("os"), "symlink"), reason="needs symlinks")
def test_symlinks_out_of_the_root_are_not_copied_into_dist(tmp_path: Path) -> None:
    """Before: ``public/`` was copied with ``shutil.copytree``, which follows symlinks, and a
    page symlinked to a file outside ROOT was built, so ``dist/`` held files the dev server
    refuses to serve."""
    import os

    outside = write(tmp_path / "outside", {"id_rsa": SECRET, "page.html": f"<p>{SECRET}</p>",
                                           "dir/creds.txt": SECRET})
    root = write(tmp_path / "app", {
        "index.html": '<script type="module" src="/main.js"></script>',
        "main.js": "console.log(1);\n",
        "public/robots.txt": "ok",
        "public/shared/logo.txt": "logo",
        "docs/readme.txt": "inside",
    })
    (root / "public" / "key.txt").symlink_to(outside / "id_rsa")
    (root / "public" / "leak").symlink_to(outside / "dir", target_is_directory=True)
    (root / "public" / "docs").symlink_to(root / "docs", target_is_directory=True)  # inside
    (root / "public" / "loop").symlink_to(root / "public", target_is_directory=True)
    (root / "stolen.html").symlink_to(outside / "page.html")
    os.mkfifo(root / "public" / "pipe.txt")
    os.mkfifo(root / "pipe.html")  # a page search must not open it (it would block)
    result = build(root, BuildOptions())
    files = snapshot(result.outdir)
    assert not any(SECRET.encode() in data for data in files.values())
    assert "key.txt" not in files and "stolen.html" not in files
    assert not any(name.startswith("leak") for name in files)
    assert files["robots.txt"] == b"ok" and files["shared/logo.txt"] == b"logo"
    assert files["docs/readme.txt"] == b"inside"  # a link that stays inside ROOT is fine
    assert "pipe.txt" not in files
    warnings = "\n".join(str(w.message) for w in result.warnings)
    for name in ("public/key.txt", "public/leak", "stolen.html"):
        assert f"{name}: " in warnings and "outside the project" in warnings, name
    assert "public/pipe.txt: not a regular file" in warnings
    assert "pipe.html: not a regular file" in warnings and "pipe.html" not in files
