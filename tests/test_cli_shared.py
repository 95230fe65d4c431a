"""What the commands share: one ``--base`` rule, one ``--host`` check and listen error, one
config loader, and the config file never served. Each behaviour is checked through every
command it concerns, so a command that drifts from the others fails here."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_server_support import async_test, serve, write

from shaker.build.project import BuildOptions
from shaker.cli.build import build_command
from shaker.cli.config import load_project_config
from shaker.cli.dev import dev
from shaker.cli.main import main
from shaker.cli.preview import preview_command
from shaker.config import Config, ServerConfig, check_host, resolve_base
from shaker.dev.server import DevServer
from shaker.preview import create_preview_app

REPO = Path(__file__).resolve().parent.parent
PAGE = '<html><head></head><body><script type="module" src="/main.js"></script></body></html>'


# -- the one --base rule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "build", "serve_"),
    [
        ("/", "/", "/"),
        ("app", "/app/", "/app/"),
        ("/app", "/app/", "/app/"),
        ("/app/", "/app/", "/app/"),
        ("/a/b", "/a/b/", "/a/b/"),
        ("/a/../b/", "/b/", "/b/"),
        ("/app/?x=1#y", "/app/", "/app/"),
        ("/my app/", "/my%20app/", "/my%20app/"),
        ("", "./", "/"),
        ("./", "./", "/"),
        ("https://cdn.example/x/", "https://cdn.example/x/", "/x/"),
        ("https://cdn.example/x", "https://cdn.example/x/", "/x/"),
        ("https://cdn.example", "https://cdn.example/", "/"),
        ("//cdn.example/x", "//cdn.example/x/", "/x/"),
    ],
)
def test_resolve_base_as_vite(given: str, build: str, serve_: str) -> None:
    assert resolve_base(given) == build
    assert resolve_base(given, build=False) == serve_
    assert resolve_base(build) == build  # idempotent: flags and configs pass through it twice
    assert resolve_base(build, build=False) == serve_


@pytest.mark.parametrize("bad", ["../app", ".app", "./app", "/a\\b", "/a\nb", "https:///x"])
def test_resolve_base_refuses(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid base"):
        resolve_base(bad)


def test_the_library_applies_the_rule_everywhere(tmp_path: Path) -> None:
    assert Config(base="app").base == "/app/"
    assert Config(base="").base == "./"
    assert BuildOptions(base="app").base == "/app/"
    assert BuildOptions(base="https://cdn.example/x").base == "https://cdn.example/x/"
    # the dev server serves a path: a relative base is '/', a full URL its path
    assert DevServer(tmp_path, Config(base="./")).config.base == "/"
    assert DevServer(tmp_path, Config(base="https://cdn.example/x/")).config.base == "/x/"
    assert DevServer(tmp_path, Config(base="app")).config.base == "/app/"


def test_build_base_flag_and_config(tmp_path: Path) -> None:
    write(tmp_path, {"index.html": PAGE, "main.js": "console.log(1)\n"})
    runner = CliRunner()
    for flag, prefix in [("app", "/app/assets/"), ("https://cdn.example/x", "https://cdn.example/x/assets/")]:
        result = runner.invoke(build_command, [str(tmp_path), "--base", flag])
        assert result.exit_code == 0, result.output
        assert f'src="{prefix}main-' in (tmp_path / "dist" / "index.html").read_text()
    (tmp_path / "shaker.config.py").write_text(
        "from shaker.config import Config\nconfig = Config(base='app')\n")
    result = runner.invoke(build_command, [str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert 'src="/app/assets/main-' in (tmp_path / "dist" / "index.html").read_text()


def test_a_relative_base_is_relative_to_each_page(tmp_path: Path) -> None:
    write(tmp_path, {"index.html": PAGE, "sub/index.html": PAGE, "main.js": "console.log(1)\n"})
    result = CliRunner().invoke(build_command, [str(tmp_path), "--base", "./"])
    assert result.exit_code == 0, result.output
    assert 'src="./assets/main-' in (tmp_path / "dist" / "index.html").read_text()
    assert 'src="../assets/main-' in (tmp_path / "dist" / "sub" / "index.html").read_text()


@pytest.mark.parametrize("command", ["dev", "build", "preview"])
def test_a_bad_base_is_the_same_usage_error_everywhere(tmp_path: Path, command: str) -> None:
    result = CliRunner().invoke(main, [command, str(tmp_path), "--base", "../x"])
    assert result.exit_code == 2
    assert "Invalid value for '--base': invalid base '../x'" in result.output
    assert "Traceback" not in result.output


async def _banner(*args: str) -> str:
    """Run a server command until its banner's Local line; stop it with Ctrl-C."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "shaker", *args, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env)
    assert process.stdout is not None
    text = ""
    try:
        while "Local:" not in text:
            line = await asyncio.wait_for(process.stdout.readline(), 30)
            if not line:
                raise AssertionError(f"exited early: {text}")
            text += line.decode()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 15) == 0
    return text


@async_test
async def test_dev_and_preview_serve_the_normalised_base(tmp_path: Path) -> None:
    write(tmp_path, {"index.html": PAGE, "main.js": "console.log(1)\n", "dist/index.html": PAGE})
    for command in ("dev", "preview"):
        text = await _banner(command, str(tmp_path), "--port", "0", "--base", "app")
        assert re.search(r"Local:\s+http://localhost:\d+/app/\n", text), text
    text = await _banner("dev", str(tmp_path), "--port", "0", "--base", "https://cdn.example/x")
    assert re.search(r"Local:\s+http://localhost:\d+/x/\n", text), text


# -- the one --host check, and the one listen error --------------------------------------------


@pytest.mark.parametrize("host", ["999.1.1.1", "a b", "1.2.3", "bad-.example", "::zz"])
@pytest.mark.parametrize("command", ["dev", "preview"])
def test_a_bad_host_is_a_usage_error(tmp_path: Path, command: str, host: str) -> None:
    (tmp_path / "dist").mkdir()
    result = CliRunner().invoke(main, [command, str(tmp_path), "--host", host])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--host': invalid host" in result.output
    assert "Traceback" not in result.output


def test_check_host_accepts_what_a_server_can_bind() -> None:
    good = ["localhost", "127.0.0.1", "0.0.0.0", "::", "::1", "[::1]", "my-box.local", "a_b"]
    assert [check_host(h) for h in good][:6] == [
        "localhost", "127.0.0.1", "0.0.0.0", "::", "::1", "::1"]
    with pytest.raises(ValueError, match="invalid host"):
        ServerConfig(host="999.1.1.1")


@pytest.mark.parametrize("command", ["dev", "preview"])
def test_an_address_of_another_machine_is_one_line_and_exit_1(
        tmp_path: Path, command: str) -> None:
    (tmp_path / "dist").mkdir()
    # 192.0.2.1 is TEST-NET-1: valid, but no interface of this machine has it
    result = CliRunner().invoke(main, [command, str(tmp_path), "--host", "192.0.2.1",
                                       "--port", "0"])
    assert result.exit_code == 1, result.output
    assert "error: cannot listen on 192.0.2.1: no network interface of this machine has " \
           "that address" in result.output
    assert "Traceback" not in result.output


# -- the one config loader ------------------------------------------------------------------

BROKEN = "from shaker.config import Config\nconfig = Config(define=undefined_name)\n"


@pytest.mark.parametrize("command", [dev, build_command, preview_command])
def test_every_command_reports_a_broken_config_alike(tmp_path: Path, command) -> None:
    (tmp_path / "dist").mkdir()
    write(tmp_path, {"shaker.config.py": BROKEN, "index.html": PAGE, "main.js": ""})
    result = CliRunner().invoke(command, [str(tmp_path), "--port", "0"]
                                if command is not build_command else [str(tmp_path)])
    assert result.exit_code == 1, result.output
    path = tmp_path / "shaker.config.py"
    assert result.output.startswith(f"error: failed to load config file {path}:2: NameError: "
                                    "name 'undefined_name' is not defined\n")
    assert f'File "{path}", line 2' in result.output  # the user's own traceback
    assert "shaker/cli" not in result.output and "click" not in result.output
    assert "ready in" not in result.output and "building" not in result.output


def test_a_syntax_error_names_the_line(tmp_path: Path) -> None:
    write(tmp_path, {"shaker.config.py": "x = 1\nconfig = Config(\n"})
    result = CliRunner().invoke(build_command, [str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path / 'shaker.config.py'}:2: SyntaxError" in result.output


# -- the config file is never served ---------------------------------------------------------

CONFIG = "from shaker.config import Config\nconfig = Config()  # SECRET-TOKEN\n"


@async_test
async def test_the_dev_server_never_serves_the_config_file(tmp_path: Path) -> None:
    root = write(tmp_path / "root", {"index.html": PAGE, "shaker.config.py": CONFIG,
                                     "pkg/shaker.config.py": CONFIG, "other.py": CONFIG})
    absolute = root.resolve().as_posix()
    targets = ["/shaker.config.py", "/shaker.config.py?import", "/shaker.config.py?raw",
               "/SHAKER.CONFIG.PY", "/shaker.config.py?url", "/./shaker.config.py",
               f"/@fs{absolute}/shaker.config.py", f"/@fs{absolute}/shaker.config.py?import",
               "/pkg/shaker.config.py", "/%73haker.config.py"]
    for fs_deny in ((), ("*.secret",)):  # replacing the deny list keeps the config denied
        config = load_project_config(root).config
        if fs_deny:
            config = Config(server=ServerConfig(fs_deny=fs_deny))
        async with serve(root, config) as h:
            for target in targets:
                status, body = await h.raw(target)
                assert status in (403, 404), (target, status)
                assert b"SECRET-TOKEN" not in body, target
            assert (await h.raw("/index.html"))[0] == 200


@async_test
async def test_a_config_given_with_config_is_not_served_either(tmp_path: Path) -> None:
    root = write(tmp_path, {"index.html": PAGE, "conf/my [dev] config.py": CONFIG})
    config = load_project_config(root, root / "conf" / "my [dev] config.py").config
    async with serve(root, config) as h:
        status, body = await h.raw("/conf/my%20%5Bdev%5D%20config.py")
        assert status == 403 and b"SECRET-TOKEN" not in body


@async_test
async def test_preview_never_serves_a_config_file_either(tmp_path: Path) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    dist = write(tmp_path / "dist", {"index.html": PAGE, "shaker.config.py": CONFIG})
    async with TestClient(TestServer(create_preview_app(dist))) as client:
        response = await client.get("/shaker.config.py", headers={"Accept": "*/*"})
        assert response.status == 403
        assert "SECRET-TOKEN" not in await response.text()
