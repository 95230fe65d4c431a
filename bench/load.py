"""Many WebSocket clients and slowloris connections against ``shaker dev`` and Vite 8, in one run.

    python bench/load.py [--clients 2000] [--slowloris 500] [--requests 200] [--quick]

Each server runs alone (shaker first, then Vite), on loopback, serving the same generated
app (``app_gen.py``, ``--modules`` modules). Against each, in order:

1. **idle**: ``--requests`` sequential GETs of one module over a keep-alive connection
   (p50 and p95 latency) and the server's RSS (every process in its process group: Vite's
   node and esbuild, shaker's Python).
2. **+ clients**: ``--clients`` hot-channel WebSockets (the real subprotocol and token, read
   from the served client), each reading and discarding what it gets; latency and RSS again.
   Then ``src/hot.js`` is edited three times and the time until every client has received
   the update is recorded (fan-out).
3. **+ slowloris**: ``--slowloris`` connections that send a request head one byte every
   ``TRICKLE`` seconds and never finish it; latency and RSS again, and how many of them the
   server has closed ``SLOW_WAIT`` seconds later (shaker's header timeout is 10 s; Node's
   ``headersTimeout`` is 60 s, checked every 30 s).
4. **shutdown**: SIGTERM with every client still connected; the time until the process
   group has exited.

The soft file-descriptor limit is raised to the hard limit first (the servers inherit it);
``--clients`` is cut to what the limit allows. Load and measurements share this process's
event loop, so latencies include its own scheduling (the same for both servers).
Exit status 2 when the setup failed (no node, no Vite in the cache and no registry).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _cache import BenchSetupError, ensure_npm_tool
from app_gen import generate_app, write_hot
from hmr import VITE_VERSION, Tool, clear_vite_cache, free_port, running, shaker_command, vite_tools

TRICKLE = 2.0
SLOW_WAIT = 15.0
CONNECT_CONCURRENCY = 200
FANOUT_TIMEOUT = 30.0
SHUTDOWN_TIMEOUT = 30.0


@dataclass
class Figures:
    latency: dict[str, tuple[float, float]] = field(default_factory=dict)
    rss: dict[str, float] = field(default_factory=dict)
    clients_open: int = 0
    clients_left: int = 0
    fanout_ms: list[float] = field(default_factory=list)
    fanout_missed: int = 0
    slow_open: int = 0
    slow_closed: int = 0
    shutdown_ms: float = 0.0
    notes: list[str] = field(default_factory=list)


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def group_rss_mib(pgid: int) -> float:
    """Resident memory of every process in the process group ``pgid``, in MiB."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:  # pgrp is the 5th field, the 3rd after the name
                continue
            with open(f"/proc/{entry}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1024


def group_alive(pgid: int) -> bool:
    """Whether a process of the group ``pgid`` still runs (zombies, exited but not yet
    reaped by the bench's ``Popen``, do not count)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def server_pgid(port: int) -> int:
    """The process group of the server listening on ``port`` (spawned in its own session)."""
    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True,
                         check=False).stdout
    match = re.search(r"pid=(\d+)", out)
    if match is None:
        raise BenchSetupError(f"nothing listens on {port}")
    return os.getpgid(int(match.group(1)))


async def http_get(port: int, path: str) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
                 .encode())
    data = await reader.read()
    writer.close()
    return data


async def latency(port: int, path: str, count: int) -> tuple[float, float]:
    """(p50, p95) ms of ``count`` sequential GETs on one keep-alive connection (a new one
    whenever the server closes it)."""
    samples: list[float] = []
    reader = writer = None
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: */*\r\n\r\n").encode()
    while len(samples) < count:
        if writer is None or writer.is_closing():
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert reader is not None
        began = time.perf_counter()
        writer.write(request)
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
        except (asyncio.IncompleteReadError, ConnectionError, AttributeError):
            writer.close()
            writer = None
            continue
        samples.append((time.perf_counter() - began) * 1000)
    if writer is not None:
        writer.close()
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


class WsClient:
    """A hot-channel client that reads and discards frames, noting when ``hot.js`` appears."""

    def __init__(self) -> None:
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.seen_at: float | None = None
        self.closed = False
        self.task: asyncio.Task[None] | None = None

    async def open(self, port: int, path: str, protocol: str) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        self.writer.write((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                           f"Sec-WebSocket-Protocol: {protocol}\r\n\r\n").encode())
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 30)
        if not head.startswith(b"HTTP/1.1 101"):
            raise BenchSetupError(f"upgrade refused: {head[:80]!r}")
        self.task = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        assert self.reader is not None
        try:
            while chunk := await self.reader.read(65536):
                if b"hot.js" in chunk and self.seen_at is None:
                    self.seen_at = time.perf_counter()
        except ConnectionError:
            pass
        self.closed = True

    def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.writer is not None:
            self.writer.transport.abort()


class Slowloris:
    """A request head that never ends: one more header byte every ``TRICKLE`` seconds."""

    def __init__(self) -> None:
        self.closed_by_server = False
        self.task: asyncio.Task[None] | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self, port: int) -> None:
        reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        self.writer.write(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-A: ".encode())
        self.task = asyncio.ensure_future(self._trickle(reader))

    async def _trickle(self, reader: asyncio.StreamReader) -> None:
        assert self.writer is not None
        watcher = asyncio.ensure_future(reader.read())
        try:
            while not watcher.done():
                self.writer.write(b"a")
                await asyncio.wait({watcher}, timeout=TRICKLE)
            self.closed_by_server = True
        except ConnectionError:
            self.closed_by_server = True
        finally:
            watcher.cancel()

    def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.writer is not None:
            self.writer.transport.abort()


async def gather_limited(coros: list, limit: int) -> list:
    semaphore = asyncio.Semaphore(limit)

    async def one(coro):  # type: ignore[no-untyped-def]
        async with semaphore:
            return await coro

    return await asyncio.gather(*(one(c) for c in coros), return_exceptions=True)


async def measure(tool: Tool, kind: str, args: argparse.Namespace) -> Figures:
    figures = Figures()
    port = tool.port
    pgid = server_pgid(port)
    module = "/src/mods/m0001.js"
    # Warm the module graph (both servers send updates only for modules a page loaded).
    tree = [f"/src/mods/m{n:04d}.js" for n in range(max(1, args.modules - 2))]
    for path in ("/", "/src/main.js", *tree, "/src/hot.js"):
        await http_get(port, path)
    if kind == "shaker":
        client = (await http_get(port, "/@shaker/client")).decode("utf-8", "replace")
        token = re.search(r'"wsToken": "([^"]+)"', client).group(1)  # type: ignore[union-attr]
        ws_path, protocol = f"/@shaker/ws?token={token}", "shaker-hmr"
    else:
        client = (await http_get(port, "/@vite/client")).decode("utf-8", "replace")
        token = re.search(r'wsToken = "([^"]+)"', client).group(1)  # type: ignore[union-attr]
        ws_path, protocol = f"/?token={token}", "vite-hmr"

    figures.latency["idle"] = await latency(port, module, args.requests)
    figures.rss["idle"] = group_rss_mib(pgid)

    clients = [WsClient() for _ in range(args.clients)]
    results = await gather_limited([c.open(port, ws_path, protocol) for c in clients],
                                   CONNECT_CONCURRENCY)
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        figures.notes.append(f"{len(failures)} WebSocket(s) failed to open: {failures[0]!r}")
    live = [c for c, r in zip(clients, results, strict=True) if not isinstance(r, BaseException)]
    figures.clients_open = len(live)
    figures.latency["+ clients"] = await latency(port, module, args.requests)
    figures.rss["+ clients"] = group_rss_mib(pgid)

    for version in range(1, 4):
        for c in live:
            c.seen_at = None
        written = time.perf_counter()
        write_hot(tool.app, version)
        deadline = written + FANOUT_TIMEOUT
        while time.perf_counter() < deadline and any(c.seen_at is None for c in live):
            await asyncio.sleep(0.01)
        seen = [c.seen_at for c in live if c.seen_at is not None]
        figures.fanout_missed += len(live) - len(seen)
        if seen:
            figures.fanout_ms.append((max(seen) - written) * 1000)
        await asyncio.sleep(0.3)

    slow = [Slowloris() for _ in range(args.slowloris)]
    results = await gather_limited([s.open(port) for s in slow], CONNECT_CONCURRENCY)
    figures.slow_open = sum(1 for r in results if not isinstance(r, BaseException))
    figures.latency["+ slowloris"] = await latency(port, module, args.requests)
    figures.rss["+ slowloris"] = group_rss_mib(pgid)
    await asyncio.sleep(SLOW_WAIT)
    figures.slow_closed = sum(1 for s in slow if s.closed_by_server)
    figures.latency[f"+ slowloris, {SLOW_WAIT:g} s later"] = await latency(port, module,
                                                                           args.requests)
    figures.clients_left = sum(1 for c in live if not c.closed)
    figures.rss["end"] = group_rss_mib(pgid)

    began = time.perf_counter()
    os.killpg(pgid, signal.SIGTERM)
    while time.perf_counter() - began < SHUTDOWN_TIMEOUT and group_alive(pgid):
        await asyncio.sleep(0.01)
    figures.shutdown_ms = (time.perf_counter() - began) * 1000
    if figures.shutdown_ms >= SHUTDOWN_TIMEOUT * 1000:
        figures.notes.append(f"did not exit within {SHUTDOWN_TIMEOUT:g} s of SIGTERM")
    for c in live:
        c.close()
    for s in slow:
        s.close()
    return figures


def report(results: dict[str, Figures], args: argparse.Namespace) -> None:
    names = list(results)
    print()
    print(f"  {'':<44}" + "".join(f"{n:>16}" for n in names))

    def row(label: str, values: list[str]) -> None:
        print(f"  {label:<44}" + "".join(f"{v:>16}" for v in values))

    for phase in results[names[0]].latency:
        row(f"GET latency p50 / p95 (ms), {phase}",
            [f"{results[n].latency[phase][0]:.1f} / {results[n].latency[phase][1]:.1f}"
             for n in names])
    for phase in results[names[0]].rss:
        row(f"RSS (MiB), {phase}", [f"{results[n].rss[phase]:.0f}" for n in names])
    row("WebSockets open", [f"{results[n].clients_open}" for n in names])
    row("  still open at the end", [f"{results[n].clients_left}" for n in names])
    row("update fan-out to all clients (ms, max)",
        [f"{max(results[n].fanout_ms):.0f}" if results[n].fanout_ms else "-" for n in names])
    row("  client updates missed", [f"{results[n].fanout_missed}" for n in names])
    row(f"slowloris opened / closed by {SLOW_WAIT:g} s",
        [f"{results[n].slow_open} / {results[n].slow_closed}" for n in names])
    row("SIGTERM → exit, clients connected (ms)",
        [f"{results[n].shutdown_ms:.0f}" for n in names])
    for name in names:
        for note in results[name].notes:
            print(f"  {name}: {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--slowloris", type=int, default=500)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--modules", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="300 clients, 100 slowloris")
    parser.add_argument("--only", choices=("shaker", "vite"))
    args = parser.parse_args(argv)
    if args.quick:
        args.clients, args.slowloris, args.requests = 300, 100, 100
    limit = raise_fd_limit()
    budget = (limit - 200) // 2  # this process and the server each hold one per connection
    if args.clients + args.slowloris > budget:
        args.clients = max(0, budget - args.slowloris)
        print(f"fd limit {limit}: clients cut to {args.clients}", flush=True)
    kinds = [args.only] if args.only else ["shaker", "vite"]
    vite = None
    if "vite" in kinds:
        try:
            vite = ensure_npm_tool("vite", VITE_VERSION)
        except BenchSetupError as exc:
            print(f"cannot install vite@{VITE_VERSION}: {exc}", file=sys.stderr)
            return 2
    print(f"load bench: {args.clients} WebSockets, {args.slowloris} slowloris, "
          f"{args.requests} requests per phase, {args.modules} modules; fd limit {limit}; "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="shaker-bench-load-"))
    results: dict[str, Figures] = {}
    try:
        for kind in kinds:
            app = generate_app(work / f"app-{kind}", args.modules)
            if kind == "shaker":
                tool = Tool("shaker", app, free_port(), shaker_command)
            else:
                assert vite is not None
                clear_vite_cache(app)
                tool = Tool("vite", app, free_port(), vite_tools(vite),
                            env={"BROWSER": "none", "NO_COLOR": "1"})
            (work / "logs").mkdir(exist_ok=True)
            with running(tool, work / "logs"):
                results[kind] = asyncio.run(measure(tool, kind, args))
            print(f"  {kind}: done", flush=True)
    except BenchSetupError as exc:
        print(f"bench setup failed: {exc}", file=sys.stderr)
        return 2
    finally:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    report(results, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
