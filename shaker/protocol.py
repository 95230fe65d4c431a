"""The HMR wire protocol: the one Python source of truth for what crosses the WebSocket.

Payload shapes follow Vite's ``hmrPayload.d.ts`` so that knowledge and tooling carry over.
Every message, in both directions, is one JSON object in one WebSocket text frame. The
browser client mirrors these names in its JSDoc typedefs: ``shaker/client/client.js`` (payload
types, paths, subprotocols) and ``shaker/client/hot.js`` (client messages, update types,
built-in events). A test checks that they agree, so rename nothing here without renaming it
there.

>>> encode(FullReload(path="*", reason="config changed"))
'{"type":"full-reload","path":"*","reason":"config changed"}'
>>> decode_client_message('{"type":"custom","event":"hi","data":[1]}')
ClientCustom(event='hi', data=[1])
>>> decode_client_message('not json') is None
True

Text crosses the wire as UTF-8, so a string holding a lone surrogate (JSON allows ``"\\ud800"``,
UTF-8 cannot carry it) is refused at both edges: ``parse_client_message`` rejects a client
message containing one, and ``encode_frame`` refuses a payload that cannot be encoded, raising
``ProtocolError`` to whoever sent it. A frame is encoded once and the same bytes go to every
client, so nothing that reaches a client's send queue can fail to encode.

>>> parse_client_message('{"type":"custom","event":"x","data":"\\ud800"}')
Traceback (most recent call last):
  ...
shaker.protocol.ProtocolError: invalid text: lone surrogate U+D800 (not valid UTF-8)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

WS_PATH = "/@shaker/ws"
"""Where the hot channel's WebSocket lives (joined with ``base``)."""
SUBPROTOCOL = "shaker-hmr"
"""``Sec-WebSocket-Protocol`` of the hot channel; anything else is not upgraded."""
PING_SUBPROTOCOL = "shaker-ping"
"""Restart poll: the server accepts and closes with 1000 at once, carrying no data."""
CLIENT_PATH = "/@shaker/client"
"""URL of the browser client module."""

MESSAGE_TYPES: tuple[str, ...] = (
    "connected",
    "update",
    "full-reload",
    "prune",
    "error",
    "custom",
    "ping",
)
"""Every server→client payload ``type``."""

CLIENT_MESSAGE_TYPES: tuple[str, ...] = ("custom", "ping")
"""Every client→server message ``type``."""

UPDATE_TYPES: tuple[str, ...] = ("js-update", "css-update")
"""Values of ``Update.type``."""

EVENT_BEFORE_UPDATE = "shaker:beforeUpdate"
EVENT_AFTER_UPDATE = "shaker:afterUpdate"
EVENT_BEFORE_FULL_RELOAD = "shaker:beforeFullReload"
EVENT_BEFORE_PRUNE = "shaker:beforePrune"
EVENT_INVALIDATE = "shaker:invalidate"
EVENT_ERROR = "shaker:error"
EVENT_WS_CONNECT = "shaker:ws:connect"
EVENT_WS_DISCONNECT = "shaker:ws:disconnect"

CLIENT_EVENTS: tuple[str, ...] = (
    EVENT_BEFORE_UPDATE,
    EVENT_AFTER_UPDATE,
    EVENT_BEFORE_FULL_RELOAD,
    EVENT_BEFORE_PRUNE,
    EVENT_INVALIDATE,
    EVENT_ERROR,
    EVENT_WS_CONNECT,
    EVENT_WS_DISCONNECT,
)
"""Built-in events the browser client dispatches through ``import.meta.hot.on``."""

EVENT_CLIENT_CONNECT = "shaker:client:connect"
EVENT_CLIENT_DISCONNECT = "shaker:client:disconnect"
SERVER_EVENTS: tuple[str, ...] = (
    "connection",
    "disconnect",
    EVENT_CLIENT_CONNECT,
    EVENT_CLIENT_DISCONNECT,
)
"""Built-in events a Python plugin can listen to with ``server.ws.on``."""

UpdateType = Literal["js-update", "css-update"]


class ProtocolError(ValueError):
    """A client message that is not a valid protocol message; ``str()`` says why."""


@dataclass(frozen=True)
class Update:
    """One module to re-import: ``path`` is the boundary, ``accepted_path`` what is fetched."""

    type: UpdateType
    path: str
    accepted_path: str
    timestamp: int
    explicit_import_required: bool | None = None
    is_within_circular_import: bool | None = None
    first_invalidated_by: str | None = None


@dataclass(frozen=True)
class ErrorLocation:
    file: str
    line: int
    column: int


@dataclass(frozen=True)
class ErrorInfo:
    """What the overlay shows: keep it small (Vite copies only these fields, too)."""

    message: str
    stack: str = ""
    id: str | None = None
    frame: str | None = None
    loc: ErrorLocation | None = None
    plugin: str | None = None


@dataclass(frozen=True)
class Connected:
    type: Literal["connected"] = field(default="connected", init=False)


@dataclass(frozen=True)
class UpdatePayload:
    updates: tuple[Update, ...]
    type: Literal["update"] = field(default="update", init=False)


@dataclass(frozen=True)
class FullReload:
    """``reason`` is shaker's addition: every full reload says why, in words.

    ``wait_for_origin`` (shaker's, for backend pages): reload only once the page's own origin
    answers again; the number is how many ms the backend may take to go down for a restart
    (a file it runs changed), during which the page keeps checking before it reloads.
    """

    path: str | None = None
    triggered_by: str | None = None
    reason: str | None = None
    wait_for_origin: int | None = None
    type: Literal["full-reload"] = field(default="full-reload", init=False)


@dataclass(frozen=True)
class Prune:
    paths: tuple[str, ...]
    type: Literal["prune"] = field(default="prune", init=False)


@dataclass(frozen=True)
class ErrorPayload:
    """``during_update`` is shaker's addition: the error came from checking a changed file
    before a hot update, so the page still runs the previous version and is not broken."""

    err: ErrorInfo
    during_update: bool | None = None
    type: Literal["error"] = field(default="error", init=False)


@dataclass(frozen=True)
class Custom:
    event: str
    data: Any = None
    type: Literal["custom"] = field(default="custom", init=False)


@dataclass(frozen=True)
class Ping:
    type: Literal["ping"] = field(default="ping", init=False)


HotPayload = Connected | UpdatePayload | FullReload | Prune | ErrorPayload | Custom | Ping
"""A server→client message."""


@dataclass(frozen=True)
class ClientCustom:
    """``import.meta.hot.send(event, data)`` as the server receives it."""

    event: str
    data: Any = None


@dataclass(frozen=True)
class ClientPing:
    """The client's keepalive; the server ignores it."""


ClientMessage = ClientCustom | ClientPing

_WIRE_NAMES = {
    "accepted_path": "acceptedPath",
    "explicit_import_required": "explicitImportRequired",
    "is_within_circular_import": "isWithinCircularImport",
    "first_invalidated_by": "firstInvalidatedBy",
    "triggered_by": "triggeredBy",
    "during_update": "duringUpdate",
    "wait_for_origin": "waitForOrigin",
}
# Fields that stay on the wire even when None/absent would otherwise drop them.
_ALWAYS = {"data"}


def _to_wire(value: Any) -> Any:
    """Payload dataclasses to dicts. Only payload structure is walked: ``Custom.data`` is
    the sender's JSON value and goes to the encoder as it is (walking it would recurse once per
    nesting level of data a client may have supplied)."""
    if isinstance(value, (tuple, list)):
        return [_to_wire(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        out: dict[str, Any] = {}
        names = list(value.__dataclass_fields__)
        if "type" in names:  # the discriminator goes first, as Vite's frames show
            names.remove("type")
            names.insert(0, "type")
        for name in names:
            item = getattr(value, name)
            if item is None and name not in _ALWAYS:
                continue
            out[_WIRE_NAMES.get(name, name)] = item if name == "data" else _to_wire(item)
        return out
    return value


def to_wire(payload: HotPayload | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON object for ``payload``: a payload dataclass, or a dict already in wire shape.

    A dict must carry a known ``type``; that is the only check, because plugins that send raw
    payloads (``server.ws.send({...})``) are trusted code.
    """
    if isinstance(payload, Mapping):
        kind = payload.get("type")
        if kind not in MESSAGE_TYPES:
            raise ProtocolError(f"unknown payload type {kind!r}; expected one of {MESSAGE_TYPES}")
        return dict(payload)
    wire = _to_wire(payload)
    if not isinstance(wire, dict) or wire.get("type") not in MESSAGE_TYPES:
        raise ProtocolError(f"not a hot payload: {payload!r}")
    return wire


def _unencodable(exc: UnicodeError) -> str:
    if isinstance(exc, (UnicodeEncodeError, UnicodeDecodeError)):
        bad = exc.object[exc.start : exc.start + 1]
        if isinstance(bad, str) and bad:
            return f"invalid text: lone surrogate U+{ord(bad):04X} (not valid UTF-8)"
    return f"invalid text: {exc.reason if hasattr(exc, 'reason') else exc}"


def encode_frame(payload: HotPayload | Mapping[str, Any]) -> bytes:
    """One server→client payload as the UTF-8 bytes of one text frame (compact JSON).

    Raises ``ProtocolError`` saying why when the payload is not valid JSON text: a string
    with a lone surrogate, a value JSON cannot represent (a set, an object, NaN), nesting too
    deep for the encoder. The caller (``server.ws.send``, ``client.send``) gets the error; no
    client's connection is touched.
    """
    wire = to_wire(payload)
    try:
        text = json.dumps(wire, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        return text.encode("utf-8")
    except UnicodeError as exc:
        raise ProtocolError(_unencodable(exc)) from None
    except RecursionError:
        raise ProtocolError("payload nested too deeply to encode") from None
    except (TypeError, ValueError) as exc:
        raise ProtocolError(f"payload is not JSON: {exc}") from None


def encode(payload: HotPayload | Mapping[str, Any]) -> str:
    """Serialise one server→client payload into the text of one frame (compact JSON); raises
    ``ProtocolError`` as ``encode_frame`` does."""
    return encode_frame(payload).decode("utf-8")


def _check_text(value: Any) -> None:
    """Raise ``ProtocolError`` if a decoded client value holds a string that is not valid
    UTF-8 text (a lone surrogate from a ``\\uD800`` escape): such a string cannot be logged,
    compared sensibly or sent back to any client."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeError as exc:
        raise ProtocolError(_unencodable(exc)) from None
    except RecursionError:
        raise ProtocolError("message nested too deeply") from None


def parse_client_message(text: str) -> ClientMessage:
    """Parse one client→server frame; raise ``ProtocolError`` saying what is wrong with it."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"invalid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ProtocolError(f"expected a JSON object, got {type(value).__name__}")
    _check_text(value)
    kind = value.get("type")
    if kind == "ping":
        return ClientPing()
    if kind == "custom":
        event = value.get("event")
        if not isinstance(event, str) or not event:
            raise ProtocolError("custom message without a string 'event'")
        return ClientCustom(event=event, data=value.get("data"))
    raise ProtocolError(f"unknown message type {kind!r}")


def decode_client_message(text: str) -> ClientMessage | None:
    """Like ``parse_client_message`` but returns ``None`` for anything invalid."""
    try:
        return parse_client_message(text)
    except ProtocolError:
        return None
