"""Specifier resolution on fixture trees: relative, absolute, bare, every ``exports`` form."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest

import shaker.pipeline.resolve
from shaker.pipeline.resolve import (
    BUILD_CONDITIONS,
    DEV_CONDITIONS,
    ResolveError,
    Resolver,
    browser_external_id,
    dev_url_for,
    is_browser_external,
    match_exports,
    split_package,
)


def write(root: Path, files: dict[str, object]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(content) if isinstance(content, dict) else str(content)
        path.write_text(text)
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(tmp_path / "app", {
        "index.html": "<script type=module src=/src/main.js></script>",
        "src/main.js": "",
        "src/util.js": "",
        "src/data.json": "{}",
        "src/lib/index.js": "",
        "src/mod.mjs": "",
        "public/robots.txt": "",
    })


def resolve(root: Path, specifier: str, importer: str = "src/main.js",
            conditions: tuple[str, ...] = BUILD_CONDITIONS) -> str:
    found = Resolver(root, conditions=conditions, public_dir=root / "public").resolve(
        specifier, root / importer)
    assert found is not None
    return found.relative_to(root.resolve()).as_posix()


def add_package(root: Path, name: str, package: dict[str, object], files: tuple[str, ...],
                where: str = "") -> None:
    base = f"{where}node_modules/{name}/"
    write(root, {base + "package.json": {"name": name, **package},
                 **{base + f: f"// {f}" for f in files}})


def test_doctests() -> None:
    assert doctest.testmod(shaker.pipeline.resolve).failed == 0


# -- relative and absolute ---------------------------------------------------------------------

def test_relative_with_and_without_extension(project: Path) -> None:
    assert resolve(project, "./util.js") == "src/util.js"
    assert resolve(project, "./util") == "src/util.js"
    assert resolve(project, "./mod") == "src/mod.mjs"
    assert resolve(project, "./data.json") == "src/data.json"
    assert resolve(project, "./lib") == "src/lib/index.js"
    assert resolve(project, "../src/util.js?v=1#x") == "src/util.js"


def test_absolute_is_root_relative(project: Path) -> None:
    assert resolve(project, "/src/util.js", "index.html") == "src/util.js"
    assert resolve(project, "/src/util.js", "src/lib/index.js") == "src/util.js"


def test_public_files_and_urls_are_left_alone(project: Path) -> None:
    resolver = Resolver(project, public_dir=project / "public")
    for specifier in ("/robots.txt", "https://cdn.example/x.js", "//cdn.example/x.js",
                      "data:text/javascript,1", "blob:x"):
        assert resolver.resolve(specifier, project / "src/main.js") is None


def test_missing_file_says_who_imported_what(project: Path) -> None:
    with pytest.raises(ResolveError) as info:
        resolve(project, "./nope.js")
    assert info.value.specifier == "./nope.js"
    assert info.value.importer.endswith("main.js")
    assert "no such file" in str(info.value)


def test_symlinks_resolve_to_real_paths(project: Path) -> None:
    (project / "src/alias.js").symlink_to(project / "src/util.js")
    assert resolve(project, "./alias.js") == "src/util.js"


# -- bare: lookup ------------------------------------------------------------------------------

def test_bare_walks_up_node_modules(project: Path) -> None:
    add_package(project, "top", {"main": "index.js"}, ("index.js",))
    add_package(project, "near", {"main": "index.js"}, ("index.js",), where="src/")
    assert resolve(project, "top", "src/lib/index.js") == "node_modules/top/index.js"
    assert resolve(project, "near", "src/lib/index.js") == "src/node_modules/near/index.js"


def test_scoped_package_and_subpath_without_exports(project: Path) -> None:
    add_package(project, "@scope/pkg", {"main": "lib/main.js"}, ("lib/main.js", "lib/extra.js"))
    assert resolve(project, "@scope/pkg") == "node_modules/@scope/pkg/lib/main.js"
    assert resolve(project, "@scope/pkg/lib/extra") == "node_modules/@scope/pkg/lib/extra.js"


def test_not_installed(project: Path) -> None:
    with pytest.raises(ResolveError, match='package "ghost" is not installed'):
        resolve(project, "ghost")


@pytest.mark.parametrize(("package", "files", "expected"), [
    ({"module": "esm/index.js", "main": "cjs/index.js"}, ("esm/index.js", "cjs/index.js"),
     "esm/index.js"),
    ({"main": "cjs/index.js"}, ("cjs/index.js",), "cjs/index.js"),
    ({"main": "lib/entry"}, ("lib/entry.js",), "lib/entry.js"),
    ({"jsnext:main": "next.js", "main": "main.js"}, ("next.js", "main.js"), "next.js"),
    ({"jsnext": "next.js", "main": "main.js"}, ("next.js", "main.js"), "next.js"),
    ({"browser": "browser.js", "main": "main.js"}, ("browser.js", "main.js"), "browser.js"),
    ({}, ("index.js",), "index.js"),
])
def test_main_fields_without_exports(project: Path, package: dict[str, object],
                                     files: tuple[str, ...], expected: str) -> None:
    add_package(project, "pkg", package, files)
    assert resolve(project, "pkg") == f"node_modules/pkg/{expected}"


# -- bare: the browser field -------------------------------------------------------------------

def resolve_id(root: Path, specifier: str, importer: str = "src/main.js") -> str:
    """What ``specifier`` resolves to: a path from the root, or a browser-external id."""
    found = Resolver(root).resolve_path(specifier, root / importer)
    assert found is not None
    return found if is_browser_external(found) else \
        Path(found).relative_to(root.resolve()).as_posix()


@pytest.mark.parametrize(("package", "files", "expected"), [
    # Vite's mainFields: browser, module, jsnext:main, jsnext, then main; the first string wins.
    ({"module": "esm.js", "browser": "browser.js", "main": "main.js"},
     ("esm.js", "browser.js", "main.js"), "browser.js"),
    ({"browser": "browser.js", "module": "esm.js"}, ("esm.js", "browser.js"), "browser.js"),
    # An object's "." is the entry at browser's place; without it, module and the map.
    ({"module": "esm.js", "browser": {".": "./web.js"}}, ("esm.js", "web.js"), "web.js"),
    ({"module": "esm.js", "browser": {"./esm.js": "./esm-web.js"}}, ("esm.js", "esm-web.js"),
     "esm-web.js"),
    ({"module": "esm.js", "browser": {"./other.js": "./x.js"}}, ("esm.js", "x.js"), "esm.js"),
    # A main field naming a missing file falls through to the next (oxc's, so Vite 8's).
    ({"browser": "gone.js", "module": "esm.js"}, ("esm.js",), "esm.js"),
    ({"main": "node.js", "browser": {"./node.js": "./web.js"}}, ("node.js", "web.js"), "web.js"),
])
def test_main_field_precedence_is_vites(project: Path, package: dict[str, object],
                                        files: tuple[str, ...], expected: str) -> None:
    add_package(project, "pkg", package, files)
    assert resolve(project, "pkg") == f"node_modules/pkg/{expected}"


@pytest.fixture
def axios(project: Path) -> Path:
    """An axios-like package: its entry requires a Node adapter the browser field swaps, a
    folder import of a platform, and Node modules it leaves out or shims."""
    add_package(project, "axios", {"main": "index.js", "browser": {
        "./lib/adapters/http.js": "./lib/adapters/xhr.js",
        "./lib/platform/node/index.js": "./lib/platform/browser/index.js",
        "http": False,
        "util": "./lib/util-browser.js",
        "./lib/node-only.js": False,
    }}, ("index.js", "lib/axios.js", "lib/adapters/http.js", "lib/adapters/xhr.js",
         "lib/platform/node/index.js", "lib/platform/browser/index.js", "lib/util-browser.js",
         "lib/node-only.js"))
    return project


def test_browser_map_applies_to_relative_imports_inside_the_package(axios: Path) -> None:
    inside = "node_modules/axios/lib/axios.js"
    for specifier in ("./adapters/http.js", "./adapters/http", "../lib/adapters/http.js"):
        assert resolve(axios, specifier, inside) == "node_modules/axios/lib/adapters/xhr.js"
    for specifier in ("./platform/node/index.js", "./platform/node"):  # a file, a folder
        assert resolve(axios, specifier, inside) == \
            "node_modules/axios/lib/platform/browser/index.js"
    assert resolve(axios, "./adapters/xhr.js", inside) == "node_modules/axios/lib/adapters/xhr.js"


def test_browser_map_applies_to_bare_imports_from_inside_the_package(axios: Path) -> None:
    inside = "node_modules/axios/lib/adapters/http.js"
    assert resolve_id(axios, "http", inside) == browser_external_id("http")
    assert resolve(axios, "util", inside) == "node_modules/axios/lib/util-browser.js"
    with pytest.raises(ResolveError, match='package "http" is not installed'):
        resolve(axios, "http")  # the app's own imports are not axios's business


def test_false_entries_resolve_to_a_browser_external_id(axios: Path) -> None:
    inside = "node_modules/axios/lib/axios.js"
    found = resolve_id(axios, "./node-only", inside)
    assert found == browser_external_id("axios/lib/node-only.js")
    assert found == "__shaker-browser-external:axios/lib/node-only.js"
    assert is_browser_external(found) and not is_browser_external("/p/node_modules/x.js")
    resolved = Resolver(axios).resolve("./node-only.js", axios / inside)
    assert resolved is not None and is_browser_external(str(resolved))


def test_a_package_requiring_ws_mapped_to_false(project: Path) -> None:
    add_package(project, "ws", {"exports": {".": "./index.js"}}, ("index.js",))
    add_package(project, "eio", {"module": "build/index.js", "browser": {"ws": False}},
                ("build/index.js", "build/transport.js"))
    assert resolve_id(project, "ws", "node_modules/eio/build/transport.js") == \
        browser_external_id("ws")
    assert resolve(project, "ws") == "node_modules/ws/index.js"  # the app still gets ws


@pytest.mark.parametrize("key", ["./lib/a.js", "lib/a.js", "./lib/a", "lib/a",
                                 "./lib/../lib/a.js", "./lib/./a.js"])
def test_file_keys_with_or_without_dot_slash_and_extension(project: Path, key: str) -> None:
    add_package(project, "pkg", {"browser": {key: "./lib/b.js"}},
                ("index.js", "lib/a.js", "lib/b.js"))
    inside = "node_modules/pkg/index.js"
    for specifier in ("./lib/a.js", "./lib/a"):
        assert resolve(project, specifier, inside) == "node_modules/pkg/lib/b.js"
    assert resolve(project, "pkg/lib/a") == "node_modules/pkg/lib/b.js"  # a deep import too


def test_a_plain_name_key_is_a_package_not_a_file(project: Path) -> None:
    add_package(project, "pkg", {"browser": {"util": False}}, ("index.js", "util.js"))
    inside = "node_modules/pkg/index.js"
    assert resolve(project, "./util", inside) == "node_modules/pkg/util.js"
    assert resolve_id(project, "util", inside) == browser_external_id("util")


def test_replacements_resolve_from_the_package_json(project: Path) -> None:
    add_package(project, "shim", {"main": "index.js"}, ("index.js",))
    add_package(project, "pkg", {"browser": {
        "module-a": "shim",                   # a package, found from pkg's folder
        "./lib/a.js": "./lib/a.js",           # itself: the file as it is
        "./lib/b.js": "./lib/c.js",           # chained: b -> c -> d
        "./lib/c.js": "./lib/d.js",
        "./lib/gone.js": "./lib/missing.js",  # a replacement that does not exist
    }}, ("index.js", "lib/a.js", "lib/b.js", "lib/c.js", "lib/d.js", "lib/gone.js"))
    inside = "node_modules/pkg/index.js"
    assert resolve(project, "module-a", inside) == "node_modules/shim/index.js"
    assert resolve(project, "./lib/a.js", inside) == "node_modules/pkg/lib/a.js"
    assert resolve(project, "./lib/b.js", inside) == "node_modules/pkg/lib/d.js"
    with pytest.raises(ResolveError) as info:
        resolve(project, "./lib/gone.js", inside)
    assert info.value.specifier == "./lib/gone.js"
    assert 'replaces "./lib/gone.js" with "./lib/missing.js": no such file' in info.value.reason


def test_exports_wins_over_main_fields_and_the_map_applies_to_its_file(project: Path) -> None:
    add_package(project, "pkg", {
        "exports": {".": "./dist/node.js", "./sub": "./dist/sub.js"},
        "browser": "./dist/browser-string.js", "module": "./dist/module.js",
    }, ("dist/node.js", "dist/sub.js", "dist/browser-string.js", "dist/module.js"))
    assert resolve(project, "pkg") == "node_modules/pkg/dist/node.js"
    add_package(project, "mapped", {
        "exports": {".": "./dist/node.js", "./sub": "./dist/sub.js"},
        "browser": {"./dist/node.js": "./dist/web.js", "./dist/sub": False},
    }, ("dist/node.js", "dist/web.js", "dist/sub.js"))
    assert resolve(project, "mapped") == "node_modules/mapped/dist/web.js"
    assert resolve_id(project, "mapped/sub") == browser_external_id("mapped/dist/sub.js")


def test_the_nearest_package_json_owns_the_map(project: Path) -> None:
    """Dual packages ship ``build/esm/package.json`` (``"type": "module"``); bundlers take
    the nearest ``package.json``'s browser field, so such a file carries its own."""
    add_package(project, "dual", {"module": "build/esm/index.js", "browser": {
        "./build/esm/node.js": "./build/esm/never.js"}},
        ("build/esm/index.js", "build/esm/node.js", "build/esm/web.js"))
    write(project, {"node_modules/dual/build/esm/package.json": {
        "type": "module", "browser": {"./node.js": "./web.js", "ws": False}}})
    inside = "node_modules/dual/build/esm/index.js"
    assert resolve(project, "./node.js", inside) == "node_modules/dual/build/esm/web.js"
    assert resolve_id(project, "ws", inside) == browser_external_id("ws")


def test_the_apps_own_browser_field_applies_to_its_files(project: Path) -> None:
    write(project, {"package.json": {"name": "app", "browser": {
        "./src/util.js": "./src/lib/index.js", "fs": False}}})
    assert resolve(project, "./util") == "src/lib/index.js"
    assert resolve_id(project, "fs") == browser_external_id("fs")


# -- bare: every exports form ------------------------------------------------------------------

def test_exports_string(project: Path) -> None:
    add_package(project, "pkg", {"exports": "./dist/index.js", "main": "old.js"},
                ("dist/index.js", "old.js"))
    assert resolve(project, "pkg") == "node_modules/pkg/dist/index.js"


def test_exports_conditions_object_uses_the_package_order(project: Path) -> None:
    add_package(project, "pkg", {"exports": {
        "types": "./index.d.ts", "node": "./node.js", "require": "./index.cjs",
        "browser": "./browser.js", "import": "./index.mjs", "default": "./index.js"}},
        ("browser.js", "index.mjs", "index.js", "index.cjs", "node.js"))
    assert resolve(project, "pkg") == "node_modules/pkg/browser.js"


@pytest.mark.parametrize(("condition", "expected"), [
    ("import", "import.js"), ("module", "module.js"), ("production", "prod.js"),
    ("default", "default.js"),
])
def test_exports_each_active_condition(project: Path, condition: str, expected: str) -> None:
    conditions = {"require": "./require.js", "node": "./node.js",
                  "development": "./dev.js", condition: f"./{expected}"}
    add_package(project, "pkg", {"exports": {".": conditions}},
                ("require.js", "node.js", "dev.js", expected))
    assert resolve(project, "pkg") == f"node_modules/pkg/{expected}"


def test_development_condition_in_dev(project: Path) -> None:
    add_package(project, "pkg", {"exports": {"development": "./dev.js",
                                             "production": "./prod.js"}}, ("dev.js", "prod.js"))
    assert resolve(project, "pkg") == "node_modules/pkg/prod.js"
    assert resolve(project, "pkg", conditions=DEV_CONDITIONS) == "node_modules/pkg/dev.js"


def test_exports_nested_conditions(project: Path) -> None:
    add_package(project, "pkg", {"exports": {".": {
        "node": {"import": "./node.mjs"},
        "browser": {"require": "./browser.cjs", "import": "./browser.mjs"},
        "default": "./index.js"}}}, ("node.mjs", "browser.cjs", "browser.mjs", "index.js"))
    assert resolve(project, "pkg") == "node_modules/pkg/browser.mjs"


def test_exports_nested_condition_without_match_falls_through(project: Path) -> None:
    add_package(project, "pkg", {"exports": {"browser": {"require": "./b.cjs"},
                                             "default": "./index.js"}}, ("b.cjs", "index.js"))
    assert resolve(project, "pkg") == "node_modules/pkg/index.js"


def test_exports_subpaths(project: Path) -> None:
    add_package(project, "pkg", {"exports": {
        ".": "./index.js", "./lite": {"import": "./lite/index.mjs", "require": "./lite.cjs"},
        "./package.json": "./package.json"}}, ("index.js", "lite/index.mjs", "lite.cjs"))
    assert resolve(project, "pkg/lite") == "node_modules/pkg/lite/index.mjs"
    assert resolve(project, "pkg/package.json") == "node_modules/pkg/package.json"


def test_exports_subpath_patterns(project: Path) -> None:
    add_package(project, "pkg", {"exports": {
        "./features/*": "./src/features/*.js",
        "./features/*.js": "./src/features/*.js",
        "./features/internal/*": None,
        "./utils/*": {"browser": "./web/*.js", "default": "./node/*.js"}}},
        ("src/features/a.js", "src/features/deep/b.js", "src/features/internal/x.js",
         "web/u.js", "node/u.js"))
    assert resolve(project, "pkg/features/a") == "node_modules/pkg/src/features/a.js"
    assert resolve(project, "pkg/features/a.js") == "node_modules/pkg/src/features/a.js"
    assert resolve(project, "pkg/features/deep/b") == "node_modules/pkg/src/features/deep/b.js"
    assert resolve(project, "pkg/utils/u") == "node_modules/pkg/web/u.js"
    with pytest.raises(ResolveError, match="not exported"):
        resolve(project, "pkg/features/internal/x")


def test_exports_array_fallbacks(project: Path) -> None:
    add_package(project, "pkg", {"exports": {".": [{"worker": "./w.js"}, "./index.js"]}},
                ("w.js", "index.js"))
    assert resolve(project, "pkg") == "node_modules/pkg/index.js"


def test_exports_null_and_unlisted_subpaths_are_not_exported(project: Path) -> None:
    add_package(project, "pkg", {"exports": {".": "./index.js", "./private": None}},
                ("index.js", "private.js", "other.js"))
    for specifier in ("pkg/private", "pkg/other.js"):
        with pytest.raises(ResolveError, match=r"is not exported by pkg/package\.json"):
            resolve(project, specifier)


def test_exports_require_only_is_an_error_naming_the_conditions(project: Path) -> None:
    add_package(project, "pkg", {"exports": {"require": "./index.cjs"}}, ("index.cjs",))
    with pytest.raises(ResolveError, match="conditions browser, module, import"):
        resolve(project, "pkg")


def test_exports_targets_must_stay_in_the_package(project: Path) -> None:
    add_package(project, "pkg", {"exports": {".": "./../../src/util.js"}}, ())
    with pytest.raises(ResolveError, match="leaves the package"):
        resolve(project, "pkg")
    add_package(project, "bad", {"exports": "index.js"}, ("index.js",))
    with pytest.raises(ResolveError, match=r"must start with \./"):
        resolve(project, "bad")


def test_exports_target_missing_on_disk(project: Path) -> None:
    add_package(project, "pkg", {"exports": "./dist/index.js"}, ())
    with pytest.raises(ResolveError, match="does not exist"):
        resolve(project, "pkg")


def test_package_imports_field(project: Path) -> None:
    write(project, {"package.json": {"name": "app", "imports": {
        "#util": "./src/util.js", "#dep": "dep", "#internal/*": "./src/lib/*.js"}}})
    add_package(project, "dep", {"exports": "./index.js"}, ("index.js",))
    assert resolve(project, "#util") == "src/util.js"
    assert resolve(project, "#dep") == "node_modules/dep/index.js"
    assert resolve(project, "#internal/index") == "src/lib/index.js"
    with pytest.raises(ResolveError, match="not defined in the imports"):
        resolve(project, "#nope")


def test_match_exports_sugar_and_priority() -> None:
    assert match_exports("./a.js", ".", BUILD_CONDITIONS) == "./a.js"
    assert match_exports({"import": "./a.mjs"}, ".", BUILD_CONDITIONS) == "./a.mjs"
    exports = {"./*": "./any/*.js", "./a/*": "./a/*.js", "./a/b/*": "./ab/*.js"}
    assert match_exports(exports, "./a/b/c", BUILD_CONDITIONS) == "./ab/c.js"
    assert match_exports(exports, "./a/x", BUILD_CONDITIONS) == "./a/x.js"
    assert match_exports({".": "./a.js"}, "./b", BUILD_CONDITIONS) is None


def test_split_package() -> None:
    assert split_package("@s/p") == ("@s/p", ".")
    assert split_package("p/a/b") == ("p", "./a/b")


# -- sideEffects -------------------------------------------------------------------------------

def test_side_effects_declarations(project: Path) -> None:
    add_package(project, "free", {"sideEffects": False}, ("index.js",))
    add_package(project, "some", {"sideEffects": ["*.css", "./src/polyfill.js"]},
                ("index.js", "src/polyfill.js", "a/b.css"))
    add_package(project, "plain", {}, ("index.js",))
    resolver = Resolver(project)
    modules = project / "node_modules"
    assert resolver.side_effects(modules / "free/index.js") is False
    assert resolver.side_effects(modules / "some/index.js") is False
    assert resolver.side_effects(modules / "some/src/polyfill.js") is True
    assert resolver.side_effects(modules / "some/a/b.css") is True
    assert resolver.side_effects(modules / "plain/index.js") is None


# -- dev server URLs ---------------------------------------------------------------------------

def test_dev_url_for(project: Path, tmp_path: Path) -> None:
    add_package(project, "pkg", {"exports": {"development": "./dev.js", "default": "./p.js"}},
                ("dev.js", "p.js"))
    importer = project / "src/main.js"
    assert dev_url_for("pkg", importer, project) == "/node_modules/pkg/dev.js"
    assert dev_url_for("./util.js", importer, project) is None
    assert dev_url_for("virtual:thing", importer, project) is None
    assert dev_url_for("/src/util.js", importer, project) is None
    outside = write(tmp_path / "shared", {"node_modules/ext/package.json": {"main": "e.js"},
                                          "node_modules/ext/e.js": ""})
    (project / "node_modules/ext").symlink_to(outside / "node_modules/ext")
    assert dev_url_for("ext", importer, project) == \
        "/@fs" + (outside / "node_modules/ext/e.js").resolve().as_posix()
    with pytest.raises(ResolveError):
        dev_url_for("ghost", importer, project)
    add_package(project, "eio", {"main": "index.js", "browser": {"ws": False}}, ("index.js",))
    assert dev_url_for("ws", project / "node_modules/eio/index.js", project) == \
        "/@id/__shaker-browser-external:ws"
