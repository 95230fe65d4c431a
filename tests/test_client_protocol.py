"""The browser client and ``shaker/protocol.py`` must speak the same protocol.

The client is two files, as Vite's ``client.ts`` and ``hmr.ts``: ``client.js`` (the browser glue:
payload dispatch, the socket) and ``hot.js`` (the core: client messages, updates, built-in
events). Each keeps the vocabulary it uses between ``// #region protocol`` and
``// #endregion protocol``: JSDoc typedefs that are unions of string literals, ``const NAME =
'value';`` lines, and the ``EVENTS`` object. This test reads those blocks line by line (it does
not parse JavaScript), checks that each file declares its own part and that no name is declared
in both (two copies could drift apart), and compares the whole with ``shaker.protocol``; it also
checks the event and payload names in ``client.d.ts``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shaker import protocol

CLIENT_DIR = Path(__file__).resolve().parents[1] / "shaker" / "client"
CLIENT_JS = CLIENT_DIR / "client.js"
HOT_JS = CLIENT_DIR / "hot.js"
CLIENT_DTS = CLIENT_DIR / "client.d.ts"

OWN_VOCABULARY = {
    CLIENT_JS: {"PayloadType", "ClientPath", "WS_PATH", "SUBPROTOCOL", "PING_SUBPROTOCOL"},
    HOT_JS: {"ClientMessageType", "UpdateType", "BuiltinEvent", "EVENTS"},
}
"""What each file declares: the glue dispatches payloads and dials the socket; the core builds
client messages, applies updates and dispatches built-in events."""


def file_block(path: Path) -> list[str]:
    """The lines of one client file between its protocol region markers."""
    lines = path.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("// #region protocol")]
    ends = [i for i, line in enumerate(lines) if line.startswith("// #endregion protocol")]
    assert len(starts) == 1 and len(ends) == 1, f"{path.name} needs exactly one protocol region"
    return lines[starts[0] + 1 : ends[0]]


def protocol_block(*paths: Path) -> list[str]:
    """The protocol regions of ``paths`` (default: both client files), one after the other."""
    return [line for path in paths or (CLIENT_JS, HOT_JS) for line in file_block(path)]


def literal_unions(*paths: Path) -> dict[str, tuple[str, ...]]:
    """``@typedef {'a' | 'b'} Name`` lines of the block, as ``{Name: ('a', 'b')}``."""
    unions: dict[str, tuple[str, ...]] = {}
    for line in protocol_block(*paths):
        _, marker, rest = line.partition("@typedef {")
        if not marker or rest.startswith("{"):  # object shapes are not unions
            continue
        body, _, name = rest.rpartition("}")
        members = [m.strip() for m in body.split("|")]
        if all(len(m) > 1 and m[0] == m[-1] == "'" for m in members):
            unions[name.strip()] = tuple(m[1:-1] for m in members)
    return unions


def string_constants(*paths: Path) -> dict[str, str]:
    """``const NAME = 'value';`` lines of the block (``export const`` too)."""
    constants: dict[str, str] = {}
    for line in protocol_block(*paths):
        line = line.removeprefix("export ")
        if line.startswith("const ") and "= '" in line:
            name, _, value = line.removeprefix("const ").partition(" = '")
            constants[name.strip()] = value.partition("'")[0]
    return constants


def events_object(*paths: Path) -> dict[str, str]:
    """The ``key: 'value',`` entries of ``export const EVENTS = Object.freeze({ ... });``."""
    block = protocol_block(*paths)
    opening = [line.removeprefix("export ").startswith("const EVENTS =") for line in block]
    start = opening.index(True)
    events: dict[str, str] = {}
    for line in block[start + 1 :]:
        if line.startswith("});"):
            return events
        key, _, value = line.strip().partition(": ")
        events[key] = value.strip("',")
    raise AssertionError("EVENTS object is not closed inside the protocol region")


def declared_names(path: Path) -> set[str]:
    """The typedef unions, string constants and ``EVENTS`` one file's region declares."""
    names = set(literal_unions(path)) | set(string_constants(path))
    if any("const EVENTS =" in line for line in file_block(path)):
        names.add("EVENTS")
    return names


@pytest.mark.parametrize("path", list(OWN_VOCABULARY), ids=lambda p: p.name)
def test_each_file_declares_its_own_vocabulary(path: Path) -> None:
    """Checked per file, so moving a name out of a region (or copying it) fails here."""
    assert declared_names(path) == OWN_VOCABULARY[path]


def test_payload_types_match() -> None:
    unions = literal_unions()
    assert unions["PayloadType"] == protocol.MESSAGE_TYPES
    assert unions["ClientMessageType"] == protocol.CLIENT_MESSAGE_TYPES
    assert unions["UpdateType"] == protocol.UPDATE_TYPES


@pytest.mark.parametrize("kind", protocol.MESSAGE_TYPES)
def test_every_payload_type_has_a_shape(kind: str) -> None:
    shapes = [line for line in protocol_block() if "@typedef {{type: " in line]
    assert any(f"@typedef {{{{type: '{kind}'" in line for line in shapes), kind


def test_builtin_events_match() -> None:
    assert literal_unions()["BuiltinEvent"] == protocol.CLIENT_EVENTS
    assert tuple(events_object().values()) == protocol.CLIENT_EVENTS
    assert all(event.startswith("shaker:") for event in protocol.CLIENT_EVENTS)


def test_paths_and_subprotocols_match() -> None:
    assert string_constants() == {
        "WS_PATH": protocol.WS_PATH,
        "SUBPROTOCOL": protocol.SUBPROTOCOL,
        "PING_SUBPROTOCOL": protocol.PING_SUBPROTOCOL,
    }
    assert literal_unions()["ClientPath"] == (protocol.CLIENT_PATH,)


def test_config_placeholder_appears_once() -> None:
    """The server substitutes the JSON config for this identifier, textually, in client.js
    only: hot.js is served as it is and gets what it needs from client.js."""
    assert CLIENT_JS.read_text(encoding="utf-8").count("__SHAKER_CONFIG__") == 1
    assert "__SHAKER_CONFIG__" not in HOT_JS.read_text(encoding="utf-8")


def test_typescript_declarations_match() -> None:
    dts = CLIENT_DTS.read_text(encoding="utf-8")
    event_map = dts.partition("export interface ShakerEventMap {")[2].partition("\n}")[0]
    events = tuple(
        line.strip().partition("'")[2].partition("'")[0]
        for line in event_map.splitlines()
        if line.strip().startswith("'")
    )
    assert events == protocol.CLIENT_EVENTS
    for kind in protocol.MESSAGE_TYPES:
        assert f"  type: '{kind}';" in dts, f"client.d.ts has no payload of type {kind!r}"
    assert "readonly hot?: ShakerHotContext;" in dts


def test_typescript_declarations_cover_the_client_exports() -> None:
    """client.d.ts declares exactly what the public module exports (hot.js is not public)."""
    exported = re.compile(r"^export (?:async )?function (\w+)", re.MULTILINE)
    declared = set(exported.findall(CLIENT_DTS.read_text(encoding="utf-8")))
    assert declared == set(exported.findall(CLIENT_JS.read_text(encoding="utf-8")))
    assert not re.search(r"^export (?!function)", CLIENT_JS.read_text(encoding="utf-8"), re.M)
