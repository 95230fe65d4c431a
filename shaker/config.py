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
import ipaddress
import re
import sys
import traceback
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

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
    CONFIG_FILENAME,
)
"""Glob patterns never served (matched case-insensitively; a pattern without ``/`` matches a
path segment at any depth). Deny beats allow. ``shaker.config.py`` is on it because it is
Python that may hold secrets (proxy tokens, API keys) and is never meant for the browser;
``ServerConfig`` keeps it denied even when ``fs_deny`` is replaced."""

STAGING_MARK = ".shaker-"
"""Output directories are written as ``.<name>.shaker-*`` beside ``<name>`` and then renamed
into place (``shaker.build.outdir.Staging``); the dev server's watcher recognises the pattern
(:func:`staged_outdir`), so a build inside a watched root reloads no page."""

DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024

DEFAULT_CORS_ORIGINS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^https?://(?:(?:[^:]+\.)?localhost|127\.0\.0\.1|\[::1\])(?::\d+)?$"),
)
"""``server.cors`` by default: Vite's ``defaultAllowedOrigins``, pages on ``localhost``
(and ``*.localhost``), ``127.0.0.1`` and ``[::1]``, any port, http or https: a backend on
``http://127.0.0.1:8000`` (runserver, Flask, uvicorn) loads modules from the dev server."""

DEFAULT_RELOAD_DELAY = 1500
"""``server.watch.reload_delay``: how long, in ms, a page waits after a change to a reload
glob for its backend to start restarting (Django's and Werkzeug's reloaders look for changes
once a second) before it reloads anyway."""

CorsOrigins = bool | tuple[str | re.Pattern[str], ...]


class ConfigError(Exception):
    """A config file that cannot be used; ``details`` holds the formatted traceback and
    ``line`` the line of the config file where it failed, when the failure is in that file."""

    def __init__(self, message: str, details: str = "", path: Path | None = None,
                 line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.path = path
        self.line = line

    def __str__(self) -> str:
        return f"{self.message}\n{self.details}".rstrip()


_EXTERNAL_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_URL_SAFE = "/%:@!$&'()*+,;=~"


def resolve_base(base: str, *, build: bool = True) -> str:
    """The one rule for ``base`` (``--base`` and ``Config.base``), Vite's ``resolveBaseUrl``.

    A path gets its leading and trailing ``/`` (``app`` and ``/app`` are ``/app/``), is
    resolved like a URL path (``/a/../b`` is ``/b/``; query and fragment dropped, spaces
    encoded). ``''`` and ``./`` ask for a relative base: kept as ``./`` for a build, ``/``
    when serving (Vite ignores it in dev). A full URL (``https://cdn.example/x/``, or
    ``//cdn.example/x/``) is kept for a build (only its path is normalised) and reduced to
    its path when serving, where the origin is the dev server's own. Any other relative value
    (``../x``, ``.app``) is refused: Vite warns and falls back to ``/``, which silently breaks
    every URL the build writes, so shaker says so instead.

    >>> [resolve_base(b) for b in ("app", "/app", "/app/", "", "./", "https://cdn.example/x")]
    ['/app/', '/app/', '/app/', './', './', 'https://cdn.example/x/']
    >>> [resolve_base(b, build=False) for b in ("", "./", "https://cdn.example/x/", "/a b")]
    ['/', '/', '/x/', '/a%20b/']
    """
    if not isinstance(base, str):
        raise TypeError(f"base must be a string, not {type(base).__name__}")
    if base in ("", "./"):
        return "./" if build else "/"
    if base.startswith("."):
        raise ValueError(f"invalid base {base!r}: it can only be an absolute path ('/app/'), "
                         "a full URL, './' or ''")
    if re.search(r"[\x00-\x1f\x7f\\]", base):
        raise ValueError(f"invalid base {base!r}: control characters and backslashes are not "
                         "allowed")
    if _EXTERNAL_URL.match(base):
        parts = urlsplit(base if "://" in base else "http:" + base)
        if not parts.hostname:
            raise ValueError(f"invalid base {base!r}: a full URL needs a host name")
        path = _url_path(parts.path)
        if not build:
            return path
        if base.startswith("//"):
            return "//" + parts.netloc + path
        return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return _url_path(urlsplit(urljoin("http://base.invalid/", base)).path)


def _url_path(path: str) -> str:
    """``path`` with dot segments resolved, percent-encoded, starting and ending with ``/``."""
    path = urlsplit(urljoin("http://base.invalid/", path or "/")).path
    path = quote(path, safe=_URL_SAFE)
    path = path if path.startswith("/") else "/" + path
    return path if path.endswith("/") else path + "/"


_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")


def check_host(host: str) -> str:
    """The address to listen on, checked before any socket is opened (``server.host``).

    An IP address (``[::1]`` loses its brackets), ``''``/``0.0.0.0``/``::`` for every
    interface, or a host name. A name whose last label is all digits must be an IPv4
    address, as in a browser's URL parser: ``999.1.1.1`` is refused here instead of failing
    in a DNS lookup; names are still resolved when the server binds.

    >>> [check_host(h) for h in ("localhost", "[::1]", "0.0.0.0", "my-box.local")]
    ['localhost', '::1', '0.0.0.0', 'my-box.local']
    >>> check_host("999.1.1.1")
    Traceback (most recent call last):
    ...
    ValueError: invalid host '999.1.1.1': not an IP address (each number must be 0-255)
    """
    if not isinstance(host, str):
        raise TypeError(f"host must be a string, not {type(host).__name__}")
    if host == "":
        return host
    name = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        pass
    if ":" in name:
        raise ValueError(f"invalid host {host!r}: not an IPv6 address")
    labels = name[:-1].split(".") if name.endswith(".") else name.split(".")
    if labels[-1].isdigit():
        raise ValueError(f"invalid host {host!r}: not an IP address (each number must be 0-255)")
    if len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"invalid host {host!r}: a host name has letters, digits, '-' and '_' "
                         "between dots")
    return host


def staged_outdir(name: str) -> str | None:
    """The output directory a staging directory (``.<name>.shaker-*``) will become, if ``name``
    is one; None otherwise.

    >>> staged_outdir(".dist.shaker-x1y2"), staged_outdir(".out.shaker-old-42"), staged_outdir("a")
    ('dist', 'out', None)
    """
    if not name.startswith(".") or STAGING_MARK not in name[1:]:
        return None
    outdir = name[1:name.rindex(STAGING_MARK)]
    return outdir or None


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
    reload: tuple[str, ...] = ()
    """Globs, relative to the root, of files a backend renders or runs (``templates/**/*.html``,
    ``**/*.py``): watched, never served; a change reloads every page once its origin answers
    (``../templates/**`` reaches outside the root)."""
    reload_delay: int = DEFAULT_RELOAD_DELAY
    """ms a page gives its backend, after a reload glob changed, to go down for a restart."""

    def __post_init__(self) -> None:
        for name in ("ignored", "reload"):
            value = getattr(self, name)
            _set(self, name, (value,) if isinstance(value, str) else tuple(value))
        if self.interval <= 0 or self.debounce <= 0:
            raise ValueError("watch.interval and watch.debounce must be positive (milliseconds)")
        if self.reload_delay < 0:
            raise ValueError("watch.reload_delay must not be negative (milliseconds)")
        for glob in self.reload:
            if not isinstance(glob, str) or not glob.strip() or glob.startswith("/"):
                raise ValueError(f"watch.reload: {glob!r} is not a glob relative to the root "
                                 "(such as 'templates/**/*.html')")


def _origin(value: str, label: str) -> str:
    """``scheme://host[:port]`` (lower-case scheme and host, no trailing ``/``) or ValueError."""
    parts = urlsplit(value.strip())
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise ValueError(f"{label}: {value!r} has an invalid port") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname \
            or parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"{label}: {value!r} is not an origin such as "
                         "'http://localhost:8000' (scheme, host and port, no path)")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _cors_origins(value: Any) -> CorsOrigins:
    """``server.cors`` as ``True``, ``False`` or a tuple of origins and compiled regexes."""
    if isinstance(value, Mapping):  # Vite's `cors: {origin: ...}`
        unknown = sorted(set(value) - {"origin"})
        if unknown:
            raise ValueError(f"server.cors: only 'origin' is supported, not {unknown}")
        value = value.get("origin", True)
    if isinstance(value, bool):
        return value
    if value == "*":
        return True
    items = (value,) if isinstance(value, (str, re.Pattern)) else tuple(value)
    out: list[str | re.Pattern[str]] = []
    for item in items:
        if isinstance(item, re.Pattern):
            out.append(item)
        elif isinstance(item, str):
            out.append(_origin(item, "server.cors"))
        else:
            raise TypeError(f"server.cors: expected origins (str) or compiled regexes, not "
                            f"{type(item).__name__}")
    return tuple(out)


def _loopback(name: str) -> bool:
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServerConfig:
    """The dev server. ``allowed_hosts=True`` disables the DNS-rebinding check (opt-in only).

    Backend mode (a page rendered by Django, Flask or FastAPI that loads modules from here):
    ``cors`` says which pages may read modules and open the WebSocket: Vite's localhost rule
    by default (:data:`DEFAULT_CORS_ORIGINS`), ``True`` for any, ``False`` for none, or a list
    of origins (``"http://app.test:8000"``) and compiled regexes (matched against the whole
    origin). ``origin`` (``"http://localhost:5173"``) prefixes the asset URLs the server
    writes (imports of images, CSS ``url()``), so a page on another origin loads them from
    here, as Vite's ``server.origin``. ``proxy`` (``"http://127.0.0.1:8000"``) forwards every
    request this server does not answer to that backend, WebSockets included, and injects the
    client into its HTML pages: one port for both. A backend on another machine needs
    ``proxy_remote=True``.
    """

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
    cors: CorsOrigins = DEFAULT_CORS_ORIGINS
    origin: str | None = None
    proxy: str | None = None
    proxy_remote: bool = False

    def __post_init__(self) -> None:
        _set(self, "cors", _cors_origins(self.cors))
        if self.origin is not None:
            _set(self, "origin", _origin(self.origin, "server.origin"))
        if self.proxy is not None:
            proxy = _origin(self.proxy, "server.proxy")
            name = urlsplit(proxy).hostname or ""
            if not self.proxy_remote and not _loopback(name):
                raise ValueError(f"server.proxy: {self.proxy!r} is not on this machine; "
                                 "set server.proxy_remote=True to forward to another host")
            _set(self, "proxy", proxy)
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
        _set(self, "host", check_host(self.host))
        for name in ("fs_allow", "fs_deny"):
            value = getattr(self, name)
            _set(self, name, (value,) if isinstance(value, str) else tuple(value))
        if CONFIG_FILENAME not in self.fs_deny:  # replacing the defaults must not expose it
            _set(self, "fs_deny", (*self.fs_deny, CONFIG_FILENAME))
        _set(self, "hmr", _coerce(HmrConfig, self.hmr, "server.hmr"))
        _set(self, "watch", _coerce(WatchConfig, self.watch, "server.watch"))


@dataclass(frozen=True)
class BuildConfig:
    """Production build options (used by ``shaker build``)."""

    entries: tuple[str, ...] = ("index.html",)
    outdir: str = "dist"
    minify: bool = True
    """Minify JavaScript outputs (``shaker build --no-minify`` turns it off)."""
    bundle: bool = True
    """Link modules into tree-shaken chunks (``shaker build --no-bundle`` turns it off)."""

    def __post_init__(self) -> None:
        if isinstance(self.entries, str):
            _set(self, "entries", (self.entries,))
        else:
            _set(self, "entries", tuple(self.entries))


@dataclass(frozen=True)
class OptimizeDepsConfig:
    """Dependency pre-bundling in ``shaker dev`` (Vite's ``optimizeDeps``).

    ``include``: bare specifiers to pre-bundle even when the scan of the app does not find
    them (``"react-dom/client"``, ``"@scope/pkg/sub"``).  ``exclude``: packages (or deep
    specifiers) never pre-bundled: served module by module, as without pre-bundling.
    ``disabled``: no pre-bundling at all.

    >>> OptimizeDepsConfig(exclude="left-pad").exclude
    ('left-pad',)
    """

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    disabled: bool = False

    def __post_init__(self) -> None:
        for name in ("include", "exclude"):
            value = getattr(self, name)
            _set(self, name, (value,) if isinstance(value, str) else tuple(value))


@dataclass(frozen=True)
class Config:
    """Everything ``shaker.config.py`` can set.

    ``base`` goes through :func:`resolve_base` (``"app"`` becomes ``"/app/"``) and keeps the
    build's reading: ``"./"`` and full URLs stay; the dev server and preview serve
    ``resolve_base(base, build=False)``.
    """

    plugins: tuple[Plugin, ...] = ()
    server: ServerConfig = field(default_factory=ServerConfig)
    build: BuildConfig = field(default_factory=BuildConfig)
    optimize_deps: OptimizeDepsConfig = field(default_factory=OptimizeDepsConfig)
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
        _set(self, "optimize_deps", _coerce(OptimizeDepsConfig, self.optimize_deps,
                                            "optimize_deps"))
        _set(self, "define", types.MappingProxyType(dict(self.define)))
        _set(self, "base", resolve_base(self.base))


def find_config(root: Path) -> Path | None:
    """The config file shaker picks up in ``root``, if there is one."""
    candidate = root / CONFIG_FILENAME
    return candidate if candidate.is_file() else None


def _line_in(path: Path, exc: BaseException, tb: types.TracebackType | None) -> int | None:
    """The line of ``path`` where loading it failed: the innermost frame in that file, or the
    position of a syntax error in it."""
    if isinstance(exc, SyntaxError) and exc.filename == str(path) and exc.lineno:
        return exc.lineno
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == str(path):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


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
        line = _line_in(path, exc, tb)
        where = f"{path}:{line}" if line else str(path)
        summary = "".join(traceback.format_exception_only(type(exc), exc)[-1:]).strip()
        raise ConfigError(f"failed to load config file {where}: {summary}", details, path,
                          line) from exc
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
