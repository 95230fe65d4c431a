"""Gzipped size and time of ``shaker minify`` against esbuild ``--minify`` and terser.

Inputs (pinned, from npm, cached by ``_cache.ensure_npm_tool``):

* ``three/build/three.core.js`` (ES module)
* ``vue/dist/vue.esm-browser.js`` (ES module)
* ``react-dom/cjs/react-dom-client.production.js`` (CommonJS: a script for all three tools,
  so no tool renames its top-level names)
* a bundled app: esbuild ``--bundle --format=esm`` of React DOM + zod + date-fns + an entry
  that uses them (ES module)

Every tool runs as a command line (``shaker minify``, ``esbuild``, ``terser -c -m``), best of
``--rounds``, so each pays its own start-up.  Sizes are ``gzip -9`` of the output.  Targets:
size <= 1.05x esbuild's, time <= terser's and <= 5x esbuild's; misses are printed as such.

Usage: ``python bench/minify.py [--rounds N] [--strict]``
"""

from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _cache import ESBUILD_VERSION, BenchSetupError, ensure_npm_tool, shaker_cmd

TERSER = ("terser", "5.51.4")
THREE = ("three", "0.187.0")
VUE = ("vue", "3.5.45")
REACT_DOM = ("react-dom", "19.1.0")
ZOD = ("zod", "4.6.7")
DATE_FNS = ("date-fns", "4.4.0")
SIZE_TARGET = 1.05
ESBUILD_TIME_TARGET = 5.0

APP = """
import { createRoot } from 'react-dom/client';
import { createElement as h, useState } from 'react';
import * as z from 'zod';
import { format, addDays } from 'date-fns';
const Todo = z.object({ title: z.string().min(1), due: z.date() });
function App() {
  const [items, setItems] = useState([]);
  const add = () => setItems([...items, Todo.parse({ title: 'x', due: addDays(new Date(), 1) })]);
  return h('div', null, h('button', { onClick: add }, 'add'),
    h('ul', null, items.map((t, i) => h('li', { key: i }, t.title, format(t.due, 'PP')))));
}
createRoot(document.getElementById('root')).render(h(App));
"""


@dataclass
class Input:
    name: str
    path: Path
    module: bool


@dataclass
class Row:
    name: str
    original: int
    sizes: dict[str, int]
    times: dict[str, float]


def _inputs(work: Path, esbuild: Path) -> list[Input]:
    three = ensure_npm_tool(*THREE) / "build" / "three.core.js"
    vue = ensure_npm_tool(*VUE) / "dist" / "vue.esm-browser.js"
    react_dom = ensure_npm_tool(*REACT_DOM)
    react = react_dom / "cjs" / "react-dom-client.production.js"
    prefixes = [ensure_npm_tool(*REACT_DOM).parents[1] / "node_modules",
                ensure_npm_tool(*ZOD).parents[1] / "node_modules",
                ensure_npm_tool(*DATE_FNS).parents[1] / "node_modules"]
    entry = work / "app.js"
    entry.write_text(APP)
    app = work / "app.bundle.js"
    subprocess.run([str(esbuild), str(entry), "--bundle", "--format=esm",
                    "--define:process.env.NODE_ENV=\"production\"", f"--outfile={app}",
                    "--log-level=warning"], check=True,
                   env={**os.environ, "NODE_PATH": os.pathsep.join(map(str, prefixes))})
    return [Input("three.core.js", three, True), Input("vue.esm-browser.js", vue, True),
            Input("react-dom-client.production.js", react, False),
            Input("app bundle (react-dom+zod+date-fns)", app, True)]


def _time(cmd: list[str], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - started)
    return best


def _gzip(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 9))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    try:
        esbuild_pkg = ensure_npm_tool("esbuild", ESBUILD_VERSION)
        terser_pkg = ensure_npm_tool(*TERSER)
    except BenchSetupError as exc:
        print(f"skipped: {exc}", file=sys.stderr)
        return 0
    esbuild = esbuild_pkg / "bin" / "esbuild"
    terser = terser_pkg / "bin" / "terser"
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="shaker-minify-bench-") as tmp:
        work = Path(tmp)
        try:
            inputs = _inputs(work, esbuild)
        except (BenchSetupError, subprocess.CalledProcessError) as exc:
            print(f"skipped: {exc}", file=sys.stderr)
            return 0
        for item in inputs:
            out = {tool: work / f"{tool}-{item.path.name}" for tool in ("shaker", "esbuild",
                                                                        "terser")}
            commands = {
                "shaker": [*shaker_cmd(), "minify", str(item.path), "-o", str(out["shaker"]),
                           *([] if item.module else ["--script"])],
                "esbuild": [str(esbuild), str(item.path), "--minify", f"--outfile={out['esbuild']}",
                            "--log-level=warning", *(["--format=esm"] if item.module else [])],
                "terser": ["node", str(terser), str(item.path), "-c", "-m", "-o",
                           str(out["terser"]), *(["--module"] if item.module else [])],
            }
            times = {tool: _time(cmd, args.rounds) for tool, cmd in commands.items()}
            sizes = {tool: _gzip(path) for tool, path in out.items()}
            rows.append(Row(item.name, _gzip(item.path), sizes, times))
    missed = _report(rows)
    return 1 if missed and args.strict else 0


def _report(rows: list[Row]) -> int:
    kib = 1024
    print("gzip -9 sizes in KiB, times in seconds (best of rounds, command line)")
    print(f"{'input':38} {'orig':>6} {'shaker':>7} {'esbuild':>7} {'terser':>7} "
          f"{'sh/es':>6} {'t shaker':>8} {'t esb':>6} {'t ters':>6}  targets")
    missed = 0
    for row in rows:
        s, e, t = (row.sizes[k] for k in ("shaker", "esbuild", "terser"))
        ts, te, tt = (row.times[k] for k in ("shaker", "esbuild", "terser"))
        notes = []
        if s > SIZE_TARGET * e:
            notes.append(f"size MISS ({s / e:.3f}x esbuild)")
        if ts > tt:
            notes.append("slower than terser")
        if ts > ESBUILD_TIME_TARGET * te:
            notes.append(f"time MISS ({ts / te:.0f}x esbuild)")
        missed += len(notes)
        print(f"{row.name:38} {row.original / kib:6.1f} {s / kib:7.1f} {e / kib:7.1f} "
              f"{t / kib:7.1f} {s / e:6.3f} {ts:8.2f} {te:6.2f} {tt:6.2f}  "
              f"{'; '.join(notes) or 'met'}")
    return missed


if __name__ == "__main__":
    sys.exit(main())
