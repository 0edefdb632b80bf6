"""The wire log as typed, frozen records: one writer (``to_json``) and one reader
(``from_json``) for the JSON form that ``/_log``, ``WireLog.find`` and the suite's case files
carry (docs/mockserver.md, "Wire log entry").

A caller that holds the JSON form (a case file, a dict from ``WireLog.find``) reads it with
``ConnectionEntry.from_json`` (or ``entry_of``) and asks the record, never the dict: what "the
close frame" is, for instance, is decided once, by ``is_close_frame``.

``from_json`` takes the documented shape and fills a missing field with its empty value (a
log written by an older server, or by hand in a test); a field of the wrong type is a
``WireLogFormatError`` naming the field.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal, Self, TypeVar, cast

Direction = Literal["in", "out"]  # "in": client to server
DIRECTIONS: tuple[Direction, Direction] = ("in", "out")

JsonDict = dict[str, Any]


class WireLogFormatError(ValueError):
    """A wire-log document that does not have the documented shape (docs/mockserver.md)."""


def is_close_frame(opcode: int, fin: bool, rsv1: bool, rsv2: bool, rsv3: bool) -> bool:
    """THE close frame, for the log and for everyone who reads it (RFC 6455 §5.5.1, §5.2).

    A close frame is opcode 8 with FIN set and no RSV bit: a control frame must not be
    fragmented, and RSV bits without a negotiated extension make the frame a protocol
    violation (Autobahn 3.7, 5.x). Such a broken frame fails the connection; it does not
    start the closing handshake, so it is never the log's ``close.in``/``close.out``."""
    return opcode == 8 and fin and not (rsv1 or rsv2 or rsv3)


def is_close_first_byte(first: int) -> bool:
    """``is_close_frame`` on a frame's first byte (flags and opcode)."""
    return is_close_frame(
        first & 0x0F, bool(first & 0x80), bool(first & 0x40), bool(first & 0x20), bool(first & 0x10)
    )


# -- reading helpers -----------------------------------------------------------------------

T = TypeVar("T")


def _field(doc: Mapping[str, Any], key: str, kind: type[T] | tuple[type, ...], default: T) -> T:
    """``doc[key]`` when present and not None, checked against ``kind``; else ``default``."""
    value = doc.get(key)
    if value is None:
        return default
    if (isinstance(value, bool) and kind in (int, float)) or not isinstance(value, kind):
        raise WireLogFormatError(
            f"wire log: field {key!r} is {type(value).__name__} {value!r:.60}, not "
            f"{getattr(kind, '__name__', kind)}"
        )
    return cast(T, value)


def _optional(doc: Mapping[str, Any], key: str, kind: type[T]) -> T | None:
    return _field(doc, key, kind, cast("T | None", None))


def _number(doc: Mapping[str, Any], key: str) -> float:
    return float(_field(doc, key, (int, float), 0.0))


def _mapping(doc: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise WireLogFormatError(f"wire log: field {key!r} is not an object")
    return value


def _items(doc: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise WireLogFormatError(f"wire log: field {key!r} is not a list")
    for item in value:
        if not isinstance(item, Mapping):
            raise WireLogFormatError(f"wire log: an item of {key!r} is not an object")
    return list(value)


def _direction(doc: Mapping[str, Any]) -> Direction:
    value = doc.get("dir")
    if value not in DIRECTIONS:
        raise WireLogFormatError(f"wire log: dir is {value!r}, not 'in' or 'out'")
    return cast(Direction, value)


def _headers(doc: Mapping[str, Any], key: str) -> tuple[tuple[str, str], ...]:
    pairs = doc.get(key) or []
    try:
        return tuple((str(name), str(value)) for name, value in pairs)
    except (TypeError, ValueError):
        raise WireLogFormatError(f"wire log: {key!r} is not a list of [name, value]") from None


# -- payloads ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Captured:
    """A payload as the log keeps it: text when it decodes (for text, close and control
    opcodes), else base64; at most ``payload_cap`` bytes (``truncated`` when cut)."""

    text: str | None = None
    b64: str | None = None
    truncated: bool = False

    @classmethod
    def of(cls, payload: bytes, length: int, opcode: int, cap: int) -> Captured:
        captured = payload[:cap]
        truncated = length > len(captured)
        if opcode in (1, 0, 8, 9, 10):
            try:
                return cls(captured.decode("utf-8"), None, truncated)
            except UnicodeDecodeError:
                pass
        return cls(None, base64.b64encode(captured).decode("ascii"), truncated)

    @property
    def data(self) -> bytes:
        """The captured bytes."""
        if self.text is not None:
            return self.text.encode("utf-8")
        return base64.b64decode(self.b64 or "")

    def json_fields(self) -> JsonDict:
        return {"text": self.text, "b64": self.b64, "truncated": self.truncated}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Captured:
        return cls(
            _optional(doc, "text", str),
            _optional(doc, "b64", str),
            _field(doc, "truncated", bool, False),
        )


@dataclass(frozen=True)
class CloseFields:
    """A close frame's payload: ``code`` (None for an empty payload), reason, and the raw
    payload in hex."""

    code: int | None
    reason: str
    payload_hex: str

    @classmethod
    def of(cls, payload: bytes) -> CloseFields:
        code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        return cls(code, payload[2:].decode("utf-8", "replace"), payload.hex())

    def to_json(self) -> JsonDict:
        return {"code": self.code, "reason": self.reason, "payload_hex": self.payload_hex}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any] | None) -> CloseFields | None:
        if doc is None:
            return None
        return cls(
            _optional(doc, "code", int),
            _field(doc, "reason", str, ""),
            _field(doc, "payload_hex", str, ""),
        )


# -- frames, messages, notes -----------------------------------------------------------------


@dataclass(frozen=True)
class WireFrame:
    """One frame either way, as it crossed the wire (payload unmasked, capped)."""

    seq: int
    t: float
    dir: Direction
    fin: bool
    rsv1: bool
    rsv2: bool
    rsv3: bool
    opcode: int
    masked: bool
    mask_key: str | None  # hex; None when unmasked, and for a frame the server masked
    length: int  # the declared payload length
    payload: Captured = field(default_factory=Captured)

    @property
    def is_close(self) -> bool:
        """This frame is a close frame (``is_close_frame``), not merely opcode 8."""
        return is_close_frame(self.opcode, self.fin, self.rsv1, self.rsv2, self.rsv3)

    @property
    def is_data(self) -> bool:
        return self.opcode in (0, 1, 2)

    def to_json(self) -> JsonDict:
        return {
            "seq": self.seq,
            "t": self.t,
            "dir": self.dir,
            "fin": self.fin,
            "rsv1": self.rsv1,
            "rsv2": self.rsv2,
            "rsv3": self.rsv3,
            "opcode": self.opcode,
            "masked": self.masked,
            "mask_key": self.mask_key,
            "length": self.length,
            **self.payload.json_fields(),
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> WireFrame:
        return cls(
            seq=_field(doc, "seq", int, -1),
            t=_number(doc, "t"),
            dir=_direction(doc),
            fin=_field(doc, "fin", bool, True),
            rsv1=_field(doc, "rsv1", bool, False),
            rsv2=_field(doc, "rsv2", bool, False),
            rsv3=_field(doc, "rsv3", bool, False),
            opcode=_field(doc, "opcode", int, 0),
            masked=_field(doc, "masked", bool, False),
            mask_key=_optional(doc, "mask_key", str),
            length=_field(doc, "length", int, 0),
            payload=Captured.from_json(doc),
        )


@dataclass(frozen=True)
class WireMessage:
    """One whole message either way, as aiohttp parsed it (or the server wrote it): length
    and SHA-256 of the full payload, and its first bytes."""

    seq: int
    t: float
    dir: Direction
    kind: str  # "text" or "binary"
    len: int
    sha256: str | None  # None: the digest did not come in time
    payload: Captured = field(default_factory=Captured)

    def to_json(self) -> JsonDict:
        return {
            "seq": self.seq,
            "t": self.t,
            "dir": self.dir,
            "kind": self.kind,
            "len": self.len,
            "sha256": self.sha256,
            **self.payload.json_fields(),
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> WireMessage:
        return cls(
            seq=_field(doc, "seq", int, -1),
            t=_number(doc, "t"),
            dir=_direction(doc),
            kind=_field(doc, "kind", str, ""),
            len=_field(doc, "len", int, 0),
            sha256=_optional(doc, "sha256", str),
            payload=Captured.from_json(doc),
        )


@dataclass(frozen=True)
class Note:
    """Something the server noticed (``kind``: expect_mismatch, step_failed, mark, ...)."""

    t: float
    kind: str
    detail: str

    def to_json(self) -> JsonDict:
        return {"t": self.t, "kind": self.kind, "detail": self.detail}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Note:
        return cls(_number(doc, "t"), _field(doc, "kind", str, ""), _field(doc, "detail", str, ""))


@dataclass(frozen=True)
class ClientError:
    """The client's first protocol error, and the close code the server failed it with."""

    t: float
    close_code: int | None
    why: str

    def to_json(self) -> JsonDict:
        return {"t": self.t, "close_code": self.close_code, "why": self.why}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any] | None) -> ClientError | None:
        if doc is None:
            return None
        return cls(
            _number(doc, "t"), _optional(doc, "close_code", int), _field(doc, "why", str, "")
        )


# -- the connection ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Handshake:
    """The opening handshake: the client's request and the server's answer."""

    method: str = ""
    path: str = ""
    version: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    response_status: int | None = None
    response_reason: str | None = None
    response_headers: tuple[tuple[str, str], ...] = ()
    client_certificate: str | None = None  # the common name of the client's certificate

    def answered(
        self,
        status: int,
        reason: str | None = None,
        headers: tuple[tuple[str, str], ...] | None = None,
    ) -> Handshake:
        """This handshake with the server's answer."""
        return replace(
            self,
            response_status=status,
            response_reason=reason,
            response_headers=self.response_headers if headers is None else headers,
        )

    def to_json(self) -> JsonDict:
        return {
            "method": self.method,
            "path": self.path,
            "version": self.version,
            "headers": [[k, v] for k, v in self.headers],
            "response_status": self.response_status,
            "response_reason": self.response_reason,
            "response_headers": [[k, v] for k, v in self.response_headers],
            "client_certificate": self.client_certificate,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any] | None) -> Handshake | None:
        if doc is None:
            return None
        return cls(
            method=_field(doc, "method", str, ""),
            path=_field(doc, "path", str, ""),
            version=_field(doc, "version", str, ""),
            headers=_headers(doc, "headers"),
            response_status=_optional(doc, "response_status", int),
            response_reason=_optional(doc, "response_reason", str),
            response_headers=_headers(doc, "response_headers"),
            client_certificate=_optional(doc, "client_certificate", str),
        )


@dataclass(frozen=True)
class CloseRecord:
    """The closing handshake: the first close frame each way (``is_close_frame``) and who
    sent the first of all."""

    incoming: CloseFields | None = None  # JSON "in"
    outgoing: CloseFields | None = None  # JSON "out"
    first: Literal["client", "server"] | None = None

    def way(self, direction: Direction) -> CloseFields | None:
        return self.incoming if direction == "in" else self.outgoing

    def to_json(self) -> JsonDict:
        return {
            "in": None if self.incoming is None else self.incoming.to_json(),
            "out": None if self.outgoing is None else self.outgoing.to_json(),
            "first": self.first,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any] | None) -> CloseRecord:
        if doc is None:
            return cls()
        first = doc.get("first")
        if first not in (None, "client", "server"):
            raise WireLogFormatError(f"wire log: close.first is {first!r}")
        return cls(
            CloseFields.from_json(_mapping(doc, "in")),
            CloseFields.from_json(_mapping(doc, "out")),
            first,
        )


@dataclass(frozen=True)
class TcpEnd:
    """Who ended TCP (``client``, ``server``, ``unknown``), and whether a close frame had
    gone either way by then."""

    ended_by: str = "unknown"
    after_close: bool = False

    def to_json(self) -> JsonDict:
        return {"ended_by": self.ended_by, "after_close": self.after_close}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any] | None) -> TcpEnd:
        if doc is None:
            return cls()
        return cls(_field(doc, "ended_by", str, "unknown"), _field(doc, "after_close", bool, False))


class _Counts:
    """A record of whole-number counts: its JSON is its fields by name (a missing one is 0)."""

    def to_json(self) -> JsonDict:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_json(cls, doc: Mapping[str, Any] | None) -> Self:
        doc = doc or {}
        names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
        return cls(*(_field(doc, name, int, 0) for name in names))


@dataclass(frozen=True)
class Dropped(_Counts):
    """What the log left out (docs/mockserver.md, "Limits")."""

    frames: int = 0
    messages: int = 0
    payloads: int = 0  # frames and messages kept without their bytes
    notes: int = 0


@dataclass(frozen=True)
class DirectionTotals(_Counts):
    """Everything that went by one way, kept in the log or not."""

    frames: int = 0
    frame_bytes: int = 0
    messages: int = 0
    message_bytes: int = 0


@dataclass(frozen=True)
class Totals:
    incoming: DirectionTotals = field(default_factory=DirectionTotals)  # JSON "in"
    outgoing: DirectionTotals = field(default_factory=DirectionTotals)  # JSON "out"

    def to_json(self) -> JsonDict:
        return {"in": self.incoming.to_json(), "out": self.outgoing.to_json()}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any] | None) -> Totals:
        doc = doc or {}
        return cls(
            DirectionTotals.from_json(_mapping(doc, "in")),
            DirectionTotals.from_json(_mapping(doc, "out")),
        )


@dataclass(frozen=True)
class ConnectionSummary:
    """A line of ``/_log``: a connection without its frames."""

    id: str
    tag: str | None
    route: str
    script_id: str | None
    started: float
    ended: float | None
    done: bool
    frames: int  # frames that went by (both ways)

    def to_json(self) -> JsonDict:
        return {
            "id": self.id,
            "tag": self.tag,
            "route": self.route,
            "script_id": self.script_id,
            "started": self.started,
            "ended": self.ended,
            "done": self.done,
            "frames": self.frames,
        }


@dataclass(frozen=True)
class ConnectionEntry:
    """One connection's whole log entry (docs/mockserver.md, "Wire log entry")."""

    id: str = ""
    tag: str | None = None
    route: str = ""
    script_id: str | None = None
    started: float = 0.0
    ended: float | None = None
    done: bool = False
    handshake: Handshake | None = None
    close: CloseRecord = field(default_factory=CloseRecord)
    tcp: TcpEnd = field(default_factory=TcpEnd)
    client_error: ClientError | None = None
    notes: tuple[Note, ...] = ()
    frames: tuple[WireFrame, ...] = ()
    messages: tuple[WireMessage, ...] = ()
    dropped: Dropped = field(default_factory=Dropped)
    totals: Totals = field(default_factory=Totals)

    # -- questions every reader asks ---------------------------------------------------------

    @property
    def opened(self) -> bool:
        """The server answered the handshake with 101."""
        return self.handshake is not None and self.handshake.response_status == 101

    def frames_of(self, direction: Direction) -> tuple[WireFrame, ...]:
        return tuple(f for f in self.frames if f.dir == direction)

    def messages_of(self, direction: Direction) -> tuple[WireMessage, ...]:
        return tuple(m for m in self.messages if m.dir == direction)

    def close_frames(self) -> tuple[WireFrame, ...]:
        """The close frames either way, in wire order (``WireFrame.is_close``)."""
        return tuple(f for f in self.frames if f.is_close)

    def marks(self) -> tuple[Note, ...]:
        return tuple(n for n in self.notes if n.kind == "mark")

    def header_map(self) -> dict[str, str]:
        """The request's headers by lower-case name (the last of repeated ones)."""
        headers = self.handshake.headers if self.handshake is not None else ()
        return {name.lower(): value for name, value in headers}

    # -- the JSON form -----------------------------------------------------------------------

    def head_json(self) -> JsonDict:
        """Everything but the frames and messages (they may be many: ``WireLog`` streams
        them after this)."""
        return {
            "id": self.id,
            "tag": self.tag,
            "route": self.route,
            "script_id": self.script_id,
            "started": self.started,
            "ended": self.ended,
            "done": self.done,
            "handshake": None if self.handshake is None else self.handshake.to_json(),
            "close": self.close.to_json(),
            "tcp": self.tcp.to_json(),
            "client_error": None if self.client_error is None else self.client_error.to_json(),
            "notes": [n.to_json() for n in self.notes],
            "dropped": self.dropped.to_json(),
            "totals": self.totals.to_json(),
        }

    def to_json(self) -> JsonDict:
        doc = self.head_json()
        doc["frames"] = [f.to_json() for f in self.frames]
        doc["messages"] = [m.to_json() for m in self.messages]
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> ConnectionEntry:
        """The record of a JSON entry; WireLogFormatError when it is not one."""
        if not isinstance(doc, Mapping):
            raise WireLogFormatError(f"wire log: an entry is {type(doc).__name__}, not an object")
        return cls(
            id=str(doc.get("id") or ""),
            tag=_optional(doc, "tag", str),
            route=_field(doc, "route", str, ""),
            script_id=_optional(doc, "script_id", str),
            started=_number(doc, "started"),
            ended=None if doc.get("ended") is None else _number(doc, "ended"),
            done=_field(doc, "done", bool, False),
            handshake=Handshake.from_json(_mapping(doc, "handshake")),
            close=CloseRecord.from_json(_mapping(doc, "close")),
            tcp=TcpEnd.from_json(_mapping(doc, "tcp")),
            client_error=ClientError.from_json(_mapping(doc, "client_error")),
            notes=tuple(Note.from_json(n) for n in _items(doc, "notes")),
            frames=tuple(WireFrame.from_json(f) for f in _items(doc, "frames")),
            messages=tuple(WireMessage.from_json(m) for m in _items(doc, "messages")),
            dropped=Dropped.from_json(_mapping(doc, "dropped")),
            totals=Totals.from_json(_mapping(doc, "totals")),
        )


def entry_of(log: ConnectionEntry | Mapping[str, Any] | None) -> ConnectionEntry | None:
    """A connection's record from whichever form a caller holds (the record, its JSON form,
    or None for no connection)."""
    if log is None or isinstance(log, ConnectionEntry):
        return log
    return ConnectionEntry.from_json(log)


def entries_of(logs: Sequence[ConnectionEntry | Mapping[str, Any]]) -> Iterator[ConnectionEntry]:
    for log in logs:
        entry = entry_of(log)
        if entry is not None:
            yield entry
