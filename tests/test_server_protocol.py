"""shaker.protocol: payload encoding and client-message decoding (pure)."""

from __future__ import annotations

import json

import pytest

from shaker import protocol
from shaker.protocol import (
    ClientCustom,
    ClientPing,
    Connected,
    Custom,
    ErrorInfo,
    ErrorLocation,
    ErrorPayload,
    FullReload,
    Ping,
    ProtocolError,
    Prune,
    Update,
    UpdatePayload,
    decode_client_message,
    encode,
    parse_client_message,
)


def test_constants_are_stable() -> None:
    assert protocol.WS_PATH == "/@shaker/ws"
    assert protocol.SUBPROTOCOL == "shaker-hmr"
    assert protocol.PING_SUBPROTOCOL == "shaker-ping"
    assert protocol.CLIENT_PATH == "/@shaker/client"
    assert protocol.MESSAGE_TYPES == (
        "connected",
        "update",
        "full-reload",
        "prune",
        "error",
        "custom",
        "ping",
    )
    assert set(protocol.CLIENT_EVENTS) == {
        "shaker:beforeUpdate",
        "shaker:afterUpdate",
        "shaker:beforeFullReload",
        "shaker:beforePrune",
        "shaker:invalidate",
        "shaker:error",
        "shaker:ws:connect",
        "shaker:ws:disconnect",
    }


@pytest.mark.parametrize(
    ("payload", "wire"),
    [
        (Connected(), {"type": "connected"}),
        (Ping(), {"type": "ping"}),
        (FullReload(), {"type": "full-reload"}),
        (
            FullReload(path="*", triggered_by="/abs/a.js", reason="a.js has no boundary"),
            {
                "type": "full-reload",
                "path": "*",
                "triggeredBy": "/abs/a.js",
                "reason": "a.js has no boundary",
            },
        ),
        (Prune(paths=("/a.js", "/b.js")), {"type": "prune", "paths": ["/a.js", "/b.js"]}),
        (
            Custom("my:ack", {"got": {"a": 1}}),
            {"type": "custom", "event": "my:ack", "data": {"got": {"a": 1}}},
        ),
        (
            UpdatePayload(
                updates=(
                    Update("js-update", "/hmr.js", "/dep.js", 1717, explicit_import_required=False),
                    Update("css-update", "/a.css", "/a.css", 2, first_invalidated_by="/x.js"),
                )
            ),
            {
                "type": "update",
                "updates": [
                    {
                        "type": "js-update",
                        "path": "/hmr.js",
                        "acceptedPath": "/dep.js",
                        "timestamp": 1717,
                        "explicitImportRequired": False,
                    },
                    {
                        "type": "css-update",
                        "path": "/a.css",
                        "acceptedPath": "/a.css",
                        "timestamp": 2,
                        "firstInvalidatedBy": "/x.js",
                    },
                ],
            },
        ),
        (
            ErrorPayload(
                ErrorInfo(
                    message="boom",
                    stack="s",
                    id="/a.js",
                    frame="> 1 | x",
                    loc=ErrorLocation("/abs/a.js", 1, 2),
                    plugin="p",
                )
            ),
            {
                "type": "error",
                "err": {
                    "message": "boom",
                    "stack": "s",
                    "id": "/a.js",
                    "frame": "> 1 | x",
                    "loc": {"file": "/abs/a.js", "line": 1, "column": 2},
                    "plugin": "p",
                },
            },
        ),
    ],
)
def test_encode(payload: protocol.HotPayload, wire: dict) -> None:
    text = encode(payload)
    assert json.loads(text) == wire
    assert text.startswith('{"type":')  # the discriminator first, like Vite's frames
    assert text == json.dumps(wire, separators=(",", ":"), ensure_ascii=False)  # compact


def test_encode_accepts_a_wire_dict_with_a_known_type() -> None:
    assert json.loads(encode({"type": "full-reload", "path": "*"})) == {
        "type": "full-reload",
        "path": "*",
    }
    with pytest.raises(ProtocolError):
        encode({"type": "nonsense"})
    with pytest.raises(ProtocolError):
        encode({"event": "x"})


def test_encode_keeps_unicode_readable() -> None:
    assert encode(Custom("e", "🔌")) == '{"type":"custom","event":"e","data":"🔌"}'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"type":"ping"}', ClientPing()),
        ('{"type":"custom","event":"a"}', ClientCustom("a", None)),
        ('{"type":"custom","event":"a","data":{"x":[1]}}', ClientCustom("a", {"x": [1]})),
    ],
)
def test_decode_valid(text: str, expected: protocol.ClientMessage) -> None:
    assert decode_client_message(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json", "invalid JSON"),
        ("", "invalid JSON"),
        ("[1,2]", "expected a JSON object"),
        ('"custom"', "expected a JSON object"),
        ("null", "expected a JSON object"),
        ('{"type":"update","updates":[]}', "unknown message type"),
        ('{"event":"a"}', "unknown message type"),
        ('{"type":"custom"}', "without a string 'event'"),
        ('{"type":"custom","event":""}', "without a string 'event'"),
        ('{"type":"custom","event":5}', "without a string 'event'"),
        ("[" * 100_000 + "]" * 100_000, "invalid JSON"),
    ],
)
def test_decode_invalid(text: str, reason: str) -> None:
    assert decode_client_message(text) is None
    with pytest.raises(ProtocolError, match=reason):
        parse_client_message(text)


# -- text that cannot cross the wire --------------------------------------------------------


@pytest.mark.parametrize("text", [
    '{"type":"custom","event":"x","data":"\\ud800"}',
    '{"type":"custom","event":"\\udfff","data":1}',
    '{"type":"custom","event":"x","data":{"\\ud800":1}}',
    '{"type":"custom","event":"x","data":[["a", "\\udc00b"]]}',
])
def test_a_lone_surrogate_in_a_client_message_is_refused(text: str) -> None:
    with pytest.raises(ProtocolError, match=r"lone surrogate U\+D[89A-F][0-9A-F]{2}"):
        parse_client_message(text)


def test_a_surrogate_pair_escape_is_text() -> None:
    assert parse_client_message('{"type":"custom","event":"x","data":"\\ud83d\\ude00"}') == (
        ClientCustom("x", "\U0001f600"))


@pytest.mark.parametrize("data, reason", [
    ("\ud800", "lone surrogate U\\+D800"),
    ({"k": {"\udc80": 1}}, "lone surrogate U\\+DC80"),
    ({1, 2}, "not JSON"),
    (float("nan"), "not JSON"),
    (object(), "not JSON"),
])
def test_encode_frame_refuses_what_is_not_json_text(data: object, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        protocol.encode_frame(Custom("x", data))
    with pytest.raises(ProtocolError, match=reason):
        encode({"type": "custom", "event": "x", "data": data})


def test_encode_frame_is_utf8_bytes_and_data_is_not_walked() -> None:
    frame = protocol.encode_frame(Custom("é", [1]))
    assert frame == '{"type":"custom","event":"é","data":[1]}'.encode()
    deep: list[object] = []
    for _ in range(900):  # a client-supplied value 900 levels deep, echoed by a plugin
        deep = [deep]
    frame = protocol.encode_frame(Custom("x", deep))
    assert frame.count(b"[") == 901
