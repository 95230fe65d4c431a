"""shaker.web.fs_guard: request-target canonicalisation and allow/deny, exhaustively."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shaker.config import DEFAULT_FS_DENY
from shaker.pipeline.kinds import query_flags
from shaker.web.fs_guard import DenyList, guard_path, parse_target

# -- parse_target --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "segments", "query", "trailing"),
    [
        ("/", (), "", False),
        ("/index.html", ("index.html",), "", False),
        ("/src/a.js?t=1", ("src", "a.js"), "t=1", False),
        ("//src/.env", ("src", ".env"), "", False),  # CVE-2023-34092: '//' collapses
        ("/src/.env/.", ("src", ".env"), "", True),  # CVE-2025-46565: trailing '/.'
        ("/src/dummy.crt/.", ("src", "dummy.crt"), "", True),
        ("/src/./a.js", ("src", "a.js"), "", False),
        ("/src/", ("src",), "", True),
        ("/src/.env?raw??", ("src", ".env"), "raw??", False),  # CVE-2025-30208
        ("/src/?/../../x.txt?import&raw", ("src",), "/../../x.txt?import&raw", True),
        ("/caf%C3%A9.js", ("café.js",), "", False),
        ("/a%20b.js", ("a b.js",), "", False),
        ("/@id/virtual:x", ("@id", "virtual:x"), "", False),
    ],
)
def test_parse_target_canonicalises(
    raw: str, segments: tuple[str, ...], query: str, trailing: bool
) -> None:
    target = parse_target(raw)
    assert target.ok, target.reason
    assert (target.segments, target.query, target.trailing_slash) == (segments, query, trailing)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("/src/safe.txt#/../../secret.txt", "'#'"),  # CVE-2025-32395
        ("/#", "'#'"),
        ("/../secret.txt", "'..'"),
        ("/src/../../secret.txt", "'..'"),
        ("/src/%2e%2e/%2e%2e/secret.txt", "'..'"),  # percent-encoded dots (#8498)
        ("/src/%2E%2E%2F%2E%2E%2Fsecret.txt", "'..'"),  # encoded slashes too
        ("/src/..%2f..%2fsecret.txt", "'..'"),
        ("/src/%252e%252e/secret.txt", "double encoding"),
        ("/src/%252e%252e%252fsecret.txt", "double encoding"),
        ("/src/..\\..\\secret.txt", "backslash"),  # '..\'
        ("/src/.env\\", "backslash"),  # CVE-2025-62522: trailing backslash
        ("/src/.env%5c", "backslash"),
        ("/src/.env%00", "control character"),
        ("/src/.env%00.js", "control character"),
        ("/src/a%0a.js", "control character"),
        ("/src/%ff.js", "UTF-8"),
        ("src/a.js", "absolute path"),
        ("http://evil.example/a.js", "absolute path"),
        ("*", "absolute path"),
    ],
)
def test_parse_target_refuses(raw: str, reason: str) -> None:
    target = parse_target(raw)
    assert target.status == 400
    assert reason in target.reason


def test_query_flags_see_smuggled_names() -> None:
    assert query_flags("import&?raw") == {"import", "raw"}
    assert query_flags("raw??") == {"raw"}
    assert query_flags("import&?inline=1.wasm?init") == {"import", "inline", "init"}
    assert query_flags("t=123&IMPORT") == {"t", "import"}
    assert query_flags("") == frozenset()


# -- DenyList ------------------------------------------------------------------------------

DENY = DenyList(DEFAULT_FS_DENY)


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".ENV",
        ".EnV",
        "src/.env",
        ".env.local",
        "deep/dir/.env.production",
        "server.pem",
        "X.PEM",
        "a/b/tls.key",
        "cert.crt",
        "Cert.CRT",
        "id.p12",
        "id.pfx",
        ".npmrc",
        "pkg/.npmrc",
        ".git",
        ".git/config",
        ".GIT/HEAD",
        "sub/.git/objects/ab/cdef",
        ".env/inner.txt",  # a denied name denies what is under it
        "keys.pem/readme.txt",
    ],
)
def test_default_deny_list_denies(path: str) -> None:
    assert DENY.matches(tuple(path.split("/")))


@pytest.mark.parametrize(
    "path",
    [
        "index.html",
        "src/main.js",
        "env.js",
        "src/environment.js",
        ".envrc.js.map.txt.not",  # '.env.*' needs the dot: '.envrc...' is not '.env.'
        "keys.pem.js",
        "gitignore",
        ".github/workflows/ci.yml",
        "src/my.git/x",
        "key.txt",
    ],
)
def test_default_deny_list_allows(path: str) -> None:
    assert not DENY.matches(tuple(path.split("/")))


@pytest.mark.parametrize(
    ("pattern", "path", "denied"),
    [
        ("secret/**", "secret/a.txt", True),
        ("secret/**", "app/secret/a.txt", True),
        ("/secret/**", "app/secret/a.txt", False),  # leading '/' anchors at the root
        ("/secret/**", "secret/a.txt", True),
        ("*.{crt,cer}", "a.CER", True),
        ("*.{crt,cer}", "a.der", False),
        ("file?.txt", "file1.txt", True),
        ("file?.txt", "file10.txt", False),
        ("[ab].js", "b.js", True),
        ("[!ab].js", "b.js", False),
        ("**/private/*.json", "x/private/a.json", True),
        ("", "anything", False),
    ],
)
def test_custom_deny_patterns(pattern: str, path: str, denied: bool) -> None:
    assert DenyList((pattern,)).matches(tuple(path.split("/"))) is denied


# -- guard_path (touches the file system) ---------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Path]:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    shared = tmp_path / "shared"
    for directory in (root / "src", outside, shared):
        directory.mkdir(parents=True)
    (root / "src" / "a.js").write_text("a")
    (root / ".env").write_text("SECRET")
    (root / "src" / "key.pem").write_text("KEY")
    (outside / "secret.txt").write_text("SECRET")
    (shared / "lib.js").write_text("lib")
    (shared / ".env").write_text("SECRET")
    return {"root": root.resolve(), "outside": outside.resolve(), "shared": shared.resolve()}


def test_guard_allows_a_file_in_the_root(tree: dict[str, Path]) -> None:
    access = guard_path(tree["root"] / "src/a.js", (tree["root"],), DENY)
    assert (access.status, access.path) == (200, tree["root"] / "src/a.js")


def test_guard_denies_before_touching_the_disk(tree: dict[str, Path]) -> None:
    assert guard_path(tree["root"] / ".env", (tree["root"],), DENY).status == 403
    assert guard_path(tree["root"] / "nope.pem", (tree["root"],), DENY).status == 403


def test_guard_missing_is_404(tree: dict[str, Path]) -> None:
    assert guard_path(tree["root"] / "nope.js", (tree["root"],), DENY).status == 404
    assert guard_path(tree["root"] / "src/a.js/x", (tree["root"],), DENY).status == 404


def test_guard_refuses_files_outside_the_roots(tree: dict[str, Path]) -> None:
    assert guard_path(tree["outside"] / "secret.txt", (tree["root"],), DENY).status == 403


def test_guard_allows_fs_allow_roots_but_still_denies_secrets(tree: dict[str, Path]) -> None:
    roots = (tree["root"], tree["shared"])
    assert guard_path(tree["shared"] / "lib.js", roots, DENY).status == 200
    assert guard_path(tree["shared"] / ".env", roots, DENY).status == 403


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_guard_follows_symlinks_and_checks_the_real_path(tree: dict[str, Path]) -> None:
    root = tree["root"]
    (root / "leak.txt").symlink_to(tree["outside"] / "secret.txt")
    (root / "outdir").symlink_to(tree["outside"], target_is_directory=True)
    (root / "harmless.txt").symlink_to(root / ".env")  # innocent name, denied target
    (root / "loop").symlink_to(root / "loop")
    assert guard_path(root / "leak.txt", (root,), DENY).status == 403
    assert guard_path(root / "outdir" / "secret.txt", (root,), DENY).status == 403
    assert guard_path(root / "harmless.txt", (root,), DENY).status == 403
    assert guard_path(root / "loop", (root,), DENY).status == 404
    (root / "lib").symlink_to(tree["shared"], target_is_directory=True)
    assert guard_path(root / "lib" / "lib.js", (root, tree["shared"]), DENY).status == 200


def test_guard_refuses_colons(tree: dict[str, Path]) -> None:
    # NTFS alternate data streams (CVE-2026-53571): '/.env::$DATA', 'a.js:stream'
    assert guard_path(tree["root"] / ".env::$DATA", (tree["root"],), DENY).status == 403
    assert guard_path(tree["root"] / "src" / "a.js:x", (tree["root"],), DENY).status == 403
