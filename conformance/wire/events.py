"""What the fuzzer receives, as Autobahn records it: the events a wire case expects.

An event is a tuple: ``("message", kind, length, sha256)`` (an echoed message, so 16 MiB
compare as 64 hex digits), ``("pong", hex)``, ``("ping", hex)``, or ``("mark", name)`` (a
point of the script the connection reached: Autobahn's "timeout A/B"). ``grading.received``
reads them from a wire log; the builders here write the ones a case expects.
"""

from __future__ import annotations

import hashlib
from typing import Any

Event = tuple[Any, ...]

# Autobahn's words for an outcome (a case's ``expected`` maps them to events).
OK, NON_STRICT, INFORMATIONAL = "OK", "NON-STRICT", "INFORMATIONAL"


def message(kind: str, payload: bytes) -> Event:
    """An echoed message: its kind, length and SHA-256."""
    return ("message", kind, len(payload), hashlib.sha256(payload).hexdigest())


def text(payload: bytes | str) -> Event:
    return message("text", payload.encode("utf-8") if isinstance(payload, str) else payload)


def binary(payload: bytes) -> Event:
    return message("binary", payload)


def pong(payload: bytes | str) -> Event:
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    return ("pong", data.hex())


def mark(name: str) -> Event:
    return ("mark", name)
