"""OR1–OR4, checked on every case's trace (per socket, using the suite's own observer)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .iut.trace import TraceEntry

OBSERVER = "_"

Entry = dict[str, Any]


def ordering_violations(
    trace: Sequence[TraceEntry], server_messages: list[Entry]
) -> list[tuple[str, str]]:
    """(clause, what went wrong) for each invariant a trace breaks."""
    found: list[tuple[str, str]] = []
    sockets = {e.socket for e in trace if e.socket is not None}
    for sock in sorted(sockets):
        state = "idle"  # idle | open | closed
        connect_since_close = False
        for entry in trace:
            if entry.socket != sock:
                continue
            if entry.kind == "call" and entry.method == "connect":
                connect_since_close = True
                continue
            if entry.kind != "event" or entry.sub != OBSERVER:
                continue
            kind = entry.type
            if kind == "open":
                state = "open"
            elif kind == "message" and state != "open":
                clause = "OR1" if state == "idle" else "OR2"
                found.append((clause, f"{sock}: 'message' at t={entry.t} while {state}"))
            elif kind == "close":
                if state == "closed" and not connect_since_close:
                    found.append(("OR2", f"{sock}: a second 'close' at t={entry.t}"))
                state, connect_since_close = "closed", False
            elif kind == "error" and state == "closed" and not connect_since_close:
                found.append(("OR4", f"{sock}: 'error' after 'close' at t={entry.t}"))
    found.extend(_message_order(trace, server_messages))
    return found


def _message_order(
    trace: Sequence[TraceEntry], server_messages: list[Entry]
) -> list[tuple[str, str]]:
    """OR3: what the observer got is, in order, what the server sent (single-socket cases)."""
    received = [
        e.value for e in trace if e.kind == "event" and e.sub == OBSERVER and e.type == "message"
    ]
    if not received or not server_messages or len({e.socket for e in trace}) > 1:
        return []
    digests = [v.get("sha256") if isinstance(v, dict) else None for v in received]
    sent = [m["sha256"] for m in server_messages]
    if digests != sent[: len(digests)]:
        return [
            (
                "OR3",
                f"messages arrived as {len(digests)} digests not matching the server's "
                f"{len(sent)} in order",
            )
        ]
    return []
