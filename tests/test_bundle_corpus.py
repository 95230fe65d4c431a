"""The module-graph stress corpus (``bundle_corpus.py``) must behave the same built as written.

Why: ``shaker build`` is getting a scope-hoisting, tree-shaking linker, and its hardest
obligations (evaluation order, cycles and the temporal dead zone, live bindings, ``export *``,
namespace objects, default exports, name collisions, top-level ``await``, dynamic imports)
are only observable by running code.  Each case runs under Node as written (``node main.js``)
and as built (the manifest's ``main.js`` file, in a ``dist/`` with ``"type": "module"``); the
printed lines and the exit status must be equal.  Four builds per case: unbundled and bundled,
each with and without minifying; the bundled ones are skipped until ``BuildOptions`` has its
``bundle`` field.  The cases are generated into a temporary directory, never the repository.

Starting Node costs about 60 ms, a process per run would cost more than the rest together:
the runs share a few driver processes, which import one entry after the other; a run that
does not end well there (a thrown error, a hang) is run again alone with ``node main.js``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from bundle_corpus import Case, all_cases, write_case

from shaker.build.project import BuildOptions, build

NODE = shutil.which("node")
TIMEOUT = 30.0
WORKERS = max(2, os.cpu_count() or 2)

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(NODE is None, reason="node is not installed: the corpus runs under it"),
]

CASES = all_cases()
BY_NAME = {case.name: case for case in CASES}
HAS_BUNDLE = "bundle" in {f.name for f in dataclasses.fields(BuildOptions)}

# name -> (bundle, minify)
VARIANTS = {
    "unbundled": (False, False),
    "unbundled-min": (False, True),
    "bundled": (True, False),
    "bundled-min": (True, True),
}

# (case, variant) -> why today's build prints something else; xfail(strict=True), so that a
# fix shows up as an unexpected pass and its entry goes.
_BOTH = ("bundled", "bundled-min")
_REASONS: dict[str, tuple[tuple[str, ...], str]] = {
    "names_of_declarations": (
        ("unbundled-min", "bundled-min"),
        "the minifier renames named function expressions (`function inner() {}` becomes "
        "`function o() {}`), and in a bundle also top-level functions and classes, so "
        "`.name` changes (terser's default without keep_fnames does the same)"),
    "names_of_default_exports": (
        _BOTH,
        "the linker declares an anonymous default export under its local name "
        "(`function f_default() {}`), so its `.name` is `f_default`, not `default`"),
    "tla_siblings_interleave": (
        _BOTH,
        "modules with top-level await are flattened into one: a sibling without await runs "
        "after the awaiting module ends instead of while it waits (Rollup and esbuild too)"),
}
KNOWN_FAILURES: dict[tuple[str, str], str] = {
    (name, variant): reason
    for name, (variants, reason) in _REASONS.items() for variant in variants
}


@dataclass(frozen=True)
class Ran:
    """What one Node run printed and how it ended."""

    stdout: str
    stderr: str
    status: int


# Runs entries one after the other in one process: each is imported with `import()`, its
# printed lines are framed by marker lines, and a rejected import counts as exit status 1.
# Leftover tasks get one macrotask turn to finish before the next case starts.
MARK = "\0corpus "
DRIVER = r"""
const MARK = "\u0000corpus ";
for (const [id, url] of JSON.parse(process.argv[2])) {
  delete globalThis.__corpusLate;
  console.log(MARK + JSON.stringify({ id }));
  let status = 0, error = "";
  try { await import(url); } catch (e) { status = 1; error = String(e && e.stack || e); }
  await new Promise((resolve) => setTimeout(resolve, 0));
  console.log(MARK + JSON.stringify({ id, status, error }));
}
"""


def _env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("NODE_")}


def _node(cwd: Path, script: Path) -> Ran:
    """``node script`` in ``cwd``: the exact run, used when the driver's run is not enough."""
    try:
        done = subprocess.run([NODE or "node", str(script)], cwd=cwd, env=_env(),
                              capture_output=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return Ran("", f"timed out after {TIMEOUT} s", -1)
    return Ran(done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"),
               done.returncode)


def _drive(driver: Path, jobs: dict[str, tuple[Path, Path]]) -> dict[str, Ran]:
    """Run ``jobs`` (id -> (cwd, script)) in one driver process.

    A run that ended well in the driver is kept; every other (a thrown error, a driver that
    died or hung on it) is run again on its own with ``node script``, whose exit status and
    output are the reference, and so is everything after it that the driver did not finish.
    """
    listing = [[key, script.as_uri()] for key, (_, script) in jobs.items()]
    try:
        done = subprocess.run([NODE or "node", str(driver), json.dumps(listing)],
                              env=_env(), capture_output=True, timeout=TIMEOUT * 4,
                              check=False)
        stdout = done.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as timeout:
        stdout = (timeout.stdout or b"").decode("utf-8", "replace")
    runs: dict[str, Ran] = {}
    current: str | None = None
    lines: list[str] = []
    for line in stdout.split("\n")[:-1]:
        if line.startswith(MARK):
            record = json.loads(line[len(MARK):])
            if "status" not in record:
                current, lines = record["id"], []
            elif current is not None and record["id"] == current and record["status"] == 0:
                runs[current] = Ran("".join(lines), "", 0)
                current = None
            continue
        lines.append(line + "\n")
    for key, job in jobs.items():
        if key not in runs:
            runs[key] = _node(*job)
    return runs


def _build(case: Case, root: Path, bundle: bool, minify: bool) -> Path:
    """Build ``case`` (already written at ``root``); the entry's output file."""
    bundle_kw = {"bundle": bundle} if HAS_BUNDLE else {}
    build(root, BuildOptions(entries=("main.js",), manifest=True, outdir="dist", minify=minify,
                             **bundle_kw))  # type: ignore[arg-type]
    dist = root / "dist"
    (dist / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    manifest = json.loads((dist / ".vite" / "manifest.json").read_text(encoding="utf-8"))
    return dist / manifest["main.js"]["file"]


class Corpus:
    """The corpus written once per kind of run (``source`` or a variant), and run.

    On first use everything runs: the builds here, one after the other, while Node runs what
    is already built in driver processes beside them (``WORKERS`` at a time).
    """

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.driver = tmp / "driver.mjs"
        self.driver.write_text(DRIVER, encoding="utf-8")
        self._runs: dict[str, dict[str, Ran | str]] | None = None

    def runs(self, kind: str) -> dict[str, Ran | str]:
        """Case name -> its run, or why it could not run (a build error, as text)."""
        if self._runs is None:
            self._runs = self._run_all()
        return self._runs[kind]

    def _run_all(self) -> dict[str, dict[str, Ran | str]]:
        kinds = ["source"] + [v for v, (bundle, _) in VARIANTS.items() if HAS_BUNDLE or not bundle]
        outcome: dict[str, dict[str, Ran | str]] = {kind: {} for kind in kinds}
        pending = []
        with ThreadPoolExecutor(WORKERS) as pool:
            for kind in kinds:
                jobs: dict[str, tuple[Path, Path]] = {}
                for case in CASES:
                    root = write_case(case, self.tmp / kind / case.name)
                    if kind == "source":
                        jobs[case.name] = (root, root / "main.js")
                        continue
                    try:
                        jobs[case.name] = (root, _build(case, root, *VARIANTS[kind]))
                    except Exception:
                        outcome[kind][case.name] = (
                            "the build failed:\n" + traceback.format_exc(limit=-3))
                names = list(jobs)
                for part in range(WORKERS):
                    chunk = {name: jobs[name] for name in names[part::WORKERS]}
                    pending.append((kind, pool.submit(_drive, self.driver, chunk)))
            for kind, future in pending:
                outcome[kind].update(future.result())
        return outcome


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return Corpus(tmp_path_factory.mktemp("bundle-corpus"))


def _sources(case: Case) -> str:
    return "".join(f"--- {name} ---\n{text}" for name, text in case.files.items())


@pytest.mark.parametrize("name", list(BY_NAME))
def test_sources_run_as_stated(corpus: Corpus, name: str) -> None:
    """Under Node as written: the stated exit status, clean stderr, the stated output."""
    case = BY_NAME[name]
    ran = corpus.runs("source")[name]
    assert isinstance(ran, Ran)
    assert ran.status == case.status, f"{_sources(case)}--- stderr ---\n{ran.stderr}"
    if case.status == 0:
        assert ran.stderr == "", ran.stderr
    assert ran.stdout, "a case must print something"
    if case.expect is not None:
        assert ran.stdout == case.expect


def _params() -> list[object]:
    params: list[object] = []
    for variant in VARIANTS:
        for case in CASES:
            reason = KNOWN_FAILURES.get((case.name, variant))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            params.append(pytest.param(case.name, variant, marks=marks,
                                       id=f"{case.name}-{variant}"))
    return params


@pytest.mark.parametrize(("name", "variant"), _params())
def test_build_behaves_like_sources(corpus: Corpus, name: str, variant: str) -> None:
    """Built (bundled or not, minified or not): the same output and exit status as written."""
    if VARIANTS[variant][0] and not HAS_BUNDLE:
        pytest.skip("bundling not merged yet")
    case = BY_NAME[name]
    before = corpus.runs("source")[name]
    after = corpus.runs(variant)[name]
    assert isinstance(before, Ran)
    assert isinstance(after, Ran), after
    entry = sorted((corpus.tmp / variant / name / "dist").rglob("main-*.js"))
    built = "".join(f"--- built {p.name} ---\n{p.read_text(encoding='utf-8')}\n" for p in entry)
    assert (after.stdout, after.status) == (before.stdout, before.status), (
        f"{_sources(case)}{built}--- built stderr ---\n{after.stderr[-2000:]}")
