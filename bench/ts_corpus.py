"""The pinned TypeScript corpus and reference tools, shared by bench/typescript.py and the tests.

The corpus is the ``src/**/*.ts`` of real packages that ship their TypeScript sources in their
npm tarballs (declaration files left out); each package is installed once, exactly pinned,
into the bench cache by ``_cache.ensure_npm_tool`` (so a second run downloads nothing), and so
are the tools shaker is compared with: ts-blank-space (with the TypeScript it runs on) and
esbuild.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from _cache import ESBUILD_VERSION, ensure_npm_tool

# name -> exact version; every one ships src/**/*.ts in its tarball
PACKAGES: dict[str, str] = {
    "zod": "4.6.7",
    "rxjs": "7.8.2",
    "@trpc/server": "11.25.2",
    "@tanstack/query-core": "5.108.4",
    "immer": "11.2.13",
}
TS_BLANK_SPACE_VERSION = "0.9.0"


@dataclass(frozen=True)
class TsFile:
    """One corpus file: the package it comes from and its absolute path."""

    package: str
    path: Path

    @property
    def name(self) -> str:
        """``package/src/relative/path.ts``, for reports."""
        parts = self.path.parts
        return f"{self.package}/{'/'.join(parts[parts.index('src'):])}"


def ensure_ts_corpus() -> list[TsFile]:
    """Every ``.ts`` (not ``.d.ts``) under each pinned package's ``src/``, sorted."""
    files: list[TsFile] = []
    for name, version in PACKAGES.items():
        root = ensure_npm_tool(name, version)
        found = sorted(p for p in (root / "src").rglob("*.ts") if not p.name.endswith(".d.ts"))
        files.extend(TsFile(name, p) for p in found)
    return files


def ensure_esbuild() -> Path:
    """The pinned esbuild binary."""
    return ensure_npm_tool("esbuild", ESBUILD_VERSION) / "bin" / "esbuild"


def ensure_ts_blank_space() -> Path:
    """The pinned ts-blank-space package directory (its ``typescript`` beside it)."""
    return ensure_npm_tool("ts-blank-space", TS_BLANK_SPACE_VERSION)


# Runs ts-blank-space over files listed in a JSON array (argv[2]); writes {file: output or
# null when it refuses the file} to argv[3] and prints the milliseconds spent inside.
TS_BLANK_SPACE_SCRIPT = """
import fs from "node:fs";
import { pathToFileURL } from "node:url";
const { default: tsBlankSpace } = await import(pathToFileURL(process.argv[1] + "/out/index.js"));
const files = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const sources = files.map((f) => fs.readFileSync(f, "utf8"));
const out = {};
const t0 = performance.now();
for (let i = 0; i < files.length; i++) {
  let refused = false;
  const code = tsBlankSpace(sources[i], () => { refused = true; });
  out[files[i]] = refused ? null : code;
}
const ms = performance.now() - t0;
fs.writeFileSync(process.argv[3], JSON.stringify(out));
console.log(ms);
"""
