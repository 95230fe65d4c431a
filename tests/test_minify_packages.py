"""Differential execution of real npm packages, minified and not, under Node.

Each pinned package is installed once (``bench/_cache.py``), copied twice into a temporary
directory, and in one copy every ``.js``/``.mjs``/``.cjs`` file of every installed package
is replaced by its minified form, which must pass ``node --check``.  A check script then runs
in both copies and must print the same thing: a smaller output that changes behaviour is a
bug.  Files are minified as ES modules when Node would load them as such (``.mjs``, or the
nearest package.json says ``"type": "module"``), else as scripts (CommonJS is a function
body, so script rules are the conservative choice).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from shaker.errors import ShakerSyntaxError
from shaker.js.minify import minify
from shaker.js.parse import parse
from shaker.source import Source

ROOT = Path(__file__).resolve().parent.parent
NODE = shutil.which("node")

pytestmark = [pytest.mark.network, pytest.mark.node,
              pytest.mark.skipif(NODE is None, reason="node is not installed")]

THREE = """
import * as T from 'three';
const v = new T.Vector3(1, 2, 3).applyMatrix4(new T.Matrix4().makeRotationY(0.5));
const q = new T.Quaternion().setFromEuler(new T.Euler(0.1, 0.2, 0.3));
const box = new T.BoxGeometry(1, 2, 3, 2, 2, 2); box.computeBoundingSphere();
const c = new T.Color('#ff8800').offsetHSL(0.1, 0, 0);
const m = new T.Mesh(box, new T.MeshBasicMaterial({color: 0x123456}));
m.position.set(1, 2, 3); m.rotation.x = 1; m.updateMatrixWorld();
const b3 = new T.Box3().setFromObject(m);
const curve = new T.CatmullRomCurve3([new T.Vector3(), new T.Vector3(1, 1, 0),
                                      new T.Vector3(2, 0, 1)]);
console.log(JSON.stringify([v.toArray(), q.toArray(), box.boundingSphere.radius,
  box.attributes.position.count, c.getHexString(), b3.min.toArray(), b3.max.toArray(),
  curve.getPointAt(0.3).toArray(), T.MathUtils.smoothstep(0.3, 0, 1), m.toJSON().object.type,
  new T.Spherical().setFromVector3(v).phi, T.REVISION]));
"""
VUE = """
const { compile } = require('@vue/compiler-dom');
for (const t of ['<div v-if="a" :class="{x: b}" @click="go(1)">{{ msg.toUpperCase() }}</div>',
                 '<ul><li v-for="(x, i) in items" :key="x.id">{{ i }}: {{ x.name }}</li></ul>',
                 '<input v-model="text"><slot name="s" :v="1"/><comp v-bind="attrs"/>']) {
  console.log(compile(t, { hoistStatic: true, mode: 'module' }).code);
}
"""
REACT = """
const React = require('react');
const { renderToString, renderToStaticMarkup } = require('react-dom/server');
const h = React.createElement;
function List({ items }) {
  const [n] = React.useState(items.length);
  return h('ul', { className: 'l', 'data-n': n }, items.map((x) => h('li', { key: x }, x, '<&>')));
}
console.log(renderToString(h('div', { style: { marginTop: 3, color: 'red' } },
  h(List, { items: ['a', 'b'] }), h('input', { value: 'v', readOnly: true }),
  h(React.Fragment, null, 'text', 42))));
console.log(renderToStaticMarkup(h('svg', { viewBox: '0 0 1 1' }, h('path', { d: 'M0 0' }))));
"""
ZOD = """
import * as z from 'zod';
const User = z.object({ name: z.string().min(2), age: z.number().int().positive().optional(),
  tags: z.array(z.enum(['a', 'b'])).default([]), email: z.email() });
for (const v of [{ name: 'Al', email: 'a@b.co' }, { name: 'A', age: -1, tags: ['c'],
                  email: 'x' }]) {
  const r = User.safeParse(v);
  console.log(JSON.stringify(r.success ? r.data : r.error.issues.map((i) => [i.path, i.code])));
}
console.log(JSON.stringify(z.toJSONSchema(User)));
"""
LODASH = """
import { chunk, debounce, groupBy, merge, cloneDeep, template, sortBy, uniqBy, camelCase,
  isEqual, get, set, partition, zip, range, memoize } from 'lodash-es';
const o = { a: [{ b: 1 }, { c: 2 }] };
console.log(JSON.stringify([chunk(range(10), 3), groupBy([1.2, 1.5, 2.1], Math.floor),
  merge({ a: { x: 1 } }, { a: { y: 2 } }), cloneDeep(o), sortBy([3, 1, 2]),
  uniqBy([{ i: 1 }, { i: 1 }, { i: 2 }], 'i'), camelCase('foo-bar baz'),
  isEqual(o, cloneDeep(o)), get(o, 'a[1].c'), set({}, 'x.y[0]', 5),
  partition([1, 2, 3], (n) => n % 2),
  zip([1, 2], ['a', 'b']), template('hi <%= user %>!')({ user: 'bob' }),
  memoize((n) => n * 2)(21), typeof debounce(() => 0, 10)]));
"""
DATE_FNS = """
import { format, addDays, differenceInCalendarDays, parseISO, formatDistance, startOfWeek,
  eachDayOfInterval, isWeekend, formatISO } from 'date-fns';
const d = parseISO('2024-02-27T10:20:30Z');
console.log(JSON.stringify([format(d, "yyyy-MM-dd'T'HH:mm EEEE do MMMM"), formatISO(addDays(d, 3)),
  differenceInCalendarDays(addDays(d, 40), d), formatDistance(d, addDays(d, 9)),
  format(startOfWeek(d), 'PPpp'), eachDayOfInterval({ start: d, end: addDays(d, 4) })
    .map((x) => isWeekend(x))]));
"""
PREACT = """
import { h, Fragment, Component } from 'preact';
import { useState, useMemo } from 'preact/hooks';
import { renderToString } from 'preact-render-to-string';
function Counter({ start }) { const [n] = useState(start); const sq = useMemo(() => n * n, [n]);
  return h('p', { class: 'c', 'data-x': n }, 'n=', n, ' sq=', sq); }
class Box extends Component { render({ children }) { return h('div', { style: { padding: 2 } },
  children); } }
console.log(renderToString(h(Box, null, h(Counter, { start: 4 }), h(Fragment, null, '<b>', null,
  false, [1, 2]), h('input', { value: 'x', disabled: true }))));
"""

# package, version, check script, script kind.
PACKAGES = [
    ("three", "0.187.0", THREE, "mjs"),
    ("@vue/compiler-dom", "3.5.45", VUE, "cjs"),
    ("react-dom", "19.1.0", REACT, "cjs"),
    ("zod", "4.6.7", ZOD, "mjs"),
    ("lodash-es", "4.18.1", LODASH, "mjs"),
    ("date-fns", "4.4.0", DATE_FNS, "mjs"),
    ("preact-render-to-string", "6.8.2", PREACT, "mjs"),
]


def _install(name: str, version: str) -> Path:
    sys.path.insert(0, str(ROOT / "bench"))
    from _cache import BenchSetupError, ensure_npm_tool

    try:
        return ensure_npm_tool(name, version)
    except BenchSetupError as exc:
        pytest.skip(f"{name}@{version} not available: {exc}")


def _is_module(path: Path, source: bytes) -> bool:
    """Whether Node loads ``path`` as an ES module; bundler-only builds (``.esm-bundler.js``
    with ``import``/``export`` in a CommonJS package) count as modules too."""
    if b"import" in source or b"export" in source:
        try:
            root = parse(Source(str(path), source)).root_node
        except ShakerSyntaxError:
            return False
        if any(c.type in ("import_statement", "export_statement") for c in root.children):
            return True
    if path.suffix == ".mjs":
        return True
    if path.suffix == ".cjs":
        return False
    for parent in path.parents:
        manifest = parent / "package.json"
        if manifest.is_file():
            try:
                return bool(json.loads(manifest.read_text()).get("type") == "module")
            except (ValueError, OSError):
                return False
    return False


def _minify_tree(modules: Path) -> list[str]:
    """Minify every JavaScript file under ``modules`` in place; return the failures."""
    failures: list[str] = []
    files = [p for p in sorted(modules.rglob("*"))
             if p.suffix in (".js", ".mjs", ".cjs") and p.is_file() and not p.is_symlink()]
    kinds: list[tuple[str, bool]] = []
    for path in files:
        source = path.read_bytes()
        is_module = _is_module(path, source)
        kinds.append((str(path), is_module))
        try:
            result = minify(source, filename=str(path), module=is_module)
        except ShakerSyntaxError:
            continue  # the grammar does not take it (Flow, JSX, ...): leave it as it is
        path.write_text(result.code, encoding="utf-8")
    # `node --check` many files at once: one process that compiles each as its kind.
    checker = modules.parent / "check-all.cjs"
    checker.write_text(_CHECKER)
    listing = modules.parent / "files.json"
    listing.write_text(json.dumps(kinds))
    done = subprocess.run([NODE or "node", "--experimental-vm-modules", "--no-warnings",
                           str(checker), str(listing)], capture_output=True,
                          text=True, timeout=600, check=False)
    failures.extend(line for line in done.stdout.splitlines() if line)
    if done.returncode != 0 and not failures:
        failures.append(done.stderr[-2000:])
    return failures


_CHECKER = r"""
const fs = require('fs'), vm = require('vm');
for (const [file, isModule] of JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))) {
  const code = fs.readFileSync(file, 'utf8').replace(/^#!.*/, '');
  try {
    if (isModule) new vm.SourceTextModule(code, { identifier: file });
    else new vm.Script('(function(exports, require, module, __filename, __dirname){' + code +
                       '\n})', { filename: file });
  } catch (e) { console.log(file + ': ' + e.message); }
}
"""


def _run(prefix: Path, script: str, kind: str) -> subprocess.CompletedProcess[str]:
    path = prefix / f"check.{kind}"
    path.write_text(script)
    return subprocess.run([NODE or "node", "--experimental-vm-modules", str(path)],
                          capture_output=True, text=True, timeout=300, cwd=prefix,
                          check=False,
                          env={"TZ": "UTC", "PATH": "/usr/bin:/bin", "NODE_ENV": "production"})


_LONG = frozenset({"three", "date-fns", "react-dom", "@vue/compiler-dom"})
"""Packages whose every file takes seconds to minify and check: in ``make test-slow``."""


@pytest.mark.parametrize(("name", "version", "script", "kind"), [
    pytest.param(*p, marks=[pytest.mark.slow] if p[0] in _LONG else [], id=p[0])
    for p in PACKAGES])
def test_package_minified_behaves_the_same(tmp_path: Path, name: str, version: str,
                                           script: str, kind: str) -> None:
    package = _install(name, version)
    prefix = package.parents[1] if not name.startswith("@") else package.parents[2]
    original = tmp_path / "original"
    minified = tmp_path / "minified"
    shutil.copytree(prefix, original, symlinks=True)
    if name == "react-dom":  # npm installed the newest react as the peer: pin the same one
        react = _install("react", version)
        shutil.rmtree(original / "node_modules" / "react")
        shutil.copytree(react, original / "node_modules" / "react", symlinks=True)
    shutil.copytree(original, minified, symlinks=True)
    failures = _minify_tree(minified / "node_modules")
    assert not failures, "minified files that do not compile:\n" + "\n".join(failures[:20])
    before = _run(original, script, kind)
    assert before.returncode == 0, before.stderr
    assert before.stdout.strip()
    after = _run(minified, script, kind)
    assert after.returncode == 0, after.stderr
    assert after.stdout == before.stdout
