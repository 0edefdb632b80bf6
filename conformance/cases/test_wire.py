"""Every case of Autobahn|Testsuite's fuzzing server (families 1-7, 9, 10), through the API.

The implementation echoes every message with ``send(data)`` (the driver's ``echo``
subscriber: payloads never cross the driver pipe), the mock server plays the fuzzer's part
(``conformance/wire/catalogue.py``), and the wire log is graded as Autobahn grades it
(``conformance/wire/grading.py``). Each case keeps Autobahn's id: ``wire.autobahn[6.4.1]``;
family 9 is ``wire-perf.autobahn[9.x.y]`` and runs as a sample unless ``--wire-perf all``.

Verdicts follow Autobahn's: an OK outcome is OK; a NON-STRICT outcome fails a check on a
SHOULD clause (PR9, PR8); no outcome matching fails the case's main clause (a MUST); the
closing (``behaviorClose``) is checked on PR10 (MUST); 7.1.6 and 7.13.x are checked on PR11
(INFO) only, as Autobahn reports them INFORMATIONAL whatever happens.

Where the contract asks more than Autobahn (an exact close code, ``'error'``, ``'error'``
before ``'close'``: ``conformance/wire/contract.py``), the entry carries those checks and
they are judged on the same connection, after Autobahn's grading. These are the only cases
of Autobahn's in the suite: ``cases/test_protocol.py`` keeps the contract's own.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest

from conformance.context import CaseContext
from conformance.helpers import server_entry
from conformance.iut import Subscriber, TraceEntry
from conformance.iut.trace import JSONObject
from conformance.ordering import OBSERVER
from conformance.wire.catalogue import CASES, PERF_SAMPLE
from conformance.wire.contract import Observation, judge
from conformance.wire.entries import WireCase
from conformance.wire.events import NON_STRICT, OK, Event
from conformance.wire.grading import Grade, behavior_close, grade
from conformance.wire.steps import script
from mockserver.records import Captured, ConnectionEntry, Note

SHOWN_EVENTS = 6  # events listed in a check's evidence (9.7.x expects 1000)
SHOWN_FRAMES = 50  # frames and messages kept at each end of a case page's wire log


def _param(case: WireCase) -> Any:
    perf = case.family == "9"
    marks = [
        pytest.mark.case(
            area="wire-perf" if perf else "wire",
            method="on",
            overload="on('message')",
            clauses=case.clauses,
            description=f"Autobahn {case.id}: {case.description}",
            expectation=case.expectation,
            timeout=case.timeout,
            perf=("sample" if case.id in PERF_SAMPLE else "full") if perf else None,
            needs=("echo",),
        )
    ]
    if perf:
        marks.append(pytest.mark.wire_perf)
    if case.id in QUICK:
        marks.append(pytest.mark.wire_quick)
    return pytest.param(case, id=case.id, marks=marks)


# The first case of each Autobahn group (x.y): ``-k "not autobahn or wire_quick"`` runs a
# cross-section (the self-check's whole-suite runs do, to stay fast).
QUICK = {next(c.id for c in CASES if c.group == g) for g in dict.fromkeys(c.group for c in CASES)}


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_autobahn(ctx: CaseContext, case: WireCase) -> None:
    sock = ctx.socket()
    ctx.session.call(sock, "on", "message", Subscriber("e", "echo"))
    ctx.open(sock, ctx.script_url(script(case.steps)))
    ctx.wait_event(sock, "close", max(0.5, ctx.session.deadline - time.monotonic() - 4.0))
    log = server_entry(ctx)
    graded = grade(case, log)
    seen = _observation(ctx, sock, graded) if case.contract else None
    ctx.wirelog = [_trimmed(entry) for entry in ctx.server.wirelog.entries(ctx.tag)]
    _trim_trace(ctx.session.trace)
    if case.informational:
        _informational(ctx, case, graded)
    else:
        _behavior(ctx, case, graded)
        ctx.check(
            "PR10",
            graded.behavior_close == OK,
            f"behaviorClose (Autobahn's word: {graded.behavior_close})",
            case.expected_close.as_json(),
            {"behaviorClose": graded.behavior_close, "why": graded.result_close}
            | graded.facts.as_json(),
        )
    for check in case.contract:
        assert seen is not None
        found = judge(check, seen)
        ctx.check(found.clause, found.passed, found.what, found.expected, found.observed)


def _observation(ctx: CaseContext, sock: str, graded: Grade) -> Observation:
    """What the contract checks read: the client's close code on the wire, and the events
    the suite's observer saw (before the trace is trimmed)."""
    errors = ctx.events(sock, "error")
    closes = ctx.events(sock, "close")
    order = [
        str(e.type)
        for e in ctx.session.trace
        if e.kind == "event" and e.socket == sock and e.sub == OBSERVER
    ]
    return Observation(
        close_code=graded.facts.code,
        error_at=errors[0].t if errors else None,
        close_at=closes[0].t if closes else None,
        errors=tuple(errors),
        order=tuple(order),
    )


def _behavior(ctx: CaseContext, case: WireCase, graded: Grade) -> None:
    expected = {k: _shown(v) for k, v in case.expected().items()}
    observed = {"behavior": graded.behavior, "received": _shown(graded.received)}
    main = case.clauses[0]
    if graded.behavior == OK:
        ctx.check(main, True, "the events the server received (Autobahn: OK)", expected, observed)
        if case.non_strict_clause:
            ctx.check(case.non_strict_clause, True, "Autobahn's OK outcome", expected[OK], observed)
    elif graded.behavior == NON_STRICT:
        ctx.check(main, True, "an outcome Autobahn accepts (NON-STRICT)", expected, observed)
        assert case.non_strict_clause, f"{case.id} has a NON-STRICT outcome but no SHOULD clause"
        ctx.check(case.non_strict_clause, False, "Autobahn's OK outcome", expected[OK], observed)
    else:
        clause = "PR6" if graded.cause == "wrong code" else main
        observed["why"] = graded.result
        ctx.check(
            clause, False, "the events the server received (Autobahn: FAILED)", expected, observed
        )


def _informational(ctx: CaseContext, case: WireCase, graded: Grade) -> None:
    """7.1.6, 7.13.x: Autobahn says INFORMATIONAL whatever happens; the INFO checks say
    whether the IUT did what the reference does."""
    reference = case.reference() if case.reference else []
    ctx.check(
        "PR11",
        graded.received == reference,
        "the events the server received (Autobahn: INFORMATIONAL)",
        {"reference": _shown(reference)} | {k: _shown(v) for k, v in case.expected().items()},
        {"received": _shown(graded.received), "matched": graded.matched},
    )
    raw_close, why = behavior_close(case.expected_close, graded.facts)
    ctx.check(
        "PR11",
        raw_close == OK and graded.facts.code == case.reference_code,
        "the closing (Autobahn: INFORMATIONAL)",
        case.expected_close.as_json() | {"reference code": case.reference_code},
        {"behaviorClose before Autobahn's override": raw_close, "why": why}
        | graded.facts.as_json(),
    )


def _shown(events: Sequence[Event]) -> list[str]:
    """Events as a reader wants them: a message's kind, length and digest; a pong's payload."""
    shown = [_event(e) for e in events[:SHOWN_EVENTS]]
    if len(events) > SHOWN_EVENTS:
        shown.append(f"... {len(events) - SHOWN_EVENTS} more ({len(events)} in all)")
    return shown


def _event(event: Event) -> str:
    if event[0] == "message":
        digest = event[3][:16] if event[3] else "unknown"
        return f"{event[1]} message, {event[2]} bytes, sha256 {digest}..."
    if event[0] in ("pong", "ping"):
        payload = bytes.fromhex(event[1])
        try:
            return f"{event[0]} {payload.decode('utf-8')!r}"
        except UnicodeDecodeError:
            return f"{event[0]} 0x{event[1]}"
    return f"{event[0]} {event[1]}"


def _trim_trace(trace: list[TraceEntry]) -> None:
    """9.7.x traces 2000 'message' events of up to 4 KiB: past the first entries, a value
    keeps its kind, length and digest (what the ordering checks read), not its bytes."""
    for index in range(2 * SHOWN_FRAMES, len(trace)):
        entry = trace[index]
        value = entry.value
        if isinstance(value, dict) and ("text" in value or "b64" in value):
            kept: JSONObject = {k: v for k, v in value.items() if k not in ("text", "b64")}
            kept["truncated"] = True
            trace[index] = dataclasses.replace(entry, value=kept)


def _trimmed(entry: ConnectionEntry) -> ConnectionEntry:
    """A log entry for the case file: huge frame lists (65,536 fragments of 64 bytes) keep
    their first and last frames and say how many were left out."""
    frames = entry.frames
    if len(frames) > 2 * SHOWN_FRAMES:
        left_out = len(frames) - 2 * SHOWN_FRAMES
        note = Note(
            frames[SHOWN_FRAMES].t,
            "frames_elided",
            f"{left_out} frames not shown (of {len(frames)})",
        )
        entry = replace(
            entry,
            frames=frames[:SHOWN_FRAMES] + frames[-SHOWN_FRAMES:],
            notes=(*entry.notes, note),
        )
    messages = entry.messages
    if len(messages) > 2 * SHOWN_FRAMES:  # every message stays (OR3 reads them), not the bytes
        middle = tuple(
            replace(m, payload=Captured(truncated=True))
            for m in messages[SHOWN_FRAMES:-SHOWN_FRAMES]
        )
        entry = replace(entry, messages=messages[:SHOWN_FRAMES] + middle + messages[-SHOWN_FRAMES:])
    return entry
