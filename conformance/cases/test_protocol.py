"""RFC 6455 through the API: pings, protocol errors, bad UTF-8, server close codes.

Case names keep Autobahn's case ids so the two reports can be read side by side.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.context import CaseContext
from conformance.helpers import close_in


def fail_connection(ctx: CaseContext, steps: list[dict[str, Any]]) -> tuple[str, Any]:
    """Connect to a server that misbehaves with ``steps`` (then waits for the client's close);
    returns the socket and the close code the client put on the wire."""
    sock = ctx.socket()
    expect_close = {"op": "expect", "kind": "close", "timeout_ms": 3000}
    ctx.open(sock, ctx.script_url([*steps, expect_close]))
    ctx.wait_event(sock, "close", 4.0)
    return sock, (close_in(ctx.server_log()) or {}).get("code")


def _frames_out(log: dict | None, opcode: int) -> list[dict]:
    return [f for f in (log or {}).get("frames", []) if f["dir"] == "in" and f["opcode"] == opcode]


@pytest.mark.case(
    area="protocol",
    method="on",
    overload="on('message')",
    clauses=("PR3",),
    description="2.x: the server pings, then sends an unsolicited pong",
    expectation="a pong with the same payload; the unsolicited pong is ignored",
)
def test_2_2_ping_pong(ctx: CaseContext) -> None:
    sock = ctx.socket()
    steps: list[dict[str, Any]] = [
        {"op": "ping", "data": "are you there"},
        {"op": "pong", "data": "unsolicited"},
        {"op": "wait", "ms": 50},
        {"op": "send_text", "data": "still here"},
    ]
    ctx.open(sock, ctx.script_url(steps))
    ctx.wait_event(sock, "message", 3.0)
    ctx.settle(sock, "close", "promise")
    pongs = [f["text"] for f in _frames_out(ctx.server_log(), 10)]
    ctx.check_equal("PR3", "pong payloads the client sent", ["are you there"], pongs)
    ctx.check(
        "PR3",
        not ctx.events(sock, "error"),
        "no error on an unsolicited pong",
        [],
        ctx.events(sock, "error"),
    )


PROTOCOL_ERRORS: dict[str, list[dict[str, Any]]] = {
    # Autobahn 3.x names the RSV field's value: 1 is the RSV3 bit, 2 RSV2, 4 RSV1.
    "3.1-rsv3": [{"op": "raw_frame", "opcode": 1, "rsv3": True, "data": "x"}],
    "3.2-rsv2": [{"op": "raw_frame", "opcode": 1, "rsv2": True, "data": "x"}],
    "3.4-rsv1": [{"op": "raw_frame", "opcode": 1, "rsv1": True, "data": "x"}],
    "4.1.1-opcode-3": [{"op": "raw_frame", "opcode": 3, "data": "x"}],
    "4.2.1-opcode-11": [{"op": "raw_frame", "opcode": 11, "data": "x"}],
    "5.1-fragmented-ping": [{"op": "raw_frame", "opcode": 9, "fin": False, "data": "x"}],
    "2.5-ping-126-bytes": [{"op": "raw_frame", "opcode": 9, "data": "p" * 126}],
    "5.9-continuation-first": [{"op": "raw_frame", "opcode": 0, "data": "x"}],
    "5.18-data-inside-fragments": [
        {"op": "raw_frame", "opcode": 1, "fin": False, "data": "a"},
        {"op": "raw_frame", "opcode": 1, "data": "b"},
    ],
    "masked-server-frame": [{"op": "raw_frame", "opcode": 1, "mask": True, "data": "x"}],
}


@pytest.mark.case(
    area="protocol",
    method="on",
    overload="on('error')",
    clauses=("PR4", "OR4"),
    description="the server breaks the framing rules",
    expectation="the client fails the connection: close 1002, 'error' then 'close'",
)
@pytest.mark.parametrize("kind", PROTOCOL_ERRORS)
def test_protocol_error(ctx: CaseContext, kind: str) -> None:
    sock, code = fail_connection(ctx, PROTOCOL_ERRORS[kind])
    closed = ctx.wait_event(sock, "close", 0.1)
    errors = ctx.events(sock, "error")
    ctx.check_equal("PR4", "client's close code on the wire", 1002, code)
    ctx.check("PR4", bool(errors), "'error' fires", "'error'", errors[:1] or "no 'error'")
    order = [e["type"] for e in ctx.session.trace if e["kind"] == "event" and e["sub"] == "_"]
    ctx.check(
        "OR4",
        bool(errors) and closed is not None and errors[0]["t"] <= closed["t"],
        "'error' before 'close'",
        "... 'error' ... 'close'",
        order,
    )


@pytest.mark.case(
    area="protocol",
    method="on",
    overload="on('error')",
    clauses=("PR5",),
    description="6.x: a text message that is not UTF-8",
    expectation="the client fails the connection with 1007 and 'error'",
)
@pytest.mark.parametrize("where", ["single-frame", "fragmented"])
def test_6_invalid_utf8(ctx: CaseContext, where: str) -> None:
    if where == "single-frame":
        steps = [{"op": "raw_frame", "opcode": 1, "b64": "zrrhvbnPg868zrX/"}]
    else:
        steps = [
            {"op": "raw_frame", "opcode": 1, "fin": False, "b64": "zrrhvbnP"},
            {"op": "raw_frame", "opcode": 0, "b64": "/w=="},
        ]
    sock, code = fail_connection(ctx, steps)
    ctx.check_equal("PR5", "client's close code on the wire", 1007, code)
    errors = ctx.events(sock, "error")
    ctx.check("PR5", bool(errors), "'error' fires", "'error'", errors[:1] or "no 'error'")


FAST_FAIL_PAUSE_MS = 1500


@pytest.mark.case(
    area="protocol",
    method="on",
    overload="on('error')",
    clauses=("PR8", "PR5"),
    description="6.4.x: the first fragment of a text message holds invalid UTF-8; the server "
    f"waits {FAST_FAIL_PAUSE_MS} ms before the last fragment",
    expectation="the client fails the connection (1007) before the last fragment is sent",
)
def test_6_4_invalid_utf8_fails_fast(ctx: CaseContext) -> None:
    steps: list[dict[str, Any]] = [
        {"op": "raw_frame", "opcode": 1, "fin": False, "b64": "zrrhvbnPg868zrX/"},
        {"op": "wait", "ms": FAST_FAIL_PAUSE_MS},
        {"op": "raw_frame", "opcode": 0, "data": "end"},
    ]
    _, code = fail_connection(ctx, steps)
    log = ctx.server_log()
    frames = (log or {}).get("frames", [])
    close_at = next((f["t"] for f in frames if f["dir"] == "in" and f["opcode"] == 8), None)
    last_at = next((f["t"] for f in frames if f["dir"] == "out" and f["opcode"] == 0), None)
    fast = close_at is not None and (last_at is None or close_at < last_at)
    ctx.check(
        "PR8",
        fast,
        "the client's close frame comes before the last fragment",
        "close before the last fragment",
        {"client close at": close_at, "last fragment at": last_at},
    )
    ctx.check_equal("PR5", "client's close code on the wire", 1007, code)


# Close frames the client must answer with 1002; a reason that is not UTF-8 may get 1007 too.
BAD_CLOSES = {
    "7.9.1-code-0": {"op": "raw_frame", "opcode": 8, "b64": "AAA="},
    "7.9.3-code-1004": {"op": "raw_frame", "opcode": 8, "b64": "A+w="},
    "7.9.4-code-1005": {"op": "raw_frame", "opcode": 8, "b64": "A+0="},
    "7.9.5-code-1006": {"op": "raw_frame", "opcode": 8, "b64": "A+4="},
    "7.9.6-code-1016": {"op": "raw_frame", "opcode": 8, "b64": "A/g="},
    "7.9.9-code-2999": {"op": "raw_frame", "opcode": 8, "b64": "C7c="},
    "7.13.1-code-5000": {"op": "raw_frame", "opcode": 8, "b64": "E4g="},
    "7.3.2-one-byte-payload": {"op": "raw_frame", "opcode": 8, "b64": "Aw=="},
    "7.5.1-reason-not-utf8": {"op": "raw_frame", "opcode": 8, "b64": "A+jOuv/+"},
}


@pytest.mark.case(
    area="protocol",
    method="on",
    overload="on('close')",
    clauses=("PR6",),
    description="7.x: the server's close frame carries an invalid code or reason",
    expectation="the client answers with close code 1002 (1002 or 1007 for a reason that is "
    "not UTF-8) and 'error'",
)
@pytest.mark.parametrize("kind", BAD_CLOSES)
def test_7_invalid_close(ctx: CaseContext, kind: str) -> None:
    sock, code = fail_connection(ctx, [BAD_CLOSES[kind]])
    accepted = (1002, 1007) if "not-utf8" in kind else (1002,)
    ctx.check("PR6", code in accepted, "client's close code on the wire", accepted, code)
    errors = ctx.events(sock, "error")
    ctx.check("PR6", bool(errors), "'error' fires", "'error'", errors[:1] or "no 'error'")
