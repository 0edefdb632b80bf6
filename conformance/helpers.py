"""Small readers over traces and wire logs that several case modules share."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from conformance.iut.trace import JSON, JSONObject, TraceEntry
from mockserver.records import (
    CloseFields,
    ConnectionEntry,
    Direction,
    Handshake,
    WireFrame,
    WireMessage,
    entry_of,
)

# A connection's wire log: its record, or its JSON form (read with ``entry_of``), or None.
WireLogEntry = ConnectionEntry | Mapping[str, Any] | None

STYLES = ("callback", "promise")


class _ServerLog(Protocol):
    def server_log(self, timeout: float = ...) -> ConnectionEntry | None: ...


def server_entry(ctx: _ServerLog, timeout: float = 3.0) -> ConnectionEntry | None:
    """The case's first connection as the server saw it, once TCP ended (``ctx.server_log``);
    None when no connection came. Cases ask the record, never the JSON form."""
    return ctx.server_log(timeout)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def messages(log: WireLogEntry, direction: Direction) -> tuple[WireMessage, ...]:
    entry = entry_of(log)
    return () if entry is None else entry.messages_of(direction)


def data_frames(log: WireLogEntry, direction: Direction) -> tuple[WireFrame, ...]:
    entry = entry_of(log)
    frames = () if entry is None else entry.frames_of(direction)
    return tuple(f for f in frames if f.is_data)


@dataclass(frozen=True)
class Masking:
    """RFC 6455 §5.3 over a connection's client frames (``masking``): the frames kept, their
    first keys, and the seq numbers of each kind of problem (all empty when all holds)."""

    frames: int
    keys: tuple[str | None, ...]
    unmasked: tuple[int, ...] = ()
    all_zero_key: tuple[int, ...] = ()
    repeated_keys: dict[str, list[int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.unmasked or self.all_zero_key or self.repeated_keys)

    def as_json(self) -> dict[str, Any]:
        """The check's evidence: ``problems`` holds only the kinds that occurred."""
        problems = {
            "unmasked": list(self.unmasked),
            "all_zero_key": list(self.all_zero_key),
            "repeated_keys": self.repeated_keys,
        }
        return {
            "frames": self.frames,
            "keys": list(self.keys),
            "problems": {k: v for k, v in problems.items() if v},
        }


def masking(log: WireLogEntry) -> Masking:
    """RFC 6455 §5.3 over the client frames the log kept: each must be masked, with a key no
    other frame of the connection used (a fresh key per frame), and never the all-zero key
    (it leaves the payload in clear)."""
    entry = entry_of(log)
    frames = () if entry is None else entry.frames_of("in")
    seen: dict[str, list[int]] = {}
    for f in frames:
        if f.mask_key:
            seen.setdefault(f.mask_key, []).append(f.seq)
    return Masking(
        frames=len(frames),
        keys=tuple(f.mask_key for f in frames[:20]),
        unmasked=tuple(f.seq for f in frames if not f.masked),
        all_zero_key=tuple(seen.get("00000000", [])),
        repeated_keys={k: s for k, s in seen.items() if len(s) > 1},
    )


def handshake_of(entry: ConnectionEntry) -> Handshake:
    """The connection's opening handshake. A logged connection without one (TCP only) is an
    AssertionError: a case that reads the request of every connection it made counts on the
    server having logged it, and ends in HARNESS-ERROR when it did not."""
    if entry.handshake is None:
        raise AssertionError(f"connection {entry.id} of the wire log has no handshake")
    return entry.handshake


def handshake_json(log: WireLogEntry) -> dict[str, Any] | None:
    """The handshake as a check's evidence (its JSON form; None when there was none)."""
    entry = entry_of(log)
    return None if entry is None or entry.handshake is None else entry.handshake.to_json()


def close_in(log: WireLogEntry) -> CloseFields | None:
    """The client's close frame (``CloseRecord``: a broken frame of opcode 8 is none)."""
    entry = entry_of(log)
    return None if entry is None else entry.close.incoming


def digest(data: bytes) -> tuple[int, str]:
    return len(data), hashlib.sha256(data).hexdigest()


def err_code(result: TraceEntry | None) -> JSON:
    """The error code a settlement carried (None if it succeeded or never settled)."""
    if result is None or result.err is None:
        return None
    return result.err_object().get("code")


def succeeded(result: TraceEntry | None) -> bool:
    return result is not None and result.err is None and result.value is True


def header_names(log: WireLogEntry) -> dict[str, str]:
    entry = entry_of(log)
    return {} if entry is None else entry.header_map()


# ER2: the message each documented code carries (the later docs' error table).
DOCUMENTED_MESSAGES = {
    401: "Parameter error",
    201: "Permission denied",
    2302998: "It is not allowed to access this domain",
    2302001: "Websocket url error",
    2302002: "Websocket certificate file does not exist",
    2302003: "Websocket connection already exists",
    2302999: "Websocket other unknown error",
}


def message_mismatch(err: JSONObject | None) -> tuple[bool, str | None]:
    """ER2 on one error: ``(ok, expected message)``. Only the pairing of a documented code with
    its message is judged here; which code an operation gives is its own clause's question
    (SD11, CN10, CL5 ...), so an undocumented code is not graded a second time."""
    code = (err or {}).get("code")
    expected = DOCUMENTED_MESSAGES.get(code) if isinstance(code, int) else None
    if expected is None:
        return True, None
    return (err or {}).get("message") == expected, expected
