"""Small readers over traces and wire logs that several case modules share."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Mapping
from typing import Any

from mockserver.records import ConnectionEntry, Direction, entry_of

# A connection's wire log: its record, or its JSON form (read with ``entry_of``), or None.
WireLogEntry = ConnectionEntry | Mapping[str, Any] | None

STYLES = ("callback", "promise")


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def messages(log: WireLogEntry, direction: Direction) -> list[dict[str, Any]]:
    entry = entry_of(log)
    return [] if entry is None else [m.to_json() for m in entry.messages_of(direction)]


def data_frames(log: WireLogEntry, direction: Direction) -> list[dict[str, Any]]:
    entry = entry_of(log)
    frames = () if entry is None else entry.frames_of(direction)
    return [f.to_json() for f in frames if f.is_data]


def masking(log: WireLogEntry) -> dict[str, Any]:
    """RFC 6455 §5.3 over the client frames the log kept: each must be masked, with a key no
    other frame of the connection used (a fresh key per frame), and never the all-zero key
    (it leaves the payload in clear). ``problems`` is empty when all holds."""
    entry = entry_of(log)
    frames = () if entry is None else entry.frames_of("in")
    seen: dict[str, list[int]] = {}
    for f in frames:
        if f.mask_key:
            seen.setdefault(f.mask_key, []).append(f.seq)
    problems = {
        "unmasked": [f.seq for f in frames if not f.masked],
        "all_zero_key": seen.get("00000000", []),
        "repeated_keys": {k: s for k, s in seen.items() if len(s) > 1},
    }
    return {
        "frames": len(frames),
        "keys": [f.mask_key for f in frames[:20]],
        "problems": {k: v for k, v in problems.items() if v},
    }


def close_in(log: WireLogEntry) -> dict[str, Any] | None:
    """The client's close frame (``CloseRecord``: a broken frame of opcode 8 is none)."""
    entry = entry_of(log)
    close = None if entry is None else entry.close.incoming
    return None if close is None else close.to_json()


def digest(data: bytes) -> tuple[int, str]:
    return len(data), hashlib.sha256(data).hexdigest()


def err_code(result: Mapping[str, Any] | None) -> Any:
    """The error code a settlement carried (None if it succeeded or never settled)."""
    if result is None or result.get("err") is None:
        return None
    return result["err"].get("code")


def succeeded(result: Mapping[str, Any] | None) -> bool:
    return result is not None and result.get("err") is None and result.get("value") is True


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


def message_mismatch(err: dict[str, Any] | None) -> tuple[bool, str | None]:
    """ER2 on one error: ``(ok, expected message)``. Only the pairing of a documented code with
    its message is judged here; which code an operation gives is its own clause's question
    (SD11, CN10, CL5 ...), so an undocumented code is not graded a second time."""
    code = (err or {}).get("code")
    expected = DOCUMENTED_MESSAGES.get(code) if isinstance(code, int) else None
    if expected is None:
        return True, None
    return (err or {}).get("message") == expected, expected
