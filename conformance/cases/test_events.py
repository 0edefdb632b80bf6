"""Events: what the server does, and what each subscriber sees, in which order."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from conformance import coverage as cov
from conformance.context import CaseContext
from conformance.helpers import close_in, messages, server_entry
from conformance.iut import Opaque, Subscriber, TraceEntry

SERVER_MESSAGES: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {
    "text": ([{"op": "send_text", "data": "héllo"}], {"kind": "text", "text": "héllo"}),
    "binary": (
        [{"op": "send_binary", "b64": base64.b64encode(b"\x00\xff").decode()}],
        {"kind": "binary", "len": 2},
    ),
    "fragmented-text": (
        [{"op": "send_fragmented", "kind": "text", "data": "abcdefghij", "frames": 4}],
        {"kind": "text", "text": "abcdefghij"},
    ),
    "fragmented-binary": (
        [{"op": "send_fragmented", "kind": "binary", "size": 1000, "frames": 3}],
        {"kind": "binary", "len": 1000},
    ),
    "empty-text": ([{"op": "send_text", "data": ""}], {"kind": "text", "text": ""}),
    "empty-binary": ([{"op": "send_binary", "b64": ""}], {"kind": "binary", "len": 0}),
}
MESSAGE_CELL = {
    "text": ("text", "small"),
    "binary": ("binary", "small"),
    "empty-text": ("text", "empty"),
    "empty-binary": ("binary", "empty"),
}


@pytest.mark.case(
    area="events",
    method="on",
    overload="on('message')",
    clauses=("EV2", "EV1"),
    cells=lambda p: [
        cov.api(cov.ON, "'message'", "success"),
        *([cov.data("received", *MESSAGE_CELL[p["kind"]])] if p["kind"] in MESSAGE_CELL else []),
    ],
    description="the server sends one message",
    expectation="'message' once: text as a string, binary as the binary type, whole",
)
@pytest.mark.parametrize("kind", SERVER_MESSAGES)
def test_message(ctx: CaseContext, kind: str) -> None:
    steps, expected = SERVER_MESSAGES[kind]
    sock = ctx.socket()
    ctx.open(sock, ctx.script_url([*steps, {"op": "wait", "ms": 100}]))
    ctx.wait_event(sock, "message", 3.0)
    ctx.settle(sock, "close", "promise")
    got = ctx.events(sock, "message")
    ctx.check("EV2", len(got) == 1, "'message' fires once", 1, len(got))
    value = got[0].value if got else {}
    observed = {k: value.get(k) for k in expected} if isinstance(value, dict) else value
    ctx.check_equal("EV2", "message value", expected, observed)
    ctx.check(
        "EV1",
        bool(got) and got[0].nargs == 2 and got[0].err is None,
        "called (None, value)",
        "(None, value)",
        got[0] if got else None,
    )


RECEIVED_SIZES = {"64KiB": 64 * 1024, "1MiB": 1 << 20, "4MiB": 4 << 20, "16MiB": 16 << 20}


@pytest.mark.case(
    area="events",
    method="on",
    overload="on('message')",
    clauses=("EV12", "EV13"),
    timeout=20.0,
    cells=lambda p: [cov.data("received", p["kind"], cov.size_name(RECEIVED_SIZES[p["size"]]))],
    description="the server sends one large message",
    expectation="one 'message' with exactly the server's bytes (16 MiB: observed)",
)
@pytest.mark.parametrize("size", RECEIVED_SIZES)
@pytest.mark.parametrize("kind", ["text", "binary"])
def test_received_size(ctx: CaseContext, kind: str, size: str) -> None:
    clause = "EV13" if size == "16MiB" else "EV12"
    ctx.refine(clause)
    step = {"op": f"send_{kind}", "size": RECEIVED_SIZES[size]}
    sock = ctx.socket()
    ctx.open(sock, ctx.script_url([step, {"op": "wait", "ms": 100}]))
    # the message, or the 'close' of a connection that refused it (a receive limit): after
    # that no message comes, and waiting out the 15 s would only slow the run
    ctx.wait_event(sock, ("message", "close"), 15.0)
    ctx.settle(sock, "close", "promise", timeout=5.0)
    sent = [(m.kind, m.len, m.sha256) for m in messages(server_entry(ctx, 5.0), "out")]
    got = [
        ((e.value or {}).get("kind"), (e.value or {}).get("len"), e.value.get("sha256"))
        for e in ctx.events(sock, "message")
        if isinstance(e.value, dict)
    ]
    ctx.check(
        clause,
        bool(sent) and got == sent,
        "'message' values (kind, length, sha256) against what the server sent",
        sent,
        got or ctx.events(sock, "error")[:1] or "no 'message'",
    )


@pytest.mark.case(
    area="events",
    method="on",
    overload="on('close')",
    clauses=("EV3", "EV4", "EV14", "PR6"),
    cells=[cov.api(cov.ON, "'close'", "success")],
    description="the server closes the connection",
    expectation="'close' with the server's code and reason (1005 for an empty "
    "payload); the client echoes the code",
)
@pytest.mark.parametrize("how", ["1000", "4001-reason", "1001", "empty"])
def test_server_close(ctx: CaseContext, how: str) -> None:
    step = {
        "1000": {"op": "close", "code": 1000},
        "4001-reason": {"op": "close", "code": 4001, "reason": "服务器 bye"},
        "1001": {"op": "close", "code": 1001},
        "empty": {"op": "close", "empty": True},
    }[how]
    expected = {
        "1000": (1000, ""),
        "4001-reason": (4001, "服务器 bye"),
        "1001": (1001, ""),
        "empty": (1005, ""),
    }[how]
    if how == "empty":
        ctx.refine("EV4", "EV3", "EV14", "PR6")
    elif expected[1]:
        ctx.refine("EV3", "PR6")
    else:  # a code and no reason: the code is EV3's, the empty reason EV14's
        ctx.refine("EV3", "EV14", "PR6")
    sock = ctx.socket()
    ctx.open(sock, ctx.script_url([step]))
    closed = ctx.wait_event(sock, "close", 3.0)
    value = closed.value_object() if closed is not None else {}
    got = (value.get("code"), value.get("reason"))
    if how == "empty":  # the code is EV4's, the (empty) reason EV14's
        ctx.check_equal("EV4", "'close' code for a close frame without a status", 1005, got[0])
        ctx.check_equal("EV14", "'close' reason for a close frame without one", "", got[1])
    elif expected[1]:
        ctx.check_equal("EV3", "'close' code and reason", expected, got)
    else:
        ctx.check_equal("EV3", "'close' code", expected[0], got[0])
        ctx.check_equal("EV14", "'close' reason for a close frame without one", "", got[1])
    ctx.check(
        "EV3",
        value.get("access") == "attr",
        "attribute access (value.code)",
        "attr",
        value.get("access"),
    )
    echoed = close_in(server_entry(ctx))
    if how != "empty":
        ctx.check_equal(
            "PR6",
            "client's close frame echoes the code",
            expected[0],
            None if echoed is None else echoed.code,
        )
    else:
        ctx.check(
            "PR6",
            echoed is not None,
            "client answers with a close frame",
            "close",
            None if echoed is None else echoed.to_json(),
        )


@pytest.mark.case(
    area="events",
    method="on",
    overload="on('error')",
    clauses=("EV5", "OR4"),
    cells=[cov.api(cov.ON, "'error'", "connection failure")],
    description="the server drops TCP without a close frame",
    expectation="'error' then 'close' with 1006",
)
def test_connection_lost(ctx: CaseContext) -> None:
    sock = ctx.socket()
    ctx.open(sock, ctx.url("/drop"))
    closed = ctx.wait_event(sock, "close", 3.0)
    error = ctx.events(sock, "error")
    ctx.check("EV5", bool(error), "'error' fires", "'error'", error)
    ctx.check_equal(
        "EV5",
        "'close' code",
        1006,
        (closed.value_object() if closed is not None else {}).get("code"),
    )
    if error and closed:
        ctx.check(
            "OR4",
            error[0].at <= closed.at,
            "'error' before 'close'",
            True,
            [error[0].t, closed.t],
        )


@pytest.mark.case(
    area="events",
    method="on",
    overload="on(type, callback)",
    clauses=("EV6", "EV1"),
    cells=[cov.api(cov.ON, f"'{t}'", "success") for t in ("open", "message", "close")],
    description="three subscribers on each event type",
    expectation="each is called once per event, in subscription order, with the same value",
)
def test_several_subscribers(ctx: CaseContext) -> None:
    sock = ctx.socket(observe=False)
    for event in ("open", "message", "close"):
        for name in ("a", "b", "c"):
            ctx.session.call(sock, "on", event, Subscriber(name))
    url = ctx.script_url(
        [
            {"op": "send_text", "data": "1"},
            {"op": "send_text", "data": "2"},
            {"op": "close", "code": 1000},
        ]
    )
    ctx.open(sock, url, sub="a")
    ctx.wait_event(sock, "close", 3.0, sub="c")
    for event, count in (("open", 1), ("message", 2), ("close", 1)):
        order = [e.sub for e in ctx.session.trace if e.kind == "event" and e.type == event]
        ctx.check_equal("EV6", f"'{event}' subscribers called", ["a", "b", "c"] * count, order)
        calls = {name: ctx.events(sock, event, sub=name) for name in ("a", "b", "c")}
        for i, first in enumerate(calls["a"][:count]):
            for name in ("b", "c"):
                if i < len(calls[name]):
                    ctx.check_equal(
                        "EV6",
                        f"'{event}' #{i + 1}: what subscriber {name} got, against subscriber a",
                        _as_received(first),
                        _as_received(calls[name][i]),
                    )


def _as_received(entry: TraceEntry) -> dict[str, Any]:
    """What a subscriber was handed, in the fields the contract gives it (the language's type
    name and attribute/item access are left out: a copy of the value is as good)."""
    value = entry.value
    if isinstance(value, dict):
        fields = ("kind", "len", "sha256", "status", "message", "code", "reason")
        value = {k: value[k] for k in fields if k in value}
    return {"err": entry.err, "value": value}


@pytest.mark.case(
    area="events",
    method="off",
    overload="off(type, callback?)",
    clauses=("EV7",),
    cells=lambda p: [
        cov.api(cov.OFF, "one callback" if p["how"] == "one" else "all callbacks", "success")
    ],
    description="off(type, cb) and off(type)",
    expectation="off(type, cb) removes only cb; off(type) removes all",
)
@pytest.mark.parametrize("how", ["one", "all"])
def test_off(ctx: CaseContext, how: str) -> None:
    sock = ctx.socket(observe=False)
    for name in ("a", "b"):
        ctx.session.call(sock, "on", "message", Subscriber(name))
    if how == "one":
        ctx.session.call(sock, "off", "message", Subscriber("a"))
    else:
        ctx.session.call(sock, "off", "message")
    ctx.session.call(sock, "on", "message", Subscriber("probe"))
    ctx.invoke(sock, "connect", "promise", ctx.script_url([{"op": "send_text", "data": "x"}]))
    ctx.wait_event(sock, "message", 3.0, sub="probe")
    called = sorted({str(e.sub) for e in ctx.session.entries(lambda e: e.kind == "event")})
    expected = ["b", "probe"] if how == "one" else ["probe"]
    ctx.check_equal("EV7", "subscribers still called", expected, called)


@pytest.mark.case(
    area="events",
    method="on",
    overload="on(type, callback)",
    clauses=("EV8",),
    description="the same callback subscribed twice",
    expectation="observed: how often it is called per event",
)
def test_same_callback_twice(ctx: CaseContext) -> None:
    sock = ctx.socket(observe=False)
    ctx.session.call(sock, "on", "open", Subscriber("a"))
    ctx.session.call(sock, "on", "open", Subscriber("a"))
    ctx.open(sock, ctx.url("/echo"), sub="a")
    ctx.session.quiet(0.05)
    calls = len(ctx.session.entries(lambda e: e.kind == "event"))
    ctx.check("EV8", calls == 1, "calls per 'open'", "1 (the reference)", calls)


BAD_SUBSCRIPTIONS = {
    "type-int": (5, Subscriber("a")),
    "type-none": (None, Subscriber("a")),
    "callback-str": ("open", "not callable"),
    "callback-object": ("open", Opaque()),
}


@pytest.mark.case(
    area="events",
    method="on",
    overload=lambda p: f"{p['method']}(type, callback)",
    clauses=("EV9",),
    cells=lambda p: [
        cov.api(cov.ON if p["method"] == "on" else cov.OFF, "bad type or callback", "API error")
    ],
    description="on/off with a non-string type or a non-callable callback",
    expectation="raises BusinessError 401 at once",
)
@pytest.mark.parametrize("method", ["on", "off"])
@pytest.mark.parametrize("args", BAD_SUBSCRIPTIONS)
def test_bad_subscription(ctx: CaseContext, args: str, method: str) -> None:
    sock = ctx.socket()
    outcome = ctx.session.call(sock, method, *BAD_SUBSCRIPTIONS[args])
    ctx.check_equal("EV9", "raised error code", 401, (outcome.raised or {}).get("code"))


@pytest.mark.case(
    area="events",
    method="on",
    overload="on(type, callback)",
    clauses=("EV11",),
    cells=[cov.api(cov.ON, "unknown type", "API error")],
    description="on with an unknown event name",
    expectation="observed: raises 401 (the reference) or is ignored (the shipped platform)",
)
def test_unknown_type(ctx: CaseContext) -> None:
    sock = ctx.socket()
    outcome = ctx.session.call(sock, "on", "opened", Subscriber("a"))
    code = (outcome.raised or {}).get("code")
    ctx.check(
        "EV11",
        code == 401,
        "what on('opened', cb) does",
        "raises 401 (the reference)",
        outcome.raised or "accepted",
    )


@pytest.mark.case(
    area="events",
    method="on",
    overload="on('message')",
    clauses=("EV10",),
    description="a subscriber raises an exception",
    expectation="the next subscriber still runs, the connection lives, the exception is logged",
)
def test_callback_raises(ctx: CaseContext) -> None:
    sock = ctx.socket()
    ctx.session.call(sock, "on", "message", Subscriber("boom", "raise"))
    ctx.session.call(sock, "on", "message", Subscriber("after"))
    ctx.open(sock, ctx.url("/echo"))
    ctx.settle(sock, "send", "promise", "one")
    ctx.settle(sock, "send", "promise", "two")
    second = ctx.session.wait_for(
        lambda e: e.kind == "event" and e.sub == "after" and e.value_object().get("text") == "two",
        3.0,
    )
    ctx.check(
        "EV10",
        second is not None,
        "other subscribers run, connection lives",
        "second message reaches 'after'",
        second,
    )
    logged = ctx.session.entries(lambda e: e.kind == "log")
    ctx.check(
        "EV10", bool(logged), "the exception is reported (logged)", "a log record", logged[:1]
    )


@pytest.mark.case(
    area="ordering",
    method="on",
    overload="on(type, callback)",
    clauses=("OR5",),
    description="a subscriber subscribes another one while being called",
    expectation="the new subscriber sees the next event, not the current one",
)
def test_subscribe_during_dispatch(ctx: CaseContext) -> None:
    sock = ctx.socket()
    ctx.session.call(sock, "on", "message", Subscriber("a", "subscribe:message:late"))
    url = ctx.script_url([{"op": "send_text", "data": "1"}, {"op": "send_text", "data": "2"}])
    ctx.open(sock, url)
    ctx.session.wait_for(lambda e: e.kind == "event" and e.sub == "late", 3.0)
    late = [
        e.value_object().get("text")
        for e in ctx.session.entries(lambda e: e.kind == "event" and e.sub == "late")
    ]
    ctx.check_equal("OR5", "messages the late subscriber saw", ["2"], late)


@pytest.mark.case(
    area="ordering",
    method="on",
    overload="on('message')",
    clauses=("OR3", "OR1"),
    description="the server sends 50 messages of mixed kinds",
    expectation="'open' first, then all messages in the order sent",
)
def test_message_order(ctx: CaseContext) -> None:
    steps = [
        {"op": "send_text", "data": str(i)} if i % 2 else {"op": "send_binary", "size": i}
        for i in range(50)
    ]
    sock = ctx.socket()
    ctx.open(sock, ctx.script_url(steps))
    ctx.session.wait_for(lambda e: len(ctx.events(sock, "message")) >= 50, 0.01)
    for _ in range(100):
        if len(ctx.events(sock, "message")) >= 50:
            break
        ctx.session.quiet(0.02)
    got = len(ctx.events(sock, "message"))
    ctx.check_equal("OR3", "messages delivered", 50, got)
