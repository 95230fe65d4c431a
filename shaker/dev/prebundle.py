"""Dependency pre-bundling for ``shaker dev`` (Vite's dependency optimization).

A page that imports ``lodash-es`` would otherwise load its 640 modules one request each, and
``react`` with ``react-dom/client`` would run as dozens of CommonJS wrappers.  At start the
dev server:

1. **scans** the app's own modules (never those under ``node_modules``) from the entries it
   knows (the module scripts of the HTML pages, or ``build.entries``) through the shared
   pipeline, and collects every bare import that resolves into ``node_modules`` (a package
   linked from elsewhere, a workspace, resolves outside it and is left alone), plus
   ``optimize_deps.include``, minus ``optimize_deps.exclude``;
2. **links** them all in one call of the linker (``shaker.bundle.link``), every dependency an
   entry, so code they share (React) lands in shared chunks: one React for ``react``,
   ``react-dom/client`` and ``react/jsx-runtime``;
3. **writes** the chunks to ``node_modules/.shaker/deps/`` (``react-dom_client.js``,
   ``chunk-<hash>.js``) with ``_metadata.json``, through a temporary directory renamed into
   place, so a crash never leaves half a cache.

The cache key (:func:`cache_key`) hashes the lockfiles, the versions of the pre-bundled
packages, the mode and defines, the ``optimize_deps`` settings and shaker's version; a start
whose key matches (and whose scan finds nothing new) reuses the files without linking;
``shaker dev --force`` ignores them.  The files are served at
``/node_modules/.shaker/deps/<file>?v=<key8>`` as immutable (a new key is a new URL); chunks
import each other with the same query, so every URL of one file is one module instance.

A bare import first met while the server runs (a new ``import`` in the app) is served
unbundled at once, and the dependencies are linked again with it; then every page reloads.
A dependency that cannot be linked is logged and served unbundled, as without pre-bundling.

Everything slow (scan, transforms, link, writes) runs in the dev server's worker thread, a
batch of modules per job, so the event loop keeps answering and module builds interleave.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from shaker.bundle import link as link_modules
from shaker.bundle.model import Link, LinkOptions, LinkResult, ModuleInput
from shaker.dev.imports import ImportWriter, under_base
from shaker.pipeline.html import parse_html
from shaker.pipeline.kinds import module_kind
from shaker.pipeline.pages import find_pages, page_specifier
from shaker.pipeline.pipeline import Pipeline, PipelineOptions, new_resolver
from shaker.pipeline.plugins import PluginContainer
from shaker.pipeline.record import Target
from shaker.pipeline.resolve import is_package, is_url, split_package, split_query
from shaker.source import Source

logger = logging.getLogger("shaker")

DEPS_DIR = Path("node_modules", ".shaker", "deps")
"""Where the pre-bundled files live, relative to the project root."""
DEPS_URL = "/node_modules/.shaker/deps/"
METADATA = "_metadata.json"
LOCKFILES = ("package-lock.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb")
IMMUTABLE = "max-age=31536000,immutable"
LINK_TIMEOUT = 600.0
"""Seconds the link job may take in the worker thread (a large dependency graph)."""
JOB_TIMEOUT = 120.0
"""Seconds one batch of transforms may take in the worker thread."""
BATCH = 48
"""Modules transformed per worker job: module builds of the page interleave between them."""
DISCOVERY_DELAY = 0.15
"""Seconds to wait for more new imports (one page load meets several) before linking again."""
_NODE_MODULES = f"{os.sep}node_modules{os.sep}"

Run = Callable[[Callable[..., Any], tuple[Any, ...], float], Awaitable[Any]]
"""``run(fn, args, timeout)``: ``fn(*args)`` in the worker thread."""


def shaker_version() -> str:
    try:
        return metadata.version("shaker")
    except metadata.PackageNotFoundError:
        return "0"


def default_link() -> Link:
    """The linker pre-bundling uses unless one is injected: ``shaker.bundle.link``."""
    return link_modules


def flatten_id(specifier: str) -> str:
    """The file stem of a dependency, as Vite names it.

    >>> flatten_id("react-dom/client"), flatten_id("@scope/pkg/sub"), flatten_id("lodash.get")
    ('react-dom_client', '@scope_pkg_sub', 'lodash__get')
    """
    return specifier.replace("/", "_").replace(":", "_").replace(".", "__")


def is_bare(specifier: str) -> bool:
    """A package specifier (``react``, ``@s/p/sub``): not relative, absolute, a URL or ``#x``.

    >>> [is_bare(s) for s in ("react", "@s/p/x", "./a", "/a", "#x", "https://x", "a?raw")]
    [True, True, False, False, False, False, False]
    """
    return is_package(specifier) and not specifier.startswith(("#", "\0", "@/")) \
        and not is_url(specifier) and not split_query(specifier)[1] and specifier != ""


def in_node_modules(id: str) -> bool:
    return _NODE_MODULES in id


def package_dir(id: str) -> str | None:
    """The directory of the package a file under ``node_modules`` belongs to.

    >>> package_dir("/p/node_modules/@s/x/dist/a.js"), package_dir("/p/node_modules/a/b.js")
    ('/p/node_modules/@s/x', '/p/node_modules/a')
    """
    cut = id.rfind(_NODE_MODULES)
    if cut < 0:
        return None
    rest = id[cut + len(_NODE_MODULES):].split(os.sep)
    count = 2 if rest[0].startswith("@") else 1
    if len(rest) <= count:
        return None
    return id[:cut + len(_NODE_MODULES)] + os.sep.join(rest[:count])


def package_version(id: str) -> str:
    """``name@version`` of the package that holds ``id`` (``?`` when unknown)."""
    directory = package_dir(id)
    if directory is None:
        return "?"
    try:
        data = json.loads(Path(directory, "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"{os.path.basename(directory)}@?"
    return f"{data.get('name', '?')}@{data.get('version', '?')}"


def excluded(specifier: str, exclude: Iterable[str]) -> bool:
    """Whether ``optimize_deps.exclude`` names the specifier or its package.

    >>> excluded("react-dom/client", ["react-dom"]), excluded("react", ["react-dom"])
    (True, False)
    """
    names = set(exclude)
    return specifier in names or split_package(specifier)[0] in names


def lockfile_hash(root: Path) -> str:
    """A hash of every lockfile of the nearest directory (the root or above) that has one."""
    digest = hashlib.sha256()
    for directory in (root, *root.parents):
        found = [directory / name for name in LOCKFILES if (directory / name).is_file()]
        if found:
            for path in found:
                digest.update(path.name.encode() + b"\0")
                try:
                    digest.update(path.read_bytes())
                except OSError:
                    digest.update(b"?")
            break
    return digest.hexdigest()


def cache_key(root: Path, sources: Mapping[str, str], *, mode: str,
              define: Mapping[str, str], include: Iterable[str] = (),
              exclude: Iterable[str] = (), version: str | None = None) -> str:
    """The key of a pre-bundle: lockfiles, the pre-bundled packages' versions, the mode and
    defines, the ``optimize_deps`` settings and shaker's version.  ``sources`` maps each
    dependency specifier to the file it resolved to."""
    data = {
        "lock": lockfile_hash(root),
        "deps": sorted(sources),
        "versions": sorted({package_version(id) for id in sources.values()}),
        "mode": mode,
        "define": sorted(define.items()),
        "include": sorted(include),
        "exclude": sorted(exclude),
        "shaker": version if version is not None else shaker_version(),
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class DepsMetadata:
    """``_metadata.json``: what a pre-bundle holds and the key it was made for."""

    hash: str
    optimized: dict[str, str] = field(default_factory=dict)
    """Specifier → file name (``react-dom_client.js``)."""
    sources: dict[str, str] = field(default_factory=dict)
    """Specifier → the file it resolved to, relative to the root."""
    chunks: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    """Specifier → why it is served unbundled (it did not transform or link)."""
    version: str = ""

    @property
    def browser_hash(self) -> str:
        return self.hash[:8]

    def to_json(self) -> str:
        return json.dumps({
            "hash": self.hash, "browserHash": self.browser_hash, "shaker": self.version,
            "optimized": {s: {"file": f, "src": self.sources.get(s, "")}
                          for s, f in sorted(self.optimized.items())},
            "chunks": sorted(self.chunks), "failed": dict(sorted(self.failed.items())),
        }, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> DepsMetadata:
        data = json.loads(text)
        optimized = data["optimized"]
        return cls(str(data["hash"]), {s: str(v["file"]) for s, v in optimized.items()},
                   {s: str(v["src"]) for s, v in optimized.items()},
                   [str(c) for c in data.get("chunks", ())],
                   {str(k): str(v) for k, v in data.get("failed", {}).items()},
                   str(data.get("shaker", "")))

    @property
    def specifiers(self) -> set[str]:
        return {*self.optimized, *self.failed}


def read_metadata(deps_dir: Path) -> DepsMetadata | None:
    """The cache on disk, or None (none, unreadable, or a file it names is missing)."""
    try:
        found = DepsMetadata.from_json((deps_dir / METADATA).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    files = {*found.optimized.values(), *found.chunks}
    if not all((deps_dir / name).is_file() for name in files):
        return None
    return found


def write_atomically(deps_dir: Path, files: Mapping[str, str], meta: DepsMetadata) -> None:
    """Replace ``deps_dir`` by ``files`` and ``_metadata.json``: written into a temporary
    sibling, then renamed into place; the old directory is renamed away before, and removed
    after.  A crash leaves the old cache, no cache, or the new one: never half of one."""
    parent = deps_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=deps_dir.name + "_temp_", dir=parent))
    try:
        tmp.chmod(0o755)  # mkdtemp's 0700 is for secrets; this is node_modules
        for name, code in files.items():
            (tmp / name).write_text(code, encoding="utf-8", errors="surrogatepass")
        (tmp / METADATA).write_text(meta.to_json(), encoding="utf-8")  # last: the proof
        old: Path | None = None
        if deps_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=deps_dir.name + "_old_", dir=parent))
            old.rmdir()
            deps_dir.rename(old)
        tmp.rename(deps_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def find_entries(root: Path, entries: Iterable[str], outdir: str = "dist") -> list[Path]:
    """The files the scan starts from: ``build.entries``; the default (``index.html``) means
    every page under the root, as the build finds them."""
    entries = tuple(entries)
    if entries != ("index.html",):
        return [p for p in ((root / e).resolve() for e in entries) if p.is_file()]
    return find_pages(root, (root / outdir, root / "public"))


# -- the scan (worker thread) ---------------------------------------------------------------


def scan(pipeline: Pipeline, entries: Iterable[Path]) -> dict[str, str]:
    """Bare imports of the app's own modules that resolve into ``node_modules``: specifier →
    the file.  A module that fails to build is skipped (its resolved imports still count)."""
    found: dict[str, str] = {}
    seen: set[str] = set()
    pending: deque[str] = deque()

    def write(target: Target, specifier: str, as_module: bool) -> None:
        if not as_module or target.kind != "js":
            return None
        if in_node_modules(target.id) and not target.virtual:
            if is_bare(specifier):
                found.setdefault(specifier, target.id)
        elif target.id not in seen:
            seen.add(target.id)
            pending.append(target.id)
        return None

    for entry in entries:
        path = str(entry)
        if path.endswith((".html", ".htm")):
            try:
                text = pipeline.load(path).text
            except Exception as exc:
                logger.debug("pre-bundle scan: %s: %s", path, exc)
                continue
            for ref in parse_html(text).refs:
                if ref.kind == "inline-module":
                    _scan_one(pipeline, Source(path, ref.value.encode(
                        "utf-8", "surrogatepass")), path, write)
                elif ref.kind in ("module-script", "modulepreload"):
                    value = ref.value.strip()
                    if not value or is_url(value):
                        continue
                    specifier = page_specifier(value)
                    try:
                        target = pipeline.resolve(specifier, path)
                    except Exception:
                        continue
                    if target is not None:
                        write(target, "./", True)
        elif path not in seen:
            seen.add(path)
            pending.append(path)
    while pending:
        id = pending.popleft()
        try:
            source = pipeline.load(id)
        except Exception as exc:
            logger.debug("pre-bundle scan: %s: %s", id, exc)
            continue
        _scan_one(pipeline, source, id, write)
    return found


def _scan_one(pipeline: Pipeline, source: Source, id: str,
              write: Callable[[Target, str, bool], None]) -> None:
    try:
        pipeline.javascript(source, id, write, sourcemap=False)
    except Exception as exc:
        logger.debug("pre-bundle scan: %s: %s", id, exc)


# -- the link (worker thread) ---------------------------------------------------------------


class DepCrawl:
    """The dependencies' modules through the pipeline, ready for the linker.

    Each resolved import is written as a unique placeholder that ``ModuleInput.imports`` maps
    back to the target's id.  What the link does not take (a stylesheet, an asset, a plugin's
    virtual module, an excluded package, a file outside ``node_modules``) is written as the
    URL the dev server serves it at, and mapped to None."""

    def __init__(self, pipeline: Pipeline, root: Path, base: str,
                 exclude: Iterable[str] = ()) -> None:
        self.pipeline = pipeline
        self.root = root
        self.base = base
        self.exclude = frozenset(exclude)
        self.modules: dict[str, ModuleInput] = {}
        self.errors: dict[str, str] = {}
        self.pending: deque[str] = deque()
        self._seen: set[str] = set()
        self._names: dict[str, str] = {}
        self._external = ImportWriter("/@deps", root=root, base=base, timestamps=lambda u: 0)

    def add(self, id: str) -> None:
        if id not in self._seen:
            self._seen.add(id)
            self.pending.append(id)

    def _linked(self, target: Target) -> bool:
        if target.virtual:
            return target.kind == "empty"
        if target.query or target.kind not in ("js", "json"):
            return False
        if not in_node_modules(target.id):
            return False
        directory = package_dir(target.id)
        name = directory.split(_NODE_MODULES)[-1].replace(os.sep, "/") if directory else ""
        return name not in self.exclude

    def _placeholder(self, id: str) -> str:
        name = self._names.get(id)
        if name is None:
            name = self._names[id] = f"__shaker_dep_{len(self._names)}__"
        return name

    def step(self, budget: int = BATCH) -> bool:
        """Transform up to ``budget`` modules; whether the crawl is complete."""
        while self.pending and budget > 0:
            budget -= 1
            self._one(self.pending.popleft())
        return not self.pending

    def _one(self, id: str) -> None:
        imports: dict[str, str | None] = {}

        def write(target: Target, specifier: str, as_module: bool) -> str | None:
            if as_module and self._linked(target):
                text = self._placeholder(target.id)
                imports[text] = target.id
                self.add(target.id)
                return text
            text = self._external(target, specifier, as_module)
            if as_module:
                imports[text] = None
            return text

        pipeline = self.pipeline
        try:
            if id.startswith("\0") or not os.path.isabs(id):  # a browser-external stand-in
                record = pipeline.empty(id)
            elif module_kind(id) == "json":
                record = pipeline.json(pipeline.load(id), id)
            else:
                record = pipeline.javascript(pipeline.load(id), id, write, sourcemap=False,
                                             url=self._external.url_of(Target(id, "js")))
        except Exception as exc:
            self.errors[id] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return
        for ref in record.imports:
            if ref.target is None:
                imports.setdefault(ref.specifier, None)
        name = package_dir(id)
        self.modules[id] = ModuleInput(id, record.code, imports, record.side_effects,
                                       os.path.basename(name) if name else "")

    def reaches(self, entry: str) -> set[str]:
        """The modules ``entry`` reaches through linked imports."""
        seen = {entry}
        stack = [entry]
        while stack:
            module = self.modules.get(stack.pop())
            if module is None:
                continue
            for target in module.imports.values():
                if target is not None and target not in seen:
                    seen.add(target)
                    stack.append(target)
        return seen


@dataclass
class Bundle:
    """What one pre-bundle run produced: the files, and the metadata naming them."""

    files: dict[str, str]
    meta: DepsMetadata


class ChunkNames:
    """File names of the chunks: ``<flattened specifier>.js`` for an entry, else
    ``chunk-<hash>.js``; each written with ``?v=<key8>`` where chunks import each other."""

    def __init__(self, entries: Mapping[str, str], key: str) -> None:
        self.entries = dict(entries)
        """Entry module id → file name."""
        self.key = key

    def file(self, chunk_id: str) -> str:
        name = self.entries.get(chunk_id)
        if name is None:
            digest = hashlib.sha256(f"{self.key}:{chunk_id}".encode()).hexdigest()[:8]
            name = f"chunk-{digest}.js"
        return name

    def specifier(self, chunk_id: str) -> str:
        return f"./{self.file(chunk_id)}?v={self.key[:8]}"


def link_deps(link: Link, crawl: DepCrawl, sources: Mapping[str, str], key: str,
              *, root: Path, version: str) -> Bundle:
    """Link every dependency in one call; a dependency that cannot be linked is left out
    (logged) and the others linked without it.  Runs in the worker thread."""
    failed: dict[str, str] = {}
    by_id: dict[str, list[str]] = {}
    for specifier, id in sources.items():
        bad = next((crawl.errors[m] for m in sorted(crawl.reaches(id)) if m in crawl.errors),
                   None)
        if id not in crawl.modules or bad is not None:
            failed[specifier] = bad or "not transformed"
            continue
        by_id.setdefault(id, []).append(specifier)
    names: dict[str, str] = {}
    used: set[str] = set()
    for id, specifiers in by_id.items():
        stem = flatten_id(sorted(specifiers, key=len)[0])
        name = f"{stem}.js"
        n = 1
        while name.lower() in used or name == METADATA:
            n += 1
            name = f"{stem}{n}.js"
        used.add(name.lower())
        names[id] = name
    chunk_names = ChunkNames(names, key)
    options = LinkOptions(chunk_specifier=chunk_names.specifier)
    entries = list(by_id)
    result: LinkResult | None = None
    if entries:
        try:
            result = link(crawl.modules, entries, options)
        except Exception as exc:
            logger.debug("pre-bundle: the link failed (%s); linking each dependency alone", exc)
            good = []
            for id in entries:
                try:
                    link(crawl.modules, [id], options)
                except Exception as one:
                    for specifier in by_id[id]:
                        failed[specifier] = f"{type(one).__name__}: {one}".splitlines()[0]
                else:
                    good.append(id)
            entries = good
            if entries:
                try:
                    result = link(crawl.modules, entries, options)
                except Exception as again:
                    for id in entries:
                        for specifier in by_id[id]:
                            failed[specifier] = f"{type(again).__name__}: {again}"
                    entries, result = [], None
    files: dict[str, str] = {}
    optimized: dict[str, str] = {}
    relative: dict[str, str] = {}
    if result is not None:
        for chunk in result.chunks:
            files[chunk_names.file(chunk.id)] = chunk.code
        for id in entries:
            chunk_id = result.entry_chunks.get(id, id)
            for specifier in by_id[id]:
                optimized[specifier] = chunk_names.file(chunk_id)
                relative[specifier] = os.path.relpath(id, root).replace(os.sep, "/")
        for warning in result.warnings:
            logger.debug("pre-bundle: %s", warning.message)
    chunks = sorted(set(files) - set(optimized.values()))
    meta = DepsMetadata(key, optimized, relative, chunks, failed, version)
    return Bundle(files, meta)


# -- the dev server's side ------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """What the pre-bundler is told by the server and config."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    entries: tuple[str, ...] = ("index.html",)
    outdir: str = "dist"
    force: bool = False
    disabled: bool = False


class Prebundler:
    """The dev server's pre-bundled dependencies: first at start, again when the app meets a
    new bare import; ``url_for`` is what import rewriting asks."""

    def __init__(self, root: Path, options: PipelineOptions, plugins: PluginContainer | None,
                 run: Run, link: Link | None, settings: Settings = Settings(), *,
                 on_rebundle: Callable[[list[str]], None] | None = None) -> None:
        self.root = root
        self.deps_dir = root / DEPS_DIR
        self.options = options
        self.plugins = plugins
        self.run = run
        self.link = link
        self.settings = settings
        self.on_rebundle = on_rebundle
        """Called on the loop after a re-bundle with the new specifiers (the server clears
        its module cache and reloads the pages)."""
        self._state: tuple[DepsMetadata | None, dict[str, str]] = (None, {})
        """The metadata in use and file → pre-bundled file name: replaced as one, since the
        worker thread reads it while the loop may swap it."""
        self.sources: dict[str, str] = {}
        """Every dependency specifier known (pre-bundled or failed) → its file."""
        self.ready = asyncio.Event()
        self.links = 0
        """Link calls made (a warm start makes none)."""
        self._discovered: dict[str, str] = {}
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = asyncio.Lock()
        self.version = shaker_version()
        if not self.enabled:
            self.ready.set()

    @property
    def enabled(self) -> bool:
        return self.link is not None and not self.settings.disabled

    @property
    def meta(self) -> DepsMetadata | None:
        """What is pre-bundled now (None before the first pre-bundle)."""
        return self._state[0]

    def pipeline(self) -> Pipeline:
        return Pipeline(self.options, self.plugins, new_resolver(self.options))

    # -- import rewriting (any thread) --

    def url_for(self, target: Target, specifier: str, importer: str) -> str | None:
        """The URL of the pre-bundled file for an import, or None (served as it is).  An app
        module's bare import into ``node_modules`` that is not pre-bundled yet is noted: the
        dependencies are linked again with it."""
        if not self.enabled or not is_bare(specifier) or target.virtual or target.query:
            return None
        meta, by_id = self._state
        if meta is not None:
            name = by_id.get(target.id)
            if name is not None:
                return f"{DEPS_URL}{name}?v={meta.browser_hash}"
        if (self.ready.is_set() and in_node_modules(target.id) and target.kind == "js"
                and "/node_modules/" not in importer and specifier not in self.sources
                and not excluded(specifier, self.settings.exclude)):
            loop = self._loop
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(self._discover, specifier, target.id)
        return None

    def file(self, name: str) -> Path | None:
        """The pre-bundled file a URL names (``react.js``), or None."""
        meta = self.meta
        if meta is None or "/" in name or "\\" in name or name.startswith("."):
            return None
        if name not in meta.optimized.values() and name not in meta.chunks:
            return None
        path = self.deps_dir / name
        return path if path.is_file() else None

    # -- lifecycle (the loop) --

    def start(self) -> None:
        """Scan and pre-bundle in the background; ``ready`` is set when done (or failed)."""
        if not self.enabled or self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._initial(), name="shaker-prebundle")

    async def close(self) -> None:
        task, self._task = self._task, None
        self._loop = None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def wait(self) -> None:
        """Until the first pre-bundle is done (module requests wait for it: no reload)."""
        if not self.ready.is_set():
            await self.ready.wait()

    async def _initial(self) -> None:
        try:
            async with self._lock:
                plan: _Plan = await self.run(self._plan_start, (), LINK_TIMEOUT)
                if plan.reuse is not None:
                    self._use(plan.reuse, plan.wanted)
                    logger.info("pre-bundled dependencies reused: %s", self._shown())
                elif not plan.wanted:
                    self._use(DepsMetadata(plan.key), {})
                else:
                    await self._bundle(plan.pipeline, plan.wanted, plan.key)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("dependency pre-bundling failed; dependencies are served "
                             "unbundled")
        finally:
            self.ready.set()

    def _plan_start(self) -> _Plan:
        """(worker) Reuse the cache when its key still holds (no scan: as Vite, a warm start
        trusts it, and imports it lacks are found as modules are served); else scan the
        app and say what to link."""
        settings = self.settings
        pipeline = self.pipeline()
        cached = None if settings.force else read_metadata(self.deps_dir)
        if cached is not None:
            previous = {s: i for s, i in self._resolve_all(pipeline, cached.specifiers).items()
                        if not excluded(s, settings.exclude)}
            if self._key(previous) == cached.hash:
                return _Plan(pipeline, previous, cached.hash, cached)
        entries = find_entries(self.root, settings.entries, settings.outdir)
        found = scan(pipeline, entries)
        wanted = {s: i for s, i in found.items() if not excluded(s, settings.exclude)}
        for specifier in settings.include:
            if specifier not in wanted and not excluded(specifier, settings.exclude):
                id = self._resolve(pipeline, specifier)
                if id is not None:
                    wanted[specifier] = id
                else:
                    logger.warning("optimize_deps.include: %s does not resolve into "
                                   "node_modules; not pre-bundled", specifier)
        if cached is not None:  # stale: keep what was there, add what the scan found
            wanted = {**previous, **wanted}
        return _Plan(pipeline, wanted, self._key(wanted))

    def _resolve(self, pipeline: Pipeline, specifier: str) -> str | None:
        try:
            target = pipeline.resolve(specifier, str(self.root / "index.html"))
        except Exception:
            return None
        if target is None or target.virtual or target.kind != "js" \
                or not in_node_modules(target.id):
            return None
        return target.id

    def _resolve_all(self, pipeline: Pipeline, specifiers: Iterable[str]) -> dict[str, str]:
        out = {}
        for specifier in sorted(specifiers):
            id = self._resolve(pipeline, specifier)
            if id is not None:
                out[specifier] = id
        return out

    def _key(self, sources: Mapping[str, str]) -> str:
        return cache_key(self.root, sources, mode=self.options.mode,
                         define=self.options.all_defines, include=self.settings.include,
                         exclude=self.settings.exclude, version=self.version)

    def _use(self, meta: DepsMetadata, sources: Mapping[str, str]) -> None:
        self.sources = {**self.sources, **dict(sources)}
        self._state = (meta, {sources[s]: name for s, name in meta.optimized.items()
                              if s in sources})

    def _shown(self) -> str:
        meta = self.meta
        if meta is None or not meta.optimized:
            return "none"
        names = sorted(meta.optimized)
        return ", ".join(names[:8]) + (f", … {len(names) - 8} more" if len(names) > 8 else "")

    async def _bundle(self, pipeline: Pipeline, wanted: Mapping[str, str], key: str) -> None:
        assert self.link is not None
        crawl = DepCrawl(pipeline, self.root, self.options.base, self.settings.exclude)
        for id in dict.fromkeys(wanted.values()):
            crawl.add(id)
        while not await self.run(crawl.step, (), JOB_TIMEOUT):
            pass
        self.links += 1
        bundle: Bundle = await self.run(_link_and_write, (
            self.link, crawl, dict(wanted), key, self.root, self.version, self.deps_dir),
            LINK_TIMEOUT)
        for specifier, reason in sorted(bundle.meta.failed.items()):
            logger.warning("could not pre-bundle %s (%s): it is served unbundled",
                           specifier, reason)
        self._use(bundle.meta, wanted)
        logger.info("pre-bundled %d dependencies: %s", len(bundle.meta.optimized), self._shown())

    # -- new imports while running --

    def _discover(self, specifier: str, id: str) -> None:
        if specifier in self.sources or specifier in self._discovered or self._loop is None:
            return
        self._discovered[specifier] = id
        logger.info("new dependency found: %s; pre-bundling again", specifier)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._rebundle(), name="shaker-prebundle")

    async def _rebundle(self) -> None:
        await self.ready.wait()
        await asyncio.sleep(DISCOVERY_DELAY)
        try:
            async with self._lock:
                while self._discovered:
                    new, self._discovered = self._discovered, {}
                    new = {s: i for s, i in new.items() if s not in self.sources}
                    if not new:
                        continue
                    plan: _Plan = await self.run(self._plan_more, (new,), LINK_TIMEOUT)
                    await self._bundle(plan.pipeline, plan.wanted, plan.key)
                    if self.on_rebundle is not None:
                        self.on_rebundle(sorted(new))
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("dependency pre-bundling failed; new dependencies are served "
                             "unbundled")

    def _plan_more(self, new: Mapping[str, str]) -> _Plan:
        """(worker) What to link when ``new`` dependencies joined the known ones."""
        pipeline = self.pipeline()
        wanted = {**self._resolve_all(pipeline, self.sources), **new}
        return _Plan(pipeline, wanted, self._key(wanted))


@dataclass
class _Plan:
    pipeline: Pipeline
    wanted: dict[str, str]
    key: str
    reuse: DepsMetadata | None = None


def _link_and_write(link: Link, crawl: DepCrawl, sources: dict[str, str], key: str, root: Path,
                    version: str, deps_dir: Path) -> Bundle:
    bundle = link_deps(link, crawl, sources, key, root=root, version=version)
    write_atomically(deps_dir, bundle.files, bundle.meta)
    return bundle


def deps_url(name: str, meta: DepsMetadata, base: str = "/") -> str:
    """The URL a pre-bundled file is served at."""
    return under_base(f"{DEPS_URL}{name}?v={meta.browser_hash}", base)


__all__ = ["DEPS_DIR", "DEPS_URL", "IMMUTABLE", "DepCrawl", "DepsMetadata", "Prebundler",
           "Settings", "cache_key", "deps_url", "find_entries", "flatten_id", "is_bare",
           "link_deps", "read_metadata", "scan", "write_atomically"]
