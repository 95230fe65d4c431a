"""Cache outside the repo for the benchmark corpus and the pinned npm tools.

Everything lives under ``${SHAKER_BENCH_CACHE:-~/.cache/shaker-bench}``:
``corpus/`` (built by ``make-corpus.sh``) and ``tools/NAME-VERSION/`` (``npm install``
prefixes). Both are created in a temporary sibling and renamed into place only on
success, so a present directory is always complete.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("SHAKER_BENCH_CACHE", "~/.cache/shaker-bench")).expanduser()
CORPUS = CACHE / "corpus"
ESBUILD_VERSION = "0.28.2"
ACORN_VERSION = "8.19.0"
CORPUS_BUILD_TIMEOUT = 3600
NPM_TIMEOUT = 600


class BenchSetupError(RuntimeError):
    """The corpus or a pinned tool could not be prepared."""


@dataclass(frozen=True)
class CorpusFile:
    """One row of ``MANIFEST.tsv``; ``path`` is relative to the corpus root."""

    part: str
    package: str
    path: str
    bytes: int
    text_hot: int
    ast_hot: int

    @property
    def rel(self) -> str:
        """Path relative to the corpus root."""
        return f"{self.part}/{self.package}/{self.path}"


def shaker_cmd() -> list[str]:
    """The shaker CLI: ``$SHAKER_CMD`` (shell-split) or ``shaker`` beside this Python."""
    if cmd := os.environ.get("SHAKER_CMD"):
        return shlex.split(cmd)
    return [str(Path(sys.executable).parent / "shaker")]


@contextmanager
def _locked(name: str) -> Iterator[None]:
    """Hold an exclusive lock so two runs never build the same cache entry."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f".{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def registry_reachable(timeout: float = 20) -> bool:
    """True if ``npm view`` can read the pinned esbuild version from the registry."""
    if shutil.which("npm") is None:
        return False
    try:
        out = subprocess.run(
            ["npm", "view", f"esbuild@{ESBUILD_VERSION}", "version"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return out.returncode == 0 and out.stdout.strip() == ESBUILD_VERSION


def ensure_corpus() -> Path:
    """Return the corpus root, building it with ``make-corpus.sh`` if absent."""
    with _locked("corpus"):
        if (CORPUS / "MANIFEST.tsv").is_file():
            return CORPUS
        if CORPUS.exists():
            raise BenchSetupError(f"{CORPUS} exists without MANIFEST.tsv; remove it")
        tmp = Path(tempfile.mkdtemp(prefix="corpus.tmp-", dir=CACHE))
        tmp.chmod(0o755)
        log = CACHE / "make-corpus.log"
        try:
            with open(log, "w") as fh:
                done = subprocess.run(
                    ["bash", str(BENCH_DIR / "make-corpus.sh"), str(tmp)],
                    stdout=fh,
                    stderr=subprocess.STDOUT,
                    timeout=CORPUS_BUILD_TIMEOUT,
                    check=False,
                )
            if done.returncode != 0:
                raise BenchSetupError(f"make-corpus.sh failed ({done.returncode}); see {log}")
            tmp.rename(CORPUS)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BenchSetupError(f"make-corpus.sh did not finish: {exc}; see {log}") from exc
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return CORPUS


def read_manifest(corpus: Path) -> list[CorpusFile]:
    """Parse ``corpus/MANIFEST.tsv`` into rows."""
    lines = (corpus / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]
    rows = []
    for line in lines:
        part, package, path, size, text_hot, ast_hot, _sha = line.split("\t")
        rows.append(CorpusFile(part, package, path, int(size), int(text_hot), int(ast_hot)))
    return rows


def ensure_npm_tool(name: str, version: str) -> Path:
    """Install ``name@version`` (exact) once into the cache; return its package directory."""
    prefix = CACHE / "tools" / f"{name.replace('/', '+')}-{version}"
    _npm_install(prefix, [f"{name}@{version}"])
    return prefix / "node_modules" / name


def ensure_npm_tools(label: str, packages: dict[str, str]) -> Path:
    """Install several pinned packages together (``npm install`` resolves them as one project,
    as a user would: plugins next to the tool they plug into) once into the cache under
    ``tools/LABEL-DIGEST`` (the digest covers the pins); return that prefix, whose
    ``node_modules`` holds them all."""
    specs = [f"{name}@{version}" for name, version in sorted(packages.items())]
    digest = hashlib.sha256("\n".join(specs).encode()).hexdigest()[:10]
    prefix = CACHE / "tools" / f"{label}-{digest}"
    _npm_install(prefix, specs)
    return prefix


def _npm_install(prefix: Path, specs: list[str]) -> None:
    """``npm install --save-exact SPECS`` into ``prefix``, once: built in a temporary sibling
    and renamed into place only on success, so a present prefix is complete."""
    with _locked(f"tool-{prefix.name}"):
        if all((prefix / "node_modules" / spec.rpartition("@")[0] / "package.json").is_file()
               for spec in specs):
            return
        prefix.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f"{prefix.name}.tmp-", dir=prefix.parent))
        tmp.chmod(0o755)
        try:
            done = subprocess.run(
                [
                    "npm",
                    "install",
                    "--prefix",
                    str(tmp),
                    "--no-audit",
                    "--no-fund",
                    "--save-exact",
                    *specs,
                ],
                capture_output=True,
                text=True,
                timeout=NPM_TIMEOUT,
                check=False,
            )
            if done.returncode != 0:
                raise BenchSetupError(f"npm install {' '.join(specs)} failed:\n{done.stderr}")
            tmp.rename(prefix)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BenchSetupError(
                f"npm install {' '.join(specs)} did not finish: {exc}") from exc
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
