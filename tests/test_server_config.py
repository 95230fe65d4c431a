"""shaker.config: dataclasses, shaker.config.py loading, broken configs, CLI flags over them."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from shaker.cli.dev import apply_flags, dev
from shaker.config import (
    DEFAULT_FS_DENY,
    Config,
    ConfigError,
    HmrConfig,
    ServerConfig,
    find_config,
    load_config,
)
from shaker.plugin import Plugin

REPO = Path(__file__).resolve().parent.parent


def test_defaults() -> None:
    config = Config()
    assert config.base == "/"
    assert config.plugins == ()
    assert (config.server.port, config.server.host) == (5173, "localhost")
    assert config.server.strict_port is False
    assert config.server.fs_deny == DEFAULT_FS_DENY
    assert config.server.max_message_bytes == 1024 * 1024
    assert config.server.hmr == HmrConfig()
    assert config.server.hmr.overlay is True
    assert config.build.outdir == "dist"


def test_frozen() -> None:
    config = Config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.base = "/x/"  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.define["X"] = "1"  # type: ignore[index]


def test_dicts_read_like_the_js_config() -> None:
    config = Config(
        server={"port": 3000, "host": "localhost", "hmr": {"client_port": 443, "protocol": "wss"}},
        plugins=[Plugin(name="a"), None],
        define={"__APP__": '"x"'},
    )
    assert config.server.port == 3000
    assert config.server.hmr.client_port == 443
    assert config.server.hmr.protocol == "wss"
    assert [p.name for p in config.plugins] == ["a"]
    assert dict(config.define) == {"__APP__": '"x"'}


def test_lists_become_tuples() -> None:
    server = ServerConfig(allowed_hosts=["a.test"], fs_allow=["../lib"], fs_deny=["*.secret"])
    assert server.allowed_hosts == ("a.test",)
    assert server.fs_allow == ("../lib",)
    assert server.fs_deny == ("*.secret", "shaker.config.py")  # never served, even then
    assert ServerConfig(allowed_hosts=True).allowed_hosts is True


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Config(server={"prot": 1}), "unknown option"),
        (lambda: Config(server=5), "must be a ServerConfig"),
        (lambda: Config(plugins=[object()]), "shaker.Plugin"),
        (lambda: Config(base="../app"), "invalid base"),
        (lambda: ServerConfig(host="a b"), "invalid host"),
        (lambda: ServerConfig(host="999.1.1.1"), "not an IP address"),
        (lambda: ServerConfig(port=70000), "port out of range"),
        (lambda: HmrConfig(protocol="http"), "hmr.protocol"),
        (lambda: HmrConfig(path="ws"), "hmr.path"),
        (lambda: ServerConfig(max_message_bytes=0), "max_message_bytes"),
    ],
)
def test_invalid_values_fail_early(make, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        make()


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shaker.config.py"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_config(tmp_path: Path) -> None:
    (tmp_path / "my_plugin.py").write_text(
        "from shaker.plugin import Plugin\ndef make():\n    return Plugin(name='mine')\n"
    )
    path = write_config(
        tmp_path,
        "from shaker.config import Config, ServerConfig\n"
        "from my_plugin import make\n"  # the config's own directory is importable
        "config = Config(plugins=[make()], server=ServerConfig(port=3000))\n",
    )
    assert find_config(tmp_path) == path
    config = load_config(path)
    assert config.server.port == 3000
    assert config.plugins[0].name == "mine"


def test_find_config_absent(tmp_path: Path) -> None:
    assert find_config(tmp_path) is None


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("config = Config(\n", ["SyntaxError", "shaker.config.py"]),
        (
            "x = 1\ndef f():\n    raise RuntimeError('kaboom')\nf()\n",
            ["RuntimeError: kaboom", "line 4", "line 3", "Traceback"],
        ),
        ("import not_a_module_anywhere\n", ["ModuleNotFoundError", "not_a_module_anywhere"]),
        ("raise SystemExit(3)\n", ["SystemExit"]),
    ],
)
def test_broken_config_carries_the_traceback(tmp_path: Path, text: str, expect: list[str]) -> None:
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.path == path
    for needle in expect:
        assert needle in info.value.details
    assert 'config.py", line' not in info.value.details.split("shaker.config.py")[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x = 1\n", "must define `config"),
        ("config = {'server': {}}\n", "must be a shaker.Config"),
    ],
)
def test_config_must_be_a_config(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write_config(tmp_path, text))


def test_flags_win_over_the_file() -> None:
    base = Config(server=ServerConfig(port=3000, host="localhost"))
    config = apply_flags(
        base, port=4000, host="0.0.0.0", open_browser=True, strict_port=True, base="/app"
    )
    assert (config.server.port, config.server.host) == (4000, "0.0.0.0")
    assert config.server.open and config.server.strict_port
    assert config.base == "/app/"
    untouched = apply_flags(
        base, port=None, host=None, open_browser=False, strict_port=False, base=None
    )
    assert untouched is base


def test_dev_command_refuses_a_broken_config(tmp_path: Path) -> None:
    write_config(tmp_path, "config = Config()\n")  # NameError: Config was never imported
    result = CliRunner().invoke(dev, [str(tmp_path), "--port", "0"])
    assert result.exit_code == 1
    assert "NameError" in result.output
    assert "Traceback" in result.output
    assert "ready in" not in result.output  # never half-started


def test_dev_command_refuses_an_explicit_broken_config(tmp_path: Path) -> None:
    other = tmp_path / "other.py"
    other.write_text("raise ValueError('bad value')\n")
    result = CliRunner().invoke(dev, [str(tmp_path), "--config", str(other)])
    assert result.exit_code == 1
    assert "ValueError: bad value" in result.output


def test_seed_example_config_loads() -> None:
    config = load_config(REPO / "examples" / "seed" / "shaker.config.py")
    assert [p.name for p in config.plugins] == ["websocket-communication-plugin"]
    assert (config.server.port, config.server.host) == (3000, "localhost")


def test_dev_command_refuses_a_raising_configure_server(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        "from shaker.config import Config\n"
        "from shaker.plugin import Plugin\n"
        "def configure(server):\n"
        "    raise RuntimeError('cannot configure')\n"
        "config = Config(plugins=[Plugin(name='bad', configure_server=configure)])\n",
    )
    result = CliRunner().invoke(dev, [str(tmp_path), "--port", "0"])
    assert result.exit_code == 1
    assert "[plugin bad] configure_server" in result.output
    assert "RuntimeError: cannot configure" in result.output
    assert "ready in" not in result.output


def test_config_modules_stay_light() -> None:
    """``shaker.config``/``plugin``/``protocol`` are importable without the server's deps."""
    code = (
        "import sys; import shaker.config, shaker.plugin, shaker.protocol; "
        "heavy = [m for m in ('aiohttp', 'click', 'watchfiles') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
