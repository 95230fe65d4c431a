"""Project configuration: ``shaker.config.py``, a Python port of ``vite.config.js``.

The file is ordinary Python executed in a fresh module namespace; it must bind ``config``::

    from shaker import Config, ServerConfig
    config = Config(plugins=[my_plugin()], server=ServerConfig(port=3000, host="localhost"))

Nested sections may also be given as dicts (``server={"port": 3000}``), which reads like the
JavaScript original. Everything is a frozen dataclass, so a loaded config cannot drift while the
server runs; CLI flags are applied with ``dataclasses.replace``.

>>> Config(server={"port": 3000, "hmr": {"client_port": 443}}).server.hmr.client_port
443
"""

from __future__ import annotations

import dataclasses
import sys
import traceback
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from shaker.plugin import Plugin

CONFIG_FILENAME = "shaker.config.py"

DEFAULT_FS_DENY: tuple[str, ...] = (
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "*.crt",
    "*.p12",
    "*.pfx",
    ".npmrc",
    ".git/**",
    ".yarnrc.yml",
    "*.cer",
    "*.der",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    ".netrc",
    ".git-credentials",
    ".ssh/**",
    ".aws/**",
    ".svn/**",
)
"""Glob patterns never served (matched case-insensitively; a pattern without ``/`` matches a
path segment at any depth). Deny beats allow."""

DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024


class ConfigError(Exception):
    """A config file that cannot be used; ``details`` holds the formatted traceback."""

    def __init__(self, message: str, details: str = "", path: Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.path = path

    def __str__(self) -> str:
        return f"{self.message}\n{self.details}".rstrip()


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def _coerce(cls: type, value: Any, label: str) -> Any:
    """Accept a dict for a nested section, the way a JS config object reads."""
    if isinstance(value, Mapping):
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(value) - names)
        if unknown:
            raise TypeError(f"{label}: unknown option(s) {unknown}; known: {sorted(names)}")
        return cls(**value)
    if not isinstance(value, cls):
        raise TypeError(f"{label} must be a {cls.__name__} or a dict, not {type(value).__name__}")
    return value


@dataclass(frozen=True)
class HmrConfig:
    """How the browser reaches the hot channel: the knobs proxies and containers need.

    ``client_port``/``host``/``protocol`` change only what the client dials (e.g. a TLS proxy on
    443 in front of the dev server); None means "take it from the page's own URL".
    """

    client_port: int | None = None
    host: str | None = None
    path: str | None = None
    protocol: Literal["ws", "wss"] | None = None
    overlay: bool = True
    timeout: int = 30_000

    def __post_init__(self) -> None:
        if self.protocol not in (None, "ws", "wss"):
            raise ValueError(f"hmr.protocol must be 'ws' or 'wss', not {self.protocol!r}")
        if self.client_port is not None and not 0 < self.client_port < 65536:
            raise ValueError(f"hmr.client_port out of range: {self.client_port}")
        if self.path is not None and not self.path.startswith("/"):
            raise ValueError(f"hmr.path must start with '/': {self.path!r}")
        if self.timeout <= 0:
            raise ValueError("hmr.timeout must be positive (milliseconds)")


@dataclass(frozen=True)
class WatchConfig:
    """The file watcher behind hot updates (``server.watch``).

    ``ignored`` globs are added to the directories never watched (``.git``, ``node_modules``,
    ``dist``, the build's ``outdir``); a glob without ``/`` matches a name at any depth.
    ``use_polling`` is for file systems that send no events (containers with bind mounts,
    network drives, WSL's ``/mnt``); ``WATCHFILES_FORCE_POLLING=1`` turns it on too.
    ``debounce`` is the quiet time, in ms, that ends a batch of changes.
    """

    ignored: tuple[str, ...] = ()
    use_polling: bool = False
    interval: int = 300
    debounce: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.ignored, str):
            _set(self, "ignored", (self.ignored,))
        else:
            _set(self, "ignored", tuple(self.ignored))
        if self.interval <= 0 or self.debounce <= 0:
            raise ValueError("watch.interval and watch.debounce must be positive (milliseconds)")


@dataclass(frozen=True)
class ServerConfig:
    """The dev server. ``allowed_hosts=True`` disables the DNS-rebinding check (opt-in only)."""

    port: int = 5173
    host: str = "localhost"
    strict_port: bool = False
    open: bool = False
    allowed_hosts: tuple[str, ...] | bool = ()
    fs_allow: tuple[str, ...] = ()
    fs_deny: tuple[str, ...] = DEFAULT_FS_DENY
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    hmr: HmrConfig = field(default_factory=HmrConfig)
    watch: WatchConfig = field(default_factory=WatchConfig)

    def __post_init__(self) -> None:
        if not 0 <= self.port < 65536:  # 0 asks the OS for a free port (tests use it)
            raise ValueError(f"server.port out of range: {self.port}")
        if self.max_message_bytes <= 0:
            raise ValueError("server.max_message_bytes must be positive")
        if self.allowed_hosts is not True:
            if self.allowed_hosts is False:
                _set(self, "allowed_hosts", ())
            elif isinstance(self.allowed_hosts, str):
                _set(self, "allowed_hosts", (self.allowed_hosts,))
            else:
                _set(self, "allowed_hosts", tuple(self.allowed_hosts))
        for name in ("fs_allow", "fs_deny"):
            value = getattr(self, name)
            _set(self, name, (value,) if isinstance(value, str) else tuple(value))
        _set(self, "hmr", _coerce(HmrConfig, self.hmr, "server.hmr"))
        _set(self, "watch", _coerce(WatchConfig, self.watch, "server.watch"))


@dataclass(frozen=True)
class BuildConfig:
    """Production build options (used by ``shaker build``)."""

    entries: tuple[str, ...] = ("index.html",)
    outdir: str = "dist"

    def __post_init__(self) -> None:
        if isinstance(self.entries, str):
            _set(self, "entries", (self.entries,))
        else:
            _set(self, "entries", tuple(self.entries))


@dataclass(frozen=True)
class Config:
    """Everything ``shaker.config.py`` can set."""

    plugins: tuple[Plugin, ...] = ()
    server: ServerConfig = field(default_factory=ServerConfig)
    build: BuildConfig = field(default_factory=BuildConfig)
    define: Mapping[str, str] = field(default_factory=dict)
    base: str = "/"

    def __post_init__(self) -> None:
        plugins = tuple(p for p in self.plugins if p is not None)
        for plugin in plugins:
            if not isinstance(plugin, Plugin):
                raise TypeError(f"plugins must be shaker.Plugin instances, got {plugin!r}")
        _set(self, "plugins", plugins)
        _set(self, "server", _coerce(ServerConfig, self.server, "server"))
        _set(self, "build", _coerce(BuildConfig, self.build, "build"))
        _set(self, "define", types.MappingProxyType(dict(self.define)))
        if not (self.base.startswith("/") and self.base.endswith("/")):
            raise ValueError(f"base must start and end with '/': {self.base!r}")


def find_config(root: Path) -> Path | None:
    """The config file shaker picks up in ``root``, if there is one."""
    candidate = root / CONFIG_FILENAME
    return candidate if candidate.is_file() else None


def load_config(path: Path) -> Config:
    """Execute ``path`` in a fresh module and return its ``config``.

    The file's directory is on ``sys.path`` while it runs, so it can import its own plugin
    modules. Any failure, including a syntax error or ``SystemExit``, becomes a ``ConfigError``
    carrying the formatted traceback, so the CLI can report it and refuse to start.
    """
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}", path=path) from exc
    module = types.ModuleType("shaker_config")
    module.__file__ = str(path)
    directory = str(path.resolve().parent)
    sys.path.insert(0, directory)
    previous = sys.modules.get(module.__name__)
    sys.modules[module.__name__] = module
    try:
        code = compile(source, str(path), "exec")
        exec(code, module.__dict__)
    except (Exception, SystemExit) as exc:
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
            tb = tb.tb_next  # drop shaker's own frames: the user wants their lines
        details = "".join(traceback.TracebackException(type(exc), exc, tb).format())
        raise ConfigError(f"failed to load config file {path}", details, path) from exc
    finally:
        if sys.path and sys.path[0] == directory:
            del sys.path[0]
        if previous is None:
            sys.modules.pop(module.__name__, None)
        else:
            sys.modules[module.__name__] = previous
    config = module.__dict__.get("config")
    if config is None:
        raise ConfigError(
            f"{path} must define `config = Config(...)` (from shaker import Config)", path=path
        )
    if not isinstance(config, Config):
        raise ConfigError(
            f"`config` in {path} must be a shaker.Config, not {type(config).__name__}", path=path
        )
    return config
