"""Autobahn's grading of a fuzzing-server case, as pure functions of the mock server's wire log.

Autobahn (``case.Case.onConnectionLost``) compares what the fuzzer received (messages, pongs,
pings and its own "timeout" marks, in order) with each expected outcome: the first that
matches names the ``behavior`` (OK, NON-STRICT, INFORMATIONAL), none matching is FAILED. The
closing is graded apart as ``behaviorClose``: FAILED when the wrong endpoint sent the first
close frame, UNCLEAN when the case requires a clean close and both close frames did not
cross, WRONG CODE when the client's close code is not one the case accepts (an empty close
payload passes), else OK. Here the wire log plays the fuzzer's memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.records import ConnectionEntry, WireFrame, entry_of

from .entries import ExpectedClose, WireCase
from .events import INFORMATIONAL, OK, Event

# A connection's wire log: its record, or its JSON form (read with ``entry_of``), or None.
WireLogEntry = ConnectionEntry | Mapping[str, Any] | None

FAILED = "FAILED"
UNCLEAN = "UNCLEAN"
WRONG_CODE = "WRONG CODE"

# Autobahn's behaviorClose words -> this suite's verdicts (every failure word is a failure).
CLOSE_TO_VERDICT = {OK: OK, INFORMATIONAL: INFORMATIONAL, FAILED: FAILED, UNCLEAN: FAILED}
CLOSE_TO_VERDICT[WRONG_CODE] = FAILED


@dataclass
class CloseFacts:
    """What the wire log says about the end of the connection."""

    opened: bool  # the handshake completed (101)
    closed_by_server: bool  # the server's close frame was the first on the wire
    clean: bool  # close frames went both ways
    code: int | None  # the client's close code (None: no close frame, or an empty payload)
    first: str | None

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Grade:
    behavior: str  # Autobahn's word
    behavior_close: str  # Autobahn's word
    received: list[Event]
    matched: str | None  # the expected outcome the events matched (None: none)
    result: str
    result_close: str
    facts: CloseFacts
    raw_close: str = OK  # behaviorClose before an INFORMATIONAL case overrides it
    cause: str = ""  # why the behavior is FAILED: events, handshake, wrong endpoint, wrong code

    @property
    def close_verdict(self) -> str:
        return CLOSE_TO_VERDICT[self.behavior_close]


def received(log: WireLogEntry) -> list[Event]:
    """The events the server received, in wire order, as Autobahn records them: each whole
    message (kind, length, SHA-256), each pong and ping (payload hex), and the script's marks
    (Autobahn's "timeout A"), up to the client's close frame."""
    entry = entry_of(log)
    if entry is None:
        return []
    frames = entry.frames_of("in")
    messages = entry.messages_of("in")
    marks = entry.marks()
    timeline = sorted(
        [(f.t, 0, i, "frame") for i, f in enumerate(frames)]
        + [(n.t, 1, i, "mark") for i, n in enumerate(marks)]
    )
    events: list[Event] = []
    parts: list[WireFrame] = []
    kind: str | None = None
    next_message = 0
    for _, _, index, what in timeline:
        if what == "mark":
            events.append(("mark", marks[index].detail))
            continue
        f = frames[index]
        opcode = f.opcode
        if opcode == 8:
            break
        if opcode == 9:
            events.append(("ping", f.payload.data.hex()))
            continue
        if opcode == 10:
            events.append(("pong", f.payload.data.hex()))
            continue
        if opcode in (1, 2):
            kind, parts = ("text" if opcode == 1 else "binary"), []
        if opcode not in (0, 1, 2) or kind is None:
            continue  # a frame no client may send: the message sequence cannot be read
        parts.append(f)
        if not f.fin:
            continue
        if next_message < len(messages):
            m = messages[next_message]
            next_message += 1
            events.append(("message", m.kind, m.len, m.sha256))
        else:  # the script never read it (it had closed): rebuild it from the frames
            data = b"".join(p.payload.data for p in parts)
            length = sum(p.length for p in parts)
            digest = None if any(p.payload.truncated for p in parts) else hashlib.sha256(data)
            events.append(("message", kind, length, digest and digest.hexdigest()))
        kind, parts = None, []
    return events


def close_facts(log: WireLogEntry) -> CloseFacts:
    """The closing as the log tells it; "a close frame" is the wire log's own definition
    (``WireFrame.is_close``: a frame of opcode 8 with RSV bits set or FIN clear is a broken
    frame, Autobahn 3.7, not the start of a closing handshake)."""
    entry = entry_of(log) or ConnectionEntry()
    closes = entry.close_frames()
    first = closes[0].dir if closes else None
    closed_in = entry.close.incoming
    return CloseFacts(
        opened=entry.opened,
        closed_by_server=first == "out",
        clean={f.dir for f in closes} == {"in", "out"},
        code=None if closed_in is None else closed_in.code,
        first={"out": "server", "in": "client", None: None}[first],
    )


def behavior_close(expected: ExpectedClose, facts: CloseFacts) -> tuple[str, str]:
    """Autobahn's behaviorClose and its reason, in Autobahn's order of tests."""
    if not facts.opened:
        return FAILED, "the opening handshake never completed"
    if expected.closed_by_server != facts.closed_by_server:
        return FAILED, "the connection was failed by the wrong endpoint"
    if expected.require_clean and not facts.clean:
        return UNCLEAN, "the case requires a clean close (close frames both ways)"
    if facts.code is not None and facts.code not in expected.codes:
        codes = ",".join(str(c) for c in expected.codes)
        return WRONG_CODE, f"the close code should have been {codes} or empty"
    return OK, "the connection was properly closed"


def grade(case: WireCase, log: WireLogEntry) -> Grade:
    """Autobahn's behavior and behaviorClose for ``case`` from its connection's wire log."""
    if log is None:
        facts = CloseFacts(False, False, False, None, None)
        return Grade(FAILED, FAILED, [], None, "no connection", "no connection", facts)
    events = received(log)
    matched = next((v for v, outcome in case.expected().items() if outcome == events), None)
    behavior = matched or FAILED
    cause = "" if matched else "events"
    result = (
        "the events match an expected outcome"
        if matched
        else "the events differ from every expected outcome"
    )
    facts = close_facts(log)
    closing, result_close = behavior_close(case.expected_close, facts)
    if not facts.opened:
        behavior, cause, result = FAILED, "handshake", "the opening handshake never completed"
    wrong_endpoint = case.expected_close.closed_by_server != facts.closed_by_server
    if case.expected_close.wrong_endpoint_fatal and wrong_endpoint and behavior != FAILED:
        behavior, cause = FAILED, "wrong endpoint"
        result = "the wrong endpoint closed: the client let the invalid UTF-8 through"
    if case.wrong_code_fails and closing == WRONG_CODE and behavior != FAILED:
        behavior, cause, result = FAILED, "wrong code", result_close
    raw_close = closing
    if case.informational:
        behavior = closing = INFORMATIONAL
    return Grade(behavior, closing, events, matched, result, result_close, facts, raw_close, cause)
