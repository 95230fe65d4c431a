"""``shaker build`` inside a root that ``shaker dev`` watches reloads no page.

The real file watcher runs; builds write their staging directory beside the output, rename
it into place and delete the old tree. Then a source file is edited: its hot update must be
the first frame pages get, and a marker sent right after it the second, so nothing the build
wrote reached them (frames arrive in order; a batch sends its page reloads after its update).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from test_server_support import async_test, receive_json, serve, write

from shaker.build.project import BuildOptions, build
from shaker.config import BuildConfig, Config
from shaker.dev.server import BuildOutputs
from shaker.dev.watch import FileChange

PAGE = '<html><head></head><body><script type="module" src="/main.js"></script></body></html>'


def project(root: Path) -> Path:
    return write(root, {
        "index.html": PAGE,
        "sub/page.html": PAGE,
        "main.js": "import './style.css';\nimport.meta.hot.accept();\nconsole.log(1);\n",
        "style.css": "body { color: red }\n",
    })


@pytest.mark.parametrize(
    ("configured", "built"),
    [
        ("dist", "dist"),  # the default
        ("www", "www"),  # build.outdir in the config the dev server loaded too
        ("dist", "other"),  # shaker build --outdir other: unknown to the dev server
        ("dist", "sub/out"),  # nested, beside served pages
    ],
)
@async_test
async def test_builds_into_the_watched_root_reload_no_page(
        tmp_path: Path, configured: str, built: str) -> None:
    root = project(tmp_path / "app")
    async with serve(root, Config(build=BuildConfig(outdir=configured))) as h:
        await h.server.start_watching()
        ws = await h.connected()
        for path in ("/index.html", "/sub/page.html", "/main.js", "/style.css?import"):
            assert (await h.get(path)).status == 200
        for _ in range(2):  # the second build also moves the first one out of the way
            result = await asyncio.to_thread(build, root, BuildOptions(outdir=built))
            assert (result.outdir / "index.html").is_file()
        (root / "main.js").write_text("import './style.css';\nimport.meta.hot.accept();\n"
                                      "console.log(2);\n")
        frame = await receive_json(ws)
        assert frame["type"] == "update", frame
        assert [u["path"] for u in frame["updates"]] == ["/main.js"]
        # page reloads of the batch that carried the edit would follow its update at once
        h.server.ws.send("test:marker", None)
        assert await receive_json(ws) == {"type": "custom", "event": "test:marker", "data": None}
        assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no staging left


def test_build_outputs_learns_an_output_from_its_staging_directory(tmp_path: Path) -> None:
    outputs = BuildOutputs([tmp_path / "dist"])
    changes = [
        FileChange(tmp_path / ".other.shaker-x1y2" / "index.html", "deleted"),
        FileChange(tmp_path / "other" / "index.html", "added"),
        FileChange(tmp_path / "other" / "assets" / "a.js", "added"),
        FileChange(tmp_path / "dist" / "index.html", "modified"),
        FileChange(tmp_path / ".dist.shaker-old-12" / "index.html", "deleted"),
        FileChange(tmp_path / "src" / "main.js", "modified"),
        FileChange(tmp_path / "src" / "other" / "x.js", "modified"),  # not the output
    ]
    assert outputs.filter(changes) == [changes[5], changes[6]]
    assert outputs.dirs == {tmp_path / "dist", tmp_path / "other"}
    later = FileChange(tmp_path / "other" / "index.html", "modified")
    assert outputs.filter([later]) == []
