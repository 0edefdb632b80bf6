"""Reading what a driver writes: one line → a reply, a trace entry, or a protocol violation.

Pure functions, no I/O: the driver transport (``driver.Driver``) feeds each raw line here and
acts on the result. Whatever a driver writes, a caller gets a value or a ``ProtocolViolation``
that quotes (a capped part of) the line: never another exception, so a reader thread that
calls ``read_line`` in a loop survives any input (docs/driver-protocol.md, "Robustness").
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .trace import DRIVER_KINDS, JSONObject, TraceEntry
from .violations import QUOTE, ProtocolViolation, quote

__all__ = [
    "MAX_LINE",
    "QUOTE",
    "ProtocolViolation",
    "Reply",
    "TraceLine",
    "quote",
    "read_line",
]

MAX_LINE = 1 << 20  # bytes per line, the newline excluded; longer lines are violations


@dataclass(frozen=True)
class Reply:
    """A reply line: its ``id`` and the whole object (``ok`` and the op's fields)."""

    id: int
    body: JSONObject


@dataclass(frozen=True)
class TraceLine:
    """A trace event line: its entry, not yet stamped with its arrival time."""

    entry: TraceEntry


def read_line(raw: bytes) -> Reply | TraceLine:
    """Parse one stdout line (without its newline). Raises ``ProtocolViolation``."""
    if len(raw) > MAX_LINE:
        raise ProtocolViolation(f"a line of {len(raw)} bytes (the limit is {MAX_LINE})")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolViolation(
            f"not UTF-8 ({exc.reason} at byte {exc.start}): {quote(raw)}"
        ) from None
    try:
        message = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ProtocolViolation(f"not JSON ({exc}): {quote(text)}") from None
    if not isinstance(message, dict):
        raise ProtocolViolation(f"a JSON {type(message).__name__}, not an object: {quote(text)}")
    if "event" in message:
        entry = message.get("entry")
        if not isinstance(entry, dict):
            raise ProtocolViolation(f"an event whose 'entry' is not an object: {quote(text)}")
        return TraceLine(TraceEntry.from_json(entry, DRIVER_KINDS, source=text))
    ident = message.get("id")
    if isinstance(ident, bool) or not isinstance(ident, int):
        raise ProtocolViolation(f"neither an event nor a reply with an integer id: {quote(text)}")
    if not isinstance(message.get("ok"), bool):
        raise ProtocolViolation(f"reply {ident} has no boolean 'ok': {quote(text)}")
    return Reply(ident, message)
