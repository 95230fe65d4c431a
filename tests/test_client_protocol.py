"""The browser client and ``shaker/protocol.py`` must speak the same protocol.

``client.js`` keeps its whole protocol vocabulary between ``// #region protocol`` and
``// #endregion protocol``: JSDoc typedefs that are unions of string literals, ``const NAME =
'value';`` lines, and the ``EVENTS`` object. This test reads that block line by line (it does not
parse JavaScript) and compares it with ``shaker.protocol``; it also checks the event and payload
names in ``client.d.ts``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shaker import protocol

CLIENT_DIR = Path(__file__).resolve().parents[1] / "shaker" / "client"
CLIENT_JS = CLIENT_DIR / "client.js"
CLIENT_DTS = CLIENT_DIR / "client.d.ts"


def protocol_block() -> list[str]:
    """The lines of client.js between the protocol region markers."""
    lines = CLIENT_JS.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("// #region protocol")]
    ends = [i for i, line in enumerate(lines) if line.startswith("// #endregion protocol")]
    assert len(starts) == 1 and len(ends) == 1, "client.js needs exactly one protocol region"
    return lines[starts[0] + 1 : ends[0]]


def literal_unions() -> dict[str, tuple[str, ...]]:
    """``@typedef {'a' | 'b'} Name`` lines of the block, as ``{Name: ('a', 'b')}``."""
    unions: dict[str, tuple[str, ...]] = {}
    for line in protocol_block():
        _, marker, rest = line.partition("@typedef {")
        if not marker or rest.startswith("{"):  # object shapes are not unions
            continue
        body, _, name = rest.rpartition("}")
        members = [m.strip() for m in body.split("|")]
        if all(len(m) > 1 and m[0] == m[-1] == "'" for m in members):
            unions[name.strip()] = tuple(m[1:-1] for m in members)
    return unions


def string_constants() -> dict[str, str]:
    """``const NAME = 'value';`` lines of the block."""
    constants: dict[str, str] = {}
    for line in protocol_block():
        if line.startswith("const ") and "= '" in line:
            name, _, value = line.removeprefix("const ").partition(" = '")
            constants[name.strip()] = value.partition("'")[0]
    return constants


def events_object() -> dict[str, str]:
    """The ``key: 'value',`` entries of ``const EVENTS = Object.freeze({ ... });``."""
    block = protocol_block()
    start = next(i for i, line in enumerate(block) if line.startswith("const EVENTS ="))
    events: dict[str, str] = {}
    for line in block[start + 1 :]:
        if line.startswith("});"):
            return events
        key, _, value = line.strip().partition(": ")
        events[key] = value.strip("',")
    raise AssertionError("EVENTS object is not closed inside the protocol region")


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
    """The server substitutes the JSON config for this identifier, textually."""
    assert CLIENT_JS.read_text(encoding="utf-8").count("__SHAKER_CONFIG__") == 1


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
