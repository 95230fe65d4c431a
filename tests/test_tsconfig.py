"""``load_tsconfig``: the nearest file, JSON with comments, ``extends`` chains, located errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shaker.pipeline.tsconfig import TsConfig, TsConfigError, load_tsconfig


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_no_tsconfig_gives_defaults(tmp_path: Path) -> None:
    assert load_tsconfig(tmp_path) == TsConfig()


def test_nearest_file_above_the_directory_with_comments_and_trailing_commas(
        tmp_path: Path) -> None:
    config = write(tmp_path / "tsconfig.json", """{
      // the app
      "compilerOptions": {
        /* JSX */ "jsx": "react-jsx",
        "jsxImportSource": "preact",
        "experimentalDecorators": true,
        "verbatimModuleSyntax": true,
        "strict": true,   // ignored
      },
    }""")
    (tmp_path / "src" / "deep").mkdir(parents=True)
    got = load_tsconfig(tmp_path / "src" / "deep")
    assert got.path == config
    assert (got.jsx, got.jsx_import_source) == ("react-jsx", "preact")
    assert got.experimental_decorators and got.verbatim_module_syntax
    assert got.jsx_factory is None and got.paths == {}


def test_extends_relative_then_own_options_win(tmp_path: Path) -> None:
    write(tmp_path / "configs" / "base.json", json.dumps({"compilerOptions": {
        "jsx": "react", "jsxFactory": "h", "jsxFragmentFactory": "Fragment",
        "baseUrl": "..", "paths": {"@/*": ["src/*"]}}}))
    write(tmp_path / "app" / "tsconfig.json",
          '{"extends": "../configs/base", "compilerOptions": {"jsx": "preserve"}}')
    got = load_tsconfig(tmp_path / "app")
    assert got.jsx == "preserve" and got.jsx_factory == "h"
    assert got.jsx_fragment_factory == "Fragment"
    # baseUrl is relative to the config that set it, not to the one that extends it
    assert got.base_url == tmp_path.resolve()
    assert got.paths == {"@/*": ("src/*",)} and got.paths_base == tmp_path.resolve()
    assert [p.name for p in got.files] == ["tsconfig.json", "base.json"]


def test_paths_without_base_url_resolve_from_the_defining_config(tmp_path: Path) -> None:
    write(tmp_path / "shared" / "paths.json",
          '{"compilerOptions": {"paths": {"~lib": ["./lib/index.ts"]}}}')
    write(tmp_path / "tsconfig.json", '{"extends": "./shared/paths.json"}')
    got = load_tsconfig(tmp_path)
    assert got.base_url is None
    assert got.paths_base == (tmp_path / "shared").resolve()


def test_extends_a_package_and_an_array_later_entries_win(tmp_path: Path) -> None:
    pkg = tmp_path / "node_modules" / "@tsconfig" / "strictest"
    write(pkg / "package.json", '{"name": "@tsconfig/strictest", "tsconfig": "base.json"}')
    write(pkg / "base.json",
          '{"compilerOptions": {"jsx": "react", "experimentalDecorators": true}}')
    write(tmp_path / "node_modules" / "jsxcfg" / "tsconfig.json",
          '{"compilerOptions": {"jsx": "react-jsx", "jsxImportSource": "solid-js"}}')
    write(tmp_path / "node_modules" / "plain" / "tsconfig.node.json",
          '{"compilerOptions": {"verbatimModuleSyntax": true}}')
    write(tmp_path / "web" / "tsconfig.json", json.dumps(
        {"extends": ["@tsconfig/strictest", "jsxcfg", "plain/tsconfig.node"]}))
    got = load_tsconfig(tmp_path / "web")
    assert got.jsx == "react-jsx" and got.jsx_import_source == "solid-js"
    assert got.experimental_decorators and got.verbatim_module_syntax


def test_invalid_json_is_located(tmp_path: Path) -> None:
    write(tmp_path / "tsconfig.json", '{\n  "compilerOptions": {\n    "jsx": react\n  }\n}')
    with pytest.raises(TsConfigError) as raised:
        load_tsconfig(tmp_path)
    assert str(raised.value).startswith(f"{tmp_path / 'tsconfig.json'}:3:12: error: invalid JSON")


def test_missing_and_circular_extends_are_errors(tmp_path: Path) -> None:
    write(tmp_path / "a" / "tsconfig.json", '{"extends": "./nope.json"}')
    with pytest.raises(TsConfigError, match="not found"):
        load_tsconfig(tmp_path / "a")
    write(tmp_path / "b" / "tsconfig.json", '{"extends": "./other"}')
    write(tmp_path / "b" / "other.json", '{"extends": "./tsconfig.json"}')
    with pytest.raises(TsConfigError, match="circular"):
        load_tsconfig(tmp_path / "b")
