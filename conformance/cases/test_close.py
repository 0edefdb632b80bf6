"""close: the three overloads, defaults and given values on the wire, refusals, timeouts."""

from __future__ import annotations

import time
from typing import Any

import pytest

from conformance import coverage as cov
from conformance.context import AFTER_CLOSE_TIMEOUT, CLOSE_MARGIN, CaseContext
from conformance.helpers import STYLES, close_in, err_code, server_entry, succeeded
from conformance.iut import Options, TraceEntry
from conformance.ordering import OBSERVER
from mockserver.records import CloseFields

# The handshake's answer is held back this long (as in test_send's while-connecting case).
HANDSHAKE_DELAY_MS = 400

OVERLOADS = {
    "callback": "close(callback)",
    "options-callback": "close(options, callback)",
    "promise": "close(options?): Promise",
}

# name -> (options or None for "no options", expected payload hex)
VARIANTS: dict[str, tuple[object, str]] = {
    "no-options": (None, "03e8"),
    "empty-options": ({}, "03e8"),
    "code-only": ({"code": 1001}, "03e9"),
    "reason-only": ({"reason": "bye"}, "03e8" + b"bye".hex()),
    "both": ({"code": 1000, "reason": "done"}, "03e8" + b"done".hex()),
    "1002": ({"code": 1002}, "03ea"),
    "1003": ({"code": 1003}, "03eb"),
    "3000": ({"code": 3000, "reason": "app"}, "0bb8" + b"app".hex()),
    "4999": ({"code": 4999}, "1387"),
    "cjk-reason": ({"code": 4000, "reason": "再见"}, "0fa0" + "再见".encode().hex()),
    "123-byte-reason": (
        {"code": 4000, "reason": "é" * 61 + "x"},
        "0fa0" + ("é" * 61 + "x").encode().hex(),
    ),
    "dataclass": (
        Options("WebSocketCloseOptions", {"code": 4001, "reason": "dc"}),
        "0fa1" + b"dc".hex(),
    ),
}


def close_variant(params: dict[str, Any]) -> str:
    """The coverage column of a close case: which options (or none) the call passed."""
    variant = params["variant"]
    if variant == "no-options":
        return "{}" if params["overload"] == "options-callback" else "no options"
    if variant == "dataclass":
        return "options (class)"
    return {"empty-options": "{}", "reason-only": "reason"}.get(
        variant, "code and reason" if "reason" in str(VARIANTS[variant][0]) else "code"
    )


def call_close(ctx: CaseContext, sock: str, overload: str, options: object) -> TraceEntry | None:
    if overload == "callback":
        return ctx.settle(sock, "close", "callback")
    if overload == "options-callback":
        return ctx.settle(sock, "close", "callback", options if options is not None else {})
    if options is None:
        return ctx.settle(sock, "close", "promise")
    return ctx.settle(sock, "close", "promise", options)


@pytest.mark.case(
    area="close",
    method="close",
    overload=lambda p: OVERLOADS[p["overload"]],
    clauses=("CL2", "CL1", "CL3", "CL4", "OR2"),
    cells=lambda p: [cov.api(OVERLOADS[p["overload"]], close_variant(p), "success")],
    description="close an open connection",
    expectation="the close frame carries exactly the code/reason (defaults 1000, "
    "''); 'close' fires once; TCP ends",
)
@pytest.mark.parametrize(
    ("overload", "variant"),
    [(o, v) for o in OVERLOADS for v in VARIANTS if o != "callback" or v == "no-options"],
)
def test_close(ctx: CaseContext, overload: str, variant: str) -> None:
    options, payload = VARIANTS[variant]
    clause = (
        "CL2" if variant in ("no-options", "empty-options", "code-only", "reason-only") else "CL3"
    )
    ctx.refine(clause, "CL1", "CL4", "OR2")
    sock = ctx.socket()
    ctx.open(sock, ctx.url("/echo"))
    result = call_close(ctx, sock, overload, options)
    ctx.check("CL1", succeeded(result), "close settles with success", True, result)
    log = server_entry(ctx)
    close = close_in(log)
    got = None if close is None else close.payload_hex
    ctx.check_equal(clause, "close payload on the wire", payload, got)
    ctx.session.quiet(0.05)
    closes = ctx.events(sock, "close")
    ctx.check("CL4", len(closes) == 1, "'close' fires exactly once", 1, len(closes))
    later = [e for e in ctx.session.trace if e.kind == "event" and closes and e.at > closes[0].at]
    ctx.check("OR2", not later, "no event after 'close'", [], later)
    ctx.check(
        "CL4",
        log is not None and log.done,
        "the TCP connection ended",
        True,
        None if log is None else log.tcp.to_json(),
    )


FORBIDDEN: dict[str, object] = {
    "999": {"code": 999},
    "1004": {"code": 1004},
    "1005": {"code": 1005},
    "1006": {"code": 1006},
    "1015": {"code": 1015},
    "2000": {"code": 2000},
    "5000": {"code": 5000},
    "124-byte-reason": {"code": 4000, "reason": "x" * 124},
    "124-byte-utf8-reason": {"code": 4000, "reason": "é" * 62},
}


@pytest.mark.case(
    area="close",
    method="close",
    overload=lambda p: OVERLOADS["options-callback" if p["style"] == "callback" else "promise"],
    clauses=("CL6", "CL8"),
    cells=lambda p: [
        cov.api(
            OVERLOADS["options-callback" if p["style"] == "callback" else "promise"],
            "forbidden code or reason",
            "API error",
        )
    ],
    description="close with a code RFC 6455 forbids, or a reason over 123 bytes",
    expectation="no such close frame on the wire (MUST); close fails with 401 (SHOULD)",
)
@pytest.mark.parametrize("options", FORBIDDEN)
@pytest.mark.parametrize("style", STYLES)
def test_forbidden(ctx: CaseContext, style: str, options: str) -> None:
    sock = ctx.socket()
    ctx.open(sock, ctx.url("/echo"))
    result = ctx.settle(sock, "close", style, FORBIDDEN[options])
    ctx.session.quiet(0.1)
    frames = [f for log in ctx.server.wirelog.entries(ctx.tag) if (f := close_in(log))]
    forbidden = [f for f in frames if not _allowed_close(f)]
    ctx.check(
        "CL6",
        not forbidden,
        "close frames on the wire are allowed by RFC 6455",
        "codes 1000-1003, 1007-1014, 3000-4999 or none; payload <= 125 bytes; UTF-8 reason",
        [f.to_json() for f in frames] or "no close frame",
    )
    ctx.check_equal("CL8", "close's error code", 401, err_code(result))


def _allowed_close(frame: CloseFields) -> bool:
    code = frame.code
    allowed = (
        code is None
        or code in (1000, 1001, 1002, 1003)
        or 1007 <= code <= 1014
        or 3000 <= code <= 4999
    )
    payload = bytes.fromhex(frame.payload_hex)
    try:
        payload[2:].decode("utf-8")  # RFC 6455 §5.5.1: the reason is UTF-8
    except UnicodeDecodeError:
        return False
    return allowed and len(payload) <= 125


@pytest.mark.case(
    area="close",
    method="close",
    overload=lambda p: OVERLOADS[p["style"]],
    clauses=("CL5",),
    cells=lambda p: [cov.api(OVERLOADS[p["style"]], "not open", "API error")],
    description="close when never connected, and a second close",
    expectation="fails with 2302999",
)
@pytest.mark.parametrize("when", ["before-connect", "twice"])
@pytest.mark.parametrize("style", STYLES)
def test_not_open(ctx: CaseContext, style: str, when: str) -> None:
    sock = ctx.socket()
    if when == "twice":
        ctx.open(sock, ctx.url("/echo"))
        ctx.settle(sock, "close", "promise")
    result = ctx.settle(sock, "close", style)
    ctx.check_equal("CL5", "error code", 2302999, err_code(result))


@pytest.mark.case(
    area="close",
    method="close",
    clauses=("CL7", "CL9", "CL4"),
    cells=[cov.api(cov.CLOSE_P, "no options", "connection failure")],
    overload="close(options?): Promise",
    timeout=AFTER_CLOSE_TIMEOUT,
    description="close while the server never answers (it stops reading)",
    expectation="close completes within the IUT's close timeout (MUST); 'close' with 1006 (SHOULD)",
)
def test_server_never_answers(ctx: CaseContext) -> None:
    limit = ctx.close_timeout + CLOSE_MARGIN
    sock = ctx.socket()
    stall = {"op": "stall", "ms": int((limit + 2.0) * 1000)}
    ctx.open(sock, ctx.script_url([stall]))
    called = time.monotonic()
    result = ctx.settle(sock, "close", "promise", timeout=limit)
    # 'close' may follow the settlement (which may come at once, CL12): same limit, from the call
    closed = ctx.wait_event(sock, "close", max(1.0, limit - (time.monotonic() - called)))
    ctx.check(
        "CL7",
        result is not None,
        f"close settles within the close timeout ({ctx.close_timeout:g} s) + {CLOSE_MARGIN:g} s",
        "settled",
        result or "not settled",
    )
    ctx.check("CL7", closed is not None, "'close' fires", "'close'", closed or "no 'close'")
    ctx.check_equal(
        "CL9",
        "'close' code",
        1006,
        (closed.value_object() if closed is not None else {}).get("code"),
    )


@pytest.mark.case(
    area="close",
    method="close",
    clauses=("CL10", "CL11"),
    overload="close(options?): Promise",
    description="close while connecting (after connect, before 'open')",
    expectation="close settles; after a success the connection ends ('close' once, TCP ends, "
    "and a close frame if it opened); after an error it opens as usual (MUST); which one "
    "(INFO)",
)
def test_while_connecting(ctx: CaseContext) -> None:
    sock = ctx.socket()
    url = ctx.script_url([], {"delay_ms": HANDSHAKE_DELAY_MS})
    ctx.invoke(sock, "connect", "promise", url)
    result = ctx.settle(sock, "close", "promise", {"code": 4000}, timeout=5.0)
    if result is None or result.err is None:  # applied: the connection must end
        closed = ctx.wait_event(sock, "close", 5.0)
        log = server_entry(ctx, 3.0)
        ctx.session.quiet(0.05)
        opened = bool(ctx.events(sock, "open"))
        ctx.check("CL10", result is not None, "close settles", "settled", result or "not settled")
        ctx.check_equal("CL10", "'close' fires once", 1, len(ctx.events(sock, "close")))
        ctx.check(
            "CL10",
            log is None or log.done,
            "the TCP connection ended",
            True,
            None if log is None else log.tcp.to_json(),
        )
        if opened:
            close = close_in(log)
            ctx.check(
                "CL10",
                close is not None,
                "a connection that opened is closed with a close frame",
                "close frame",
                close.to_json() if close is not None else (closed and "no close frame"),
            )
        outcome = "applied after 'open'" if opened else "applied before 'open'"
    else:
        opened_event = ctx.wait_event(sock, "open", 5.0)
        ctx.check(
            "CL10",
            opened_event is not None,
            "after a failed close the connection opens as usual",
            "'open'",
            opened_event or "no 'open'",
        )
        outcome = "failed"
    ctx.check(
        "CL11",
        outcome == "applied after 'open'",
        "close while connecting",
        "applied after 'open' (the reference and the shipped implementation); any CL10 allows",
        outcome,
    )


@pytest.mark.case(
    area="close",
    method="close",
    clauses=("CL12",),
    overload="close(options?): Promise",
    description="close an open connection: which comes first, the settlement or 'close'",
    expectation="observed: 'close' first (the reference) or the settlement first (the shipped "
    "platform)",
)
def test_settlement_order(ctx: CaseContext) -> None:
    sock = ctx.socket()
    ctx.open(sock, ctx.url("/echo"))
    result = ctx.close_and_wait(sock)
    close_call = result.call if result is not None else None
    order = [
        "settled" if e.kind == "result" else "'close'"
        for e in ctx.session.trace
        if (e.kind == "result" and e.call == close_call)
        or (e.kind == "event" and e.type == "close" and e.sub == OBSERVER)
    ]
    ctx.check(
        "CL12",
        order[:1] == ["'close'"],
        "order of 'close' and close's settlement",
        "'close' first (the reference); either is allowed",
        order,
    )
