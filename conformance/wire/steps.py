"""Step builders: Autobahn's fuzzer actions as mock-server script steps.

A step is one entry of the mock server's script document (``mockserver/script.py`` owns its
schema and checks it before a run: ``parse_script``); the builders here write the steps an
Autobahn case needs, in that format, and nothing else. A caller puts them in a case's
``steps`` (``entries.WireCase``) or passes them to ``CaseContext.script_url`` as they are.

Autobahn's timings become event-driven steps: where the fuzzer closes once the expected
events arrived (``finishWhenDone``), the script ``expect``s them and closes at once; where it
kills the connection after N seconds (``killAfter``), the script waits up to N seconds for
the client's close frame (``wait_close``) and then closes or drops. A correct client never
waits out a timeout, except where a case is about waiting (6.4.x).
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Mapping, Sequence
from typing import Any

from .events import Event

# One step of a mock-server script, in the JSON form ``mockserver.script.parse_script`` reads
# (read-only here: a builder makes a new mapping, it never changes one it was given).
Step = Mapping[str, Any]

NORMAL, GOING_AWAY, PROTOCOL_ERROR, INVALID_PAYLOAD = 1000, 1001, 1002, 1007

KILL_MS = 1000  # Autobahn's killAfter(1): how long a client may take to fail or answer a close
KILL_UTF8_MS = 500  # 6.5-6.23: killAfter(0.5)
ECHO_MS = 500  # how long the server waits for an expected echo or pong (families 1-7)
LARGE_ECHO_MS = 10_000  # 1.1.6-1.1.8, 1.2.6-1.2.8, 10.1.1: Autobahn's killAfter(10)

SYNC: Step = {"op": "wait", "ms": 2}  # Autobahn's sync=True: the next frame in its own write
# Autobahn's chopsize=1: one byte per write, 1 ms apart (about as far apart as its reactor
# writes them; back to back, a client that echoes a message asynchronously can lose the
# race with the broken frame right behind it, which Autobahn never provokes)
BYTEWISE: Step = {"chop": 1, "delay_ms": 1}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def frame(
    opcode: int,
    payload: bytes | str = b"",
    *,
    fin: bool = True,
    rsv: int = 0,
    chop: int | None = None,
    size: int | None = None,
    length: int | None = None,
    mask: bool = False,
) -> Step:
    """One frame, as Autobahn's ``sendFrame``: ``rsv`` is Autobahn's 3-bit RSV value (4 is
    RSV1, 2 RSV2, 1 RSV3); ``chop`` writes it in pieces of that many bytes; ``size``
    generates the payload (the mock server's pattern: ``mockserver.script.generated_*``);
    ``length`` declares a length the payload does not have; ``mask`` masks it (a server
    must not)."""
    step: dict[str, Any] = {"op": "raw_frame", "opcode": opcode}
    if not fin:
        step["fin"] = False
    for bit, name in ((4, "rsv1"), (2, "rsv2"), (1, "rsv3")):
        if rsv & bit:
            step[name] = True
    if mask:
        step["mask"] = True
    if size is not None:
        step["size"] = size
    else:
        data = payload.encode("utf-8") if isinstance(payload, str) else payload
        if data:
            step["b64"] = _b64(data)
    if chop == 1:
        step.update(BYTEWISE)
    elif chop is not None:
        step["chop"] = chop
    if length is not None:
        step["length"] = length
    return step


def bytewise(step: Step) -> Step:
    """``step`` written one byte at a time (Autobahn's chopsize=1)."""
    return {**step, **BYTEWISE}


def raw(data: bytes) -> Step:
    """Bytes written as they are (the rest of a frame whose header declared more)."""
    return {"op": "raw_bytes", "b64": _b64(data)}


def fragmented(kind: str, payload: bytes | int, fragment_size: int) -> Step:
    """Autobahn's ``sendMessage(..., fragmentSize=N)``: one message in frames of N bytes; one
    frame when it fits in one, and (Autobahn's loop) an empty last frame when the length is a
    multiple of N. ``payload`` may be a size (the mock server generates it)."""
    step: dict[str, Any] = {"op": "send_fragmented", "kind": kind}
    if isinstance(payload, int):
        step["size"] = length = payload
    else:
        step["b64"] = _b64(payload)
        length = len(payload)
    if length <= fragment_size:
        step["frames"] = 1
        return step
    step["fragment_size"] = fragment_size
    if length % fragment_size == 0:
        step["frames"] = length // fragment_size + 1
    return step


def close_frame(code: int | None = None, reason: bytes = b"", rsv: int = 0) -> Step:
    """A close frame written raw (so the script keeps reading for the client's answer)."""
    payload = b"" if code is None else struct.pack("!H", code) + reason
    return frame(8, payload, rsv=rsv)


def mark(name: str) -> Step:
    """A note in the wire log at this point of the script (Autobahn's "timeout A/B")."""
    return {"op": "mark", "name": name}


def wait_close(ms: int) -> Step:
    """Wait up to ``ms`` for the client's close frame (at once when it comes)."""
    return {"op": "wait_close", "ms": ms}


def expect_all(events: Sequence[Event], ms: int = ECHO_MS) -> list[Step]:
    """Wait for each expected echo or pong in turn (the server's half of ``finishWhenDone``);
    the first one missing ends the wait (a ``repeat`` of one round stops there)."""
    steps: list[Step] = []
    for event in events:
        if event[0] == "message":
            steps.append({"op": "expect", "kind": event[1], "timeout_ms": ms})
        elif event[0] == "pong":
            steps.append({"op": "expect", "kind": "pong", "timeout_ms": ms})
    if len(steps) > 1:
        return [{"op": "repeat", "count": 1, "steps": steps}]
    return steps


def server_closes(code: int = NORMAL, ms: int = KILL_MS) -> list[Step]:
    """The fuzzer starts the closing handshake, waits for the client's close, then drops TCP
    (the close frame is written raw so the script keeps reading for the answer)."""
    return [close_frame(code), wait_close(ms), {"op": "drop"}]


def client_must_fail(ms: int = KILL_MS) -> list[Step]:
    """The client must fail the connection; if it has not within ``ms``, the fuzzer closes
    (Autobahn's ``killAfter``: then the wrong endpoint closed)."""
    return [wait_close(ms), {"op": "close", "code": GOING_AWAY, "wait": False}]


def script(steps: Sequence[Step]) -> list[dict[str, Any]]:
    """``steps`` as the script document's ``steps`` list (fresh dicts: the caller may keep or
    change them without touching a catalogue entry)."""
    return [dict(s) for s in steps]
