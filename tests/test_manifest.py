"""``manifest.json`` in Vite's format, checked the way django-vite reads it.

``DjangoViteLike`` below follows django-vite's manifest client (reference/peers.md §4.2): keep
only the fields it knows, index every chunk by key and by ``name``, and render an entry as
its stylesheets (recursively through ``imports``, each once), its module script and a
``modulepreload`` per imported chunk.
"""

from __future__ import annotations

import doctest
import json
from pathlib import Path
from typing import Any

import pytest

import shaker.build.manifest
from shaker.build.manifest import MANIFEST_FIELDS, Chunk, build_manifest, entry_tags, to_json
from shaker.build.project import BuildOptions, build

DJANGO_VITE_FIELDS = {"file", "name", "src", "isEntry", "isDynamicEntry", "css", "imports",
                      "dynamicImports"}


class DjangoViteLike:
    """What django-vite's ManifestClient does with the file (fields, name index, tags)."""

    def __init__(self, path: Path, static_url: str = "/static/") -> None:
        raw = json.loads(path.read_text())
        self.static_url = static_url
        self.entries: dict[str, dict[str, Any]] = {}
        for key, value in raw.items():
            chunk = {k: v for k, v in value.items() if k in DJANGO_VITE_FIELDS}
            self.entries[key] = chunk
            if "name" in chunk:
                self.entries.setdefault(chunk["name"], chunk)

    def asset_tags(self, path: str) -> list[str]:
        entry = self.entries[path]
        tags: list[str] = []
        css_seen: set[str] = set()

        def stylesheets(chunk: dict[str, Any], seen: set[str]) -> None:
            for css in chunk.get("css", []):
                if css not in css_seen:
                    css_seen.add(css)
                    tags.append(f'<link rel="stylesheet" href="{self.static_url}{css}">')
            for key in chunk.get("imports", []):
                if key not in seen:
                    seen.add(key)
                    stylesheets(self.entries[key], seen)

        stylesheets(entry, set())
        tags.append(f'<script type="module" crossorigin src="{self.static_url}{entry["file"]}">'
                    "</script>")
        for key in entry.get("imports", []):
            tags.append(f'<link rel="modulepreload" crossorigin '
                        f'href="{self.static_url}{self.entries[key]["file"]}">')
        return tags


def write(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


@pytest.fixture
def built(tmp_path: Path) -> Path:
    project = write(tmp_path / "app", {
        "index.html": ('<link rel="stylesheet" href="/src/theme.css">'
                       '<script type="module" src="/src/main.js"></script>'),
        "src/main.js": ('import "./main.css";\nimport { util } from "./util.js";\n'
                        'import data from "./data.json";\nimport logo from "./logo.svg";\n'
                        'util(data, logo);\nexport const page = () => import("./page.js");\n'
                        'if (import.meta.hot) { import.meta.hot.accept() }\n'),
        "src/util.js": 'import "./util.css";\nexport function util() {}\n',
        "src/page.js": 'import { util } from "./util.js";\nexport default util;\n',
        "src/main.css": "body { color: red }", "src/util.css": ".u { color: blue }",
        "src/theme.css": "html { background: url(./logo.svg) }",
        "src/data.json": '{"a": 1}', "src/logo.svg": "<svg/>",
    })
    build(project, BuildOptions(manifest=True, bundle=False))
    return project / "dist"


def test_doctests() -> None:
    assert doctest.testmod(shaker.build.manifest).failed == 0


def test_written_in_both_places(built: Path) -> None:
    assert (built / "manifest.json").read_bytes() == (built / ".vite/manifest.json").read_bytes()
    assert (built / "manifest.json").read_text().endswith("}\n")


def test_fields_and_references_are_vites(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text())
    assert list(manifest) == sorted(manifest)
    for key, chunk in manifest.items():
        assert set(chunk) <= set(MANIFEST_FIELDS) and "file" in chunk, key
        assert (built / chunk["file"]).is_file(), chunk["file"]
        for ref in chunk.get("imports", []) + chunk.get("dynamicImports", []):
            assert ref in manifest, ref
        for path in chunk.get("css", []) + chunk.get("assets", []):
            assert (built / path).is_file()
        if key.startswith("_"):
            assert "src" not in chunk
        else:
            assert chunk["src"] == key
    main = manifest["src/main.js"]
    assert main["isEntry"] is True and main["name"] == "main"
    assert main["file"].startswith("assets/main-") and main["file"].endswith(".js")
    assert "src/util.js" in main["imports"] and "src/data.json" in main["imports"]
    assert main["dynamicImports"] == ["src/page.js"]
    assert [css.split("-")[0] for css in main["css"]] == ["assets/main"]
    assert manifest["src/page.js"]["isDynamicEntry"] is True
    assert "isEntry" not in manifest["src/util.js"]
    assert manifest["src/theme.css"]["isEntry"] is True
    assert manifest["src/theme.css"]["assets"] == [manifest["src/logo.svg"]["file"]]


def test_django_vite_renders_an_entry(built: Path) -> None:
    client = DjangoViteLike(built / "manifest.json")
    manifest = json.loads((built / "manifest.json").read_text())
    tags = client.asset_tags("src/main.js")
    assert client.entries["main"] is client.entries["src/main.js"]  # looked up by name too
    css = [t for t in tags if "stylesheet" in t]
    assert len(css) == 2 and "/static/assets/main-" in css[0] and "/static/assets/util-" in css[1]
    assert tags[2] == (f'<script type="module" crossorigin src="/static/'
                       f'{manifest["src/main.js"]["file"]}"></script>')
    assert sum("modulepreload" in t for t in tags) == len(manifest["src/main.js"]["imports"])
    assert entry_tags(manifest, "src/main.js", base="/static/")[:3] == tags[:3]


def test_entry_tags_handles_cycles_and_unknown_keys() -> None:
    manifest = build_manifest({
        "a.js": Chunk("assets/a-1.js", src="a.js", is_entry=True, imports=["b.js"],
                      css=["assets/a.css"]),
        "b.js": Chunk("assets/b-2.js", src="b.js", imports=["a.js"], css=["assets/a.css"]),
    })
    assert entry_tags(manifest, "a.js") == [
        '<link rel="stylesheet" href="/assets/a.css">',
        '<script type="module" crossorigin src="/assets/a-1.js"></script>',
        '<link rel="modulepreload" crossorigin href="/assets/b-2.js">',
    ]
    with pytest.raises(KeyError, match="source paths"):
        entry_tags(manifest, "main.js")


def test_chunk_json_leaves_out_empty_fields() -> None:
    chunk = Chunk("assets/x-1.js", imports=["a", "a"])
    assert chunk.to_json() == {"file": "assets/x-1.js", "imports": ["a"]}
    assert to_json({"k": chunk.to_json()}).startswith('{\n  "k": {\n    "file"')
