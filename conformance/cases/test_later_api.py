"""The optional features of the later API versions (contract, "Later API versions").

Every case here needs its feature (``needs=(apifeatures.need(...),)``): an implementation
that lacks it, declared or detected, is UNIMPLEMENTED, never FAILED.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from conformance import apifeatures
from conformance import coverage as cov
from conformance.context import CaseContext
from conformance.helpers import handshake_json, message_mismatch, server_entry
from conformance.iut import Subscriber, TraceEntry
from mockserver.records import ConnectionEntry

DATA_END = apifeatures.need("dataEnd")
HEADER_RECEIVE = apifeatures.need("headerReceive")


def _check_error(ctx: CaseContext, result: TraceEntry | None) -> None:
    """ER1 and ER2 on a call's error: a numeric code and a message string, and for a
    documented code its documented message (2302002 "Websocket certificate file does not
    exist", 401 "Parameter error")."""
    if result is None or result.err is None:
        return  # the case's own clause already judged that it did not fail
    err = result.err_object()
    ctx.check("ER1", err.get("is_business_error") is True, "code and message", True, err)
    paired, message = message_mismatch(err)
    ctx.check("ER2", paired, "the documented message", message, err.get("message"))


# -- on('dataEnd') (API 11) ---------------------------------------------------------------------

TWO_MESSAGES: dict[str, list[dict[str, Any]]] = {
    "text": [{"op": "send_text", "data": "one"}, {"op": "send_text", "data": "two"}],
    "binary": [
        {"op": "send_binary", "b64": base64.b64encode(b"\x01\x02").decode()},
        {"op": "send_binary", "b64": base64.b64encode(b"\x03").decode()},
    ],
    "fragmented": [
        {"op": "send_fragmented", "kind": "text", "data": "abcdefgh", "frames": 4},
        {"op": "send_fragmented", "kind": "binary", "size": 300, "frames": 3},
    ],
}


def _sequence(ctx: CaseContext, sock: str, types: tuple[str, ...], sub: str) -> list[str]:
    return [
        str(e.type)
        for e in ctx.session.entries(
            lambda e: e.kind == "event" and e.socket == sock and e.sub == sub and e.type in types
        )
    ]


@pytest.mark.case(
    area="events",
    method="on",
    overload="on('dataEnd')",
    clauses=("DE1",),
    needs=(DATA_END,),
    cells=[cov.api(cov.ON, "'dataEnd'", "success")],
    description="the server sends two messages; 'message' and 'dataEnd' are subscribed",
    expectation="'message', 'dataEnd', 'message', 'dataEnd': once each, in that order",
)
@pytest.mark.parametrize("kind", TWO_MESSAGES)
def test_data_end(ctx: CaseContext, kind: str) -> None:
    sock = ctx.socket()
    ctx.session.call(sock, "on", "dataEnd", Subscriber("_"))
    ctx.open(sock, ctx.script_url([*TWO_MESSAGES[kind], {"op": "wait", "ms": 200}]))
    ctx.session.wait_for(lambda e: len(_sequence(ctx, sock, ("message", "dataEnd"), "_")) >= 4, 3.0)
    ctx.session.quiet(0.2)  # a second 'dataEnd' for one message would come now
    ctx.settle(sock, "close", "promise")
    got = _sequence(ctx, sock, ("message", "dataEnd"), "_")
    expected = ["message", "dataEnd", "message", "dataEnd"]
    ctx.check("DE1", got == expected, "events in order", expected, got)
    ends = [e for e in ctx.events(sock, "dataEnd") if e.value not in (None,)]
    ctx.check("DE1", not ends, "'dataEnd' carries no value", [], ends)


@pytest.mark.case(
    area="events",
    method="off",
    overload="off('dataEnd')",
    clauses=("DE1",),
    needs=(DATA_END,),
    cells=lambda p: [cov.api(cov.OFF, f"'dataEnd' ({p['how']})", "success")],
    description="'dataEnd' is unsubscribed after the first message; the server sends a second",
    expectation="one 'dataEnd' only (the first message's)",
)
@pytest.mark.parametrize("how", ["callback", "all"])
def test_data_end_off(ctx: CaseContext, how: str) -> None:
    sock = ctx.socket()
    ctx.session.call(sock, "on", "dataEnd", Subscriber("a"))
    steps: list[dict[str, Any]] = [
        {"op": "send_text", "data": "one"},
        {"op": "expect", "kind": "text", "timeout_ms": 3000},
        {"op": "send_text", "data": "two"},
        {"op": "wait", "ms": 200},
    ]
    ctx.open(sock, ctx.script_url(steps))
    first = ctx.wait_event(sock, "dataEnd", 3.0, sub="a")
    if how == "callback":
        ctx.session.call(sock, "off", "dataEnd", Subscriber("a"))
    else:
        ctx.session.call(sock, "off", "dataEnd")
    ctx.settle(sock, "send", "promise", "go")
    ctx.session.wait_for(lambda e: len(ctx.events(sock, "message")) >= 2, 3.0)
    ctx.session.quiet(0.2)
    ctx.settle(sock, "close", "promise")
    ends = ctx.events(sock, "dataEnd", sub="a")
    ctx.check("DE1", first is not None, "'dataEnd' after the first message", 1, len(ends))
    ctx.check("DE1", len(ends) == 1, "no 'dataEnd' after off", 1, len(ends))


# -- on('headerReceive') (API 12) ---------------------------------------------------------------


def _header_events(ctx: CaseContext, sock: str) -> list[TraceEntry]:
    return ctx.events(sock, "headerReceive")


def _headers(event: TraceEntry | None) -> dict[str, Any] | None:
    value = event.value if event is not None else None
    if isinstance(value, dict) and value.get("kind") == "headers":
        headers = value.get("headers")
        return headers if isinstance(headers, dict) else None
    return None


def _lookup(headers: dict[str, Any], name: str) -> Any:
    found = [v for k, v in headers.items() if k.lower() == name.lower()]
    return found[0] if len(found) == 1 else found or None


@pytest.mark.case(
    area="events",
    method="on",
    overload="on('headerReceive')",
    clauses=("HR1", "HR3"),
    needs=(HEADER_RECEIVE,),
    cells=[cov.api(cov.ON, "'headerReceive'", "success")],
    description="the server answers the handshake with two extra headers",
    expectation="'headerReceive' once, before 'open', with every response header, lower-case",
)
def test_header_receive(ctx: CaseContext) -> None:
    sock = ctx.socket()
    ctx.session.call(sock, "on", "headerReceive", Subscriber("_"))
    scripted = {"X-Api-Case": "value 1", "X-Other": "a, b; c=d"}
    ctx.open(sock, ctx.script_url([{"op": "wait", "ms": 100}], handshake={"headers": scripted}))
    ctx.session.quiet(0.2)
    ctx.settle(sock, "close", "promise")
    log = server_entry(ctx)
    events = _header_events(ctx, sock)
    order = _sequence(ctx, sock, ("headerReceive", "open"), "_")
    ctx.check("HR1", len(events) == 1, "'headerReceive' once", 1, len(events))
    ctx.check("HR1", order[:2] == ["headerReceive", "open"], "before 'open'", "first", order)
    ctx.check("HR1", bool(events) and events[0].nargs == 1, "one argument", 1, events)
    headers = _headers(events[0] if events else None)
    sent = () if log is None or log.handshake is None else log.handshake.response_headers
    expected = {name.lower(): value for name, value in sent}
    observed = {name: _lookup(headers or {}, name) for name in expected}
    ctx.check_equal("HR1", "every response header, exactly", expected, observed)
    names = sorted(headers or {})
    upper = [n for n in names if n != n.lower()]
    ctx.check("HR3", headers is not None and not upper, "names lower-case", [], upper)


@pytest.mark.case(
    area="events",
    method="on",
    overload="on('headerReceive')",
    clauses=("HR2", "HR1"),
    needs=(HEADER_RECEIVE,),
    cells=[cov.api(cov.ON, "'headerReceive' (repeated header)", "success")],
    description="the server sends one response header three times",
    expectation="all three values, in order: a list, or one string joined with ', '",
)
def test_header_receive_repeated(ctx: CaseContext) -> None:
    sock = ctx.socket()
    ctx.session.call(sock, "on", "headerReceive", Subscriber("_"))
    values = ["first", "second", "third"]
    handshake = {"headers": {"X-Repeated": values, "X-Once": "alone"}}
    ctx.open(sock, ctx.script_url([{"op": "wait", "ms": 100}], handshake=handshake))
    ctx.session.quiet(0.2)
    ctx.settle(sock, "close", "promise")
    events = _header_events(ctx, sock)
    headers = _headers(events[0] if events else None) or {}
    ctx.check_equal("HR1", "a header sent once", "alone", _lookup(headers, "X-Once"))
    got = _lookup(headers, "X-Repeated")
    ctx.check(
        "HR2",
        got == values or got == ", ".join(values),
        "every value, in order",
        f"{values} or {', '.join(values)!r}",
        got,
    )


# -- protocol (API 12) --------------------------------------------------------------------------

PROTOCOL = apifeatures.need("protocol")
OFFERS = {"one": ("chat", "chat"), "several": ("chat, superchat", "superchat")}


def _sent_protocols(log: ConnectionEntry | None) -> list[str]:
    headers = () if log is None or log.handshake is None else log.handshake.headers
    return [value for name, value in headers if name.lower() == "sec-websocket-protocol"]


def _connect_and_wait(
    ctx: CaseContext, sock: str, url: str, options: Any, style: str
) -> tuple[TraceEntry | None, TraceEntry | None]:
    """connect(url, options) in ``style``; the first of 'open'/'error'/'close' (None if none
    came within 5 s) and the connect settlement (None if it did not settle)."""
    start = len(ctx.session.trace)
    outcome = ctx.invoke(sock, "connect", style, url, options)
    first = ctx.session.wait_for(
        lambda e: (
            e.kind == "event"
            and e.socket == sock
            and e.sub == "_"
            and e.type in ("open", "error", "close")
        ),
        5.0,
        after=start,
    )
    settled = None if outcome.raised else ctx.session.result(outcome, 2.0)
    return first, settled


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("SP1", "SP2"),
    needs=(PROTOCOL,),
    cells=lambda p: [
        cov.api(
            cov.CONNECT_OPT_CB if p["style"] == "callback" else cov.CONNECT_OPT_P,
            "protocol",
            "success",
        )
    ],
    description="connect with options.protocol; the server selects one of the offered",
    expectation="Sec-WebSocket-Protocol sent exactly as given; the connection opens",
)
@pytest.mark.parametrize("offer", OFFERS)
@pytest.mark.parametrize("style", ["callback", "promise"])
def test_protocol_offered(ctx: CaseContext, offer: str, style: str) -> None:
    protocol, choice = OFFERS[offer]
    sock = ctx.socket()
    url = ctx.script_url([{"op": "echo"}], handshake={"subprotocol": choice})
    first, _ = _connect_and_wait(ctx, sock, url, {"protocol": protocol}, style)
    ctx.settle(sock, "close", "promise")
    log = server_entry(ctx)
    ctx.check_equal(
        "SP1", "Sec-WebSocket-Protocol request headers", [protocol], _sent_protocols(log)
    )
    ctx.check_equal(
        "SP2",
        "the server's choice is accepted",
        "open",
        (first.type if first is not None else None),
    )


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("SP2", "SP1"),
    needs=(PROTOCOL,),
    cells=[cov.api(cov.CONNECT_OPT_P, "protocol (server declines)", "success")],
    description="connect with options.protocol; the server selects none",
    expectation="the connection opens (RFC 6455 §4.1 lets the server decline)",
)
def test_protocol_declined(ctx: CaseContext) -> None:
    sock = ctx.socket()
    first, _ = _connect_and_wait(ctx, sock, ctx.url("/echo"), {"protocol": "chat"}, "promise")
    ctx.settle(sock, "close", "promise")
    log = server_entry(ctx)
    ctx.check_equal("SP1", "Sec-WebSocket-Protocol request headers", ["chat"], _sent_protocols(log))
    ctx.check_equal(
        "SP2", "no subprotocol selected: opens", "open", (first.type if first is not None else None)
    )


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("SP1",),
    needs=(PROTOCOL,),
    cells=lambda p: [cov.api(cov.CONNECT_OPT_P, f"protocol: {p['given']}", "success")],
    description='connect without a protocol, or with the default ""',
    expectation="no Sec-WebSocket-Protocol header",
)
@pytest.mark.parametrize("given", ["absent", "empty"])
def test_protocol_absent(ctx: CaseContext, given: str) -> None:
    sock = ctx.socket()
    options: dict[str, Any] = {"header": {"X-Case": "protocol"}}
    if given == "empty":
        options["protocol"] = ""
    ctx.open(sock, ctx.url("/echo"), options)
    ctx.settle(sock, "close", "promise")
    ctx.check_equal("SP1", "Sec-WebSocket-Protocol headers", [], _sent_protocols(server_entry(ctx)))


NOT_OFFERED = {"other-than-offered": ("chat", "other"), "none-offered": (None, "chat")}


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("SP3",),
    needs=(PROTOCOL,),
    cells=lambda p: [
        cov.api(
            cov.CONNECT_OPT_CB if p["style"] == "callback" else cov.CONNECT_OPT_P,
            "protocol (server picks one not offered)",
            "connection failure",
        )
    ],
    description="the server selects a subprotocol the client did not offer",
    expectation="'error', no 'open' (RFC 6455 §4.1: the client MUST fail the connection)",
)
@pytest.mark.parametrize("case", NOT_OFFERED)
@pytest.mark.parametrize("style", ["callback", "promise"])
def test_protocol_not_offered(ctx: CaseContext, case: str, style: str) -> None:
    offered, choice = NOT_OFFERED[case]
    sock = ctx.socket()
    url = ctx.script_url([{"op": "echo"}], handshake={"subprotocol": choice})
    options: dict[str, Any] = {"header": {}} if offered is None else {"protocol": offered}
    _connect_and_wait(ctx, sock, url, options, style)
    ctx.session.quiet(0.3)
    opened = ctx.events(sock, "open")
    errors = ctx.events(sock, "error")
    if opened:
        ctx.settle(sock, "close", "promise")
    ctx.check("SP3", not opened, "no 'open'", 0, len(opened))
    ctx.check("SP3", bool(errors), "'error'", ">= 1", len(errors))


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("SP4",),
    needs=(PROTOCOL, HEADER_RECEIVE),
    cells=[cov.api(cov.CONNECT_OPT_P, "protocol (reported)", "success")],
    description="the server selects one of two offered subprotocols",
    expectation="'headerReceive' reports sec-websocket-protocol: the server's choice",
)
def test_protocol_reported(ctx: CaseContext) -> None:
    sock = ctx.socket()
    ctx.session.call(sock, "on", "headerReceive", Subscriber("_"))
    url = ctx.script_url([{"op": "echo"}], handshake={"subprotocol": "superchat"})
    ctx.open(sock, url, {"protocol": "chat, superchat"})
    ctx.settle(sock, "close", "promise")
    events = ctx.events(sock, "headerReceive")
    headers = _headers(events[0] if events else None) or {}
    ctx.check_equal(
        "SP4", "the selected subprotocol", "superchat", _lookup(headers, "Sec-WebSocket-Protocol")
    )


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("SP5", "ER1", "ER2"),
    needs=(PROTOCOL,),
    cells=lambda p: [
        cov.api(
            cov.CONNECT_OPT_CB if p["style"] == "callback" else cov.CONNECT_OPT_P,
            "protocol not a string",
            "API error",
        )
    ],
    description="connect with options.protocol = 5",
    expectation="connect fails with 401; nothing reaches the server",
)
@pytest.mark.parametrize("style", ["callback", "promise"])
def test_protocol_not_a_string(ctx: CaseContext, style: str) -> None:
    sock = ctx.socket()
    result = ctx.settle(sock, "connect", style, ctx.url("/echo"), {"protocol": 5})
    code = (result.err_object() if result is not None else {}).get("code")
    if ctx.events(sock, "open"):
        ctx.settle(sock, "close", "promise")
    ctx.check_equal("SP5", "connect's error code", 401, code)
    _check_error(ctx, result)


# -- pingInterval / pongTimeout (API 21) --------------------------------------------------------

KEEPALIVE = apifeatures.need("pingInterval")
PING = 9


def _pings(log: ConnectionEntry | None) -> list[float]:
    """When (seconds after the connection reached the server) each client ping came."""
    frames = () if log is None else log.frames_of("in")
    return [f.t for f in frames if f.opcode == PING]


def _ended_after(log: ConnectionEntry | None) -> float | None:
    if log is None or log.ended is None:
        return None
    return round(log.ended - log.started, 3)


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("KA1",),
    needs=(KEEPALIVE,),
    cells=lambda p: [
        cov.api(
            cov.CONNECT_OPT_CB if p["style"] == "callback" else cov.CONNECT_OPT_P,
            "pingInterval",
            "success",
        )
    ],
    description="pingInterval 1, pongTimeout 1; the server sends nothing and answers pings",
    expectation="a ping 0.5..3 s after the handshake, more after it; the connection stays open",
)
@pytest.mark.parametrize("style", ["callback", "promise"])
def test_ping_interval(ctx: CaseContext, style: str) -> None:
    sock = ctx.socket()
    url = ctx.script_url([{"op": "wait_close", "ms": 6000}])
    ctx.open(sock, url, {"pingInterval": 1, "pongTimeout": 1}, style=style)
    ctx.session.quiet(3.5)
    closed_early = ctx.events(sock, "close")
    ctx.settle(sock, "close", "promise")
    pings = _pings(server_entry(ctx))
    ctx.check("KA1", bool(pings) and 0.5 <= pings[0] <= 3.0, "first ping", "0.5..3 s", pings)
    ctx.check("KA1", len(pings) >= 2, "pings while the connection lasts", ">= 2", pings)
    ctx.check("KA1", not closed_early, "the connection stays open", [], closed_early)


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("KA2",),
    needs=(KEEPALIVE,),
    cells=[cov.api(cov.CONNECT_OPT_P, "pongTimeout (no pong)", "connection failure")],
    description="pingInterval 1, pongTimeout 1; the server never answers a ping",
    expectation="the client ends the connection 0.5..4 s after its first ping: 'close', TCP ends",
)
def test_pong_timeout(ctx: CaseContext) -> None:
    sock = ctx.socket()
    url = ctx.script_url([{"op": "ignore_pings", "ms": 9000}])
    ctx.open(sock, url, {"pingInterval": 1, "pongTimeout": 1})
    close = ctx.wait_event(sock, "close", 7.0)
    log = server_entry(ctx, 3.0)
    pings = _pings(log)
    ended = _ended_after(log)
    ctx.check("KA2", close is not None, "'close' fires", "'close'", close)
    span = None if not pings or ended is None else round(ended - pings[0], 3)
    ctx.check(
        "KA2",
        span is not None and 0.5 <= span <= 4.0,
        "TCP ends pongTimeout after the first ping",
        "0.5..4 s",
        {"pings": pings, "ended": ended, "after first ping": span},
    )


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("KA3",),
    needs=(KEEPALIVE,),
    cells=[cov.api(cov.CONNECT_OPT_P, "pingInterval: 0", "success")],
    description="pingInterval 0; the server sends nothing and answers no ping for 3 s",
    expectation="no ping; the connection stays open",
)
def test_ping_disabled(ctx: CaseContext) -> None:
    sock = ctx.socket()
    url = ctx.script_url([{"op": "ignore_pings", "ms": 6000}])
    ctx.open(sock, url, {"pingInterval": 0, "pongTimeout": 0})
    ctx.session.quiet(3.0)
    closed_early = ctx.events(sock, "close")
    ctx.settle(sock, "close", "promise")
    pings = _pings(server_entry(ctx))
    ctx.check("KA3", not pings, "no ping", [], pings)
    ctx.check("KA3", not closed_early, "the connection stays open", [], closed_early)


# -- skipServerCertVerification (API 20) ----------------------------------------------------------

SKIP_VERIFICATION = apifeatures.need("skipServerCertVerification")
BAD_CERTIFICATES = ("unknown-ca", "expired", "wrong-name")


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("SK1", "SK2"),
    needs=(SKIP_VERIFICATION,),
    cells=lambda p: [
        cov.api(
            cov.CONNECT_OPT_CB if p["style"] == "callback" else cov.CONNECT_OPT_P,
            f"skipServerCertVerification: {str(p['skip']).lower()}",
            "success" if p["skip"] else "connection failure",
        )
    ],
    description="wss:// to a server whose certificate would be refused",
    expectation="true: the connection opens; false: it fails ('error', no 'open')",
)
@pytest.mark.parametrize("certificate", BAD_CERTIFICATES)
@pytest.mark.parametrize("skip", [True, False])
@pytest.mark.parametrize("style", ["callback", "promise"])
def test_skip_verification(ctx: CaseContext, certificate: str, skip: bool, style: str) -> None:
    base = ctx.server.tls_failure_urls.get(certificate)
    assert base is not None, "the mock server runs without its TLS failure listeners"
    ctx.refine("SK1" if skip else "SK2")
    sock = ctx.socket()
    url = f"{base}/echo?tag={ctx.tag}"
    first, _ = _connect_and_wait(ctx, sock, url, {"skipServerCertVerification": skip}, style)
    got = first.type if first is not None else None
    if ctx.events(sock, "open"):
        ctx.settle(sock, "close", "promise")
    if skip:
        ctx.check_equal("SK1", "the connection opens", "open", got)
    else:
        ctx.check_equal("SK2", "the connection fails", "error", got)


# -- caPath and clientCert (API 11) ---------------------------------------------------------------

CA_PATH = apifeatures.need("caPath")
CLIENT_CERT = apifeatures.need("clientCert")
CLIENT_NAME = "conformance client"  # the common name of the mock server's valid client cert


def _opt_overload(style: str) -> str:
    return cov.CONNECT_OPT_CB if style == "callback" else cov.CONNECT_OPT_P


def _tls_url(ctx: CaseContext, base: str | None) -> str:
    assert base is not None, "the mock server runs without its caPath/clientCert listeners"
    return f"{base}/echo?tag={ctx.tag}"


def _no_connection(ctx: CaseContext) -> list[Any]:
    """What reached the server for this case (nothing, when connect refused up front)."""
    return [handshake_json(log) for log in ctx.server.wirelog.entries(ctx.tag)]


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("CA1",),
    needs=(CA_PATH,),
    cells=lambda p: [cov.api(_opt_overload(p["style"]), "caPath", "success")],
    description="wss:// to a server whose certificate a private CA issued; caPath names it",
    expectation="the connection opens",
)
@pytest.mark.parametrize("style", ["callback", "promise"])
def test_ca_path(ctx: CaseContext, style: str) -> None:
    sock = ctx.socket()
    url = _tls_url(ctx, ctx.server.private_wss_url)
    options = {"caPath": str(ctx.server.private_ca_file)}
    first, _ = _connect_and_wait(ctx, sock, url, options, style)
    if ctx.events(sock, "open"):
        ctx.settle(sock, "close", "promise")
    ctx.check_equal(
        "CA1", "the connection opens", "open", (first.type if first is not None else None)
    )


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("CA2", "ER1", "ER2"),
    needs=(CA_PATH,),
    cells=lambda p: [cov.api(_opt_overload(p["style"]), "caPath (no such file)", "API error")],
    description="caPath names a file that does not exist",
    expectation="connect fails with 2302002; nothing reaches the server",
)
@pytest.mark.parametrize("style", ["callback", "promise"])
def test_ca_path_missing(ctx: CaseContext, style: str) -> None:
    sock = ctx.socket()
    url = _tls_url(ctx, ctx.server.private_wss_url)
    options = {"caPath": "/nonexistent/ohos-conformance/ca.pem"}
    result = ctx.settle(sock, "connect", style, url, options)
    ctx.session.quiet(0.3)
    if ctx.events(sock, "open"):
        ctx.settle(sock, "close", "promise")
    code = (result.err_object() if result is not None else {}).get("code")
    ctx.check_equal("CA2", "connect's error code", 2302002, code)
    _check_error(ctx, result)
    ctx.check("CA2", not _no_connection(ctx), "no connection made", [], _no_connection(ctx))


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("CC1",),
    needs=(CLIENT_CERT,),
    cells=lambda p: [
        cov.api(
            _opt_overload(p["style"]),
            "clientCert" + (" with keyPassword" if p["key"] == "encrypted" else ""),
            "success",
        )
    ],
    description="wss:// to a server that requires a client certificate; clientCert gives one",
    expectation="the client presents it; the connection opens",
)
@pytest.mark.parametrize("key", ["plain", "encrypted"])
@pytest.mark.parametrize("style", ["callback", "promise"])
def test_client_cert(ctx: CaseContext, key: str, style: str) -> None:
    sock = ctx.socket()
    kind = "encrypted" if key == "encrypted" else "valid"
    options = {"clientCert": apifeatures.client_cert_option(ctx.server, kind)}
    first, _ = _connect_and_wait(ctx, sock, _tls_url(ctx, ctx.server.mtls_url), options, style)
    if ctx.events(sock, "open"):
        ctx.settle(sock, "close", "promise")
    presented = [(h or {}).get("client_certificate") for h in _no_connection(ctx)]
    ctx.check_equal(
        "CC1", "the connection opens", "open", (first.type if first is not None else None)
    )
    ctx.check_equal("CC1", "the certificate the server saw", [CLIENT_NAME], presented)


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("CC2",),
    needs=(CLIENT_CERT,),
    cells=lambda p: [
        cov.api(cov.CONNECT_OPT_P, f"clientCert ({p['certificate']})", "connection failure")
    ],
    description="wss:// to a server that requires a client certificate; none, or a bad one",
    expectation="the connection fails: 'error', no 'open'",
)
@pytest.mark.parametrize("certificate", ["missing", "unknown-ca", "expired"])
def test_client_cert_refused(ctx: CaseContext, certificate: str) -> None:
    sock = ctx.socket()
    options: dict[str, Any] = {"header": {}}
    if certificate != "missing":
        options["clientCert"] = apifeatures.client_cert_option(ctx.server, certificate)
    url = _tls_url(ctx, ctx.server.mtls_url)
    first, _ = _connect_and_wait(ctx, sock, url, options, "promise")
    ctx.session.quiet(0.2)
    opened = ctx.events(sock, "open")
    if opened:
        ctx.settle(sock, "close", "promise")
    ctx.check("CC2", not opened, "no 'open'", [], opened)
    ctx.check_equal(
        "CC2", "the connection fails", "error", (first.type if first is not None else None)
    )


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("CC3", "ER1", "ER2"),
    needs=(CLIENT_CERT,),
    cells=lambda p: [cov.api(_opt_overload(p["style"]), "clientCert (no such file)", "API error")],
    description="clientCert names a certificate or key file that does not exist",
    expectation="connect fails with 2302002; nothing reaches the server",
)
@pytest.mark.parametrize("missing", ["certPath", "keyPath"])
@pytest.mark.parametrize("style", ["callback", "promise"])
def test_client_cert_missing(ctx: CaseContext, missing: str, style: str) -> None:
    sock = ctx.socket()
    option = apifeatures.client_cert_option(ctx.server, "valid")
    option[missing] = f"/nonexistent/ohos-conformance/{missing}.pem"
    url = _tls_url(ctx, ctx.server.mtls_url)
    result = ctx.settle(sock, "connect", style, url, {"clientCert": option})
    ctx.session.quiet(0.3)
    if ctx.events(sock, "open"):
        ctx.settle(sock, "close", "promise")
    code = (result.err_object() if result is not None else {}).get("code")
    ctx.check_equal("CC3", "connect's error code", 2302002, code)
    _check_error(ctx, result)
    ctx.check("CC3", not _no_connection(ctx), "no connection made", [], _no_connection(ctx))


# -- proxy (API 12) ------------------------------------------------------------------------------

PROXY = apifeatures.need("proxy")


def _proxy_port(ctx: CaseContext, refuse: int | None = None) -> int:
    server = ctx.server
    proxy = server.proxy if refuse is None else server.refusing_proxies.get(refuse)
    assert proxy is not None, "the mock server runs without its proxies"
    return proxy.port


def _asked(ctx: CaseContext, since: int, refuse: int | None = None) -> list[dict[str, Any]]:
    """What the proxy was asked since entry ``since`` (a worker's cases run one at a time)."""
    server = ctx.server
    proxy = server.proxy if refuse is None else server.refusing_proxies[refuse]
    assert proxy is not None
    keys = ("method", "target", "status", "forwarded_first_line", "proxy_authorization")
    return [{k: e[k] for k in keys} for e in proxy.log.entries()[since:]]


def _proxy_mark(ctx: CaseContext, refuse: int | None = None) -> int:
    server = ctx.server
    proxy = server.proxy if refuse is None else server.refusing_proxies[refuse]
    assert proxy is not None
    return len(proxy.log)


def _server_authority(ctx: CaseContext) -> str:
    port = ctx.server.tls_port if ctx.transport == "wss" else ctx.server.port
    return f"127.0.0.1:{port}"


def _through(asked: list[dict[str, Any]], authority: str) -> list[dict[str, Any]]:
    return [a for a in asked if a["target"] == authority and a["status"] == 200]


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("PX1", "PX2"),
    needs=(PROXY,),
    cells=lambda p: [
        cov.api(_opt_overload(p["style"]), f"proxy {{host, port}} ({p['exclusions']})", "success")
    ],
    description="proxy names the mock server's HTTP proxy; the exclusion list matches no host",
    expectation="the proxy is asked (CONNECT) for the server's host:port; the connection opens",
)
@pytest.mark.parametrize("exclusions", ["empty", "other hosts"])
@pytest.mark.parametrize("style", ["callback", "promise"])
def test_proxy(ctx: CaseContext, exclusions: str, style: str) -> None:
    since = _proxy_mark(ctx)
    sock = ctx.socket()
    excluded = [] if exclusions == "empty" else ["192.0.2.1", "example.com", "127.0.0.10"]
    options = {"proxy": {"host": "127.0.0.1", "port": _proxy_port(ctx), "exclusionList": excluded}}
    first, _ = _connect_and_wait(ctx, sock, ctx.url("/echo"), options, style)
    if ctx.events(sock, "open"):
        ctx.settle(sock, "close", "promise")
    asked = _asked(ctx, since)
    through = _through(asked, _server_authority(ctx))
    ctx.check_equal(
        "PX1", "the connection opens", "open", (first.type if first is not None else None)
    )
    ctx.check("PX1", bool(through), "through the proxy", _server_authority(ctx), asked)
    methods = sorted({a["method"] for a in through})
    ctx.check("PX2", methods == ["CONNECT"], "asked with CONNECT", ["CONNECT"], methods)


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("PX3",),
    needs=(PROXY,),
    cells=lambda p: [cov.api(cov.CONNECT_OPT_P, f"proxy, host excluded ({p['entry']})", "success")],
    description="the proxy's exclusion list matches the URL's host",
    expectation="the proxy is asked nothing; the connection opens",
)
@pytest.mark.parametrize("entry", ["the host", "*"])
def test_proxy_excluded(ctx: CaseContext, entry: str) -> None:
    since = _proxy_mark(ctx)
    sock = ctx.socket()
    excluded = ["example.com", "127.0.0.1"] if entry == "the host" else ["*"]
    options = {"proxy": {"host": "127.0.0.1", "port": _proxy_port(ctx), "exclusionList": excluded}}
    first, _ = _connect_and_wait(ctx, sock, ctx.url("/echo"), options, "promise")
    if ctx.events(sock, "open"):
        ctx.settle(sock, "close", "promise")
    ctx.check_equal(
        "PX3", "the connection opens", "open", (first.type if first is not None else None)
    )
    ctx.check_equal("PX3", "what the proxy was asked", [], _asked(ctx, since))


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("PX4",),
    needs=(PROXY,),
    cells=lambda p: [cov.api(_opt_overload(p["style"]), "proxy: 'no-proxy'", "success")],
    description="proxy: 'no-proxy'",
    expectation="the connection opens directly; the proxy is asked nothing",
)
@pytest.mark.parametrize("style", ["callback", "promise"])
def test_no_proxy(ctx: CaseContext, style: str) -> None:
    since = _proxy_mark(ctx)
    sock = ctx.socket()
    first, _ = _connect_and_wait(ctx, sock, ctx.url("/echo"), {"proxy": "no-proxy"}, style)
    if ctx.events(sock, "open"):
        ctx.settle(sock, "close", "promise")
    ctx.check_equal(
        "PX4", "the connection opens", "open", (first.type if first is not None else None)
    )
    ctx.check_equal("PX4", "what the proxy was asked", [], _asked(ctx, since))


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("PX5",),
    needs=(PROXY,),
    cells=lambda p: [
        cov.api(_opt_overload(p["style"]), "proxy refuses (403/407)", "connection failure")
    ],
    description="the proxy answers the client's request with 403 or 407",
    expectation="'error', no 'open'; nothing reaches the server",
)
@pytest.mark.parametrize("status", [403, 407])
@pytest.mark.parametrize("style", ["callback", "promise"])
def test_proxy_refuses(ctx: CaseContext, status: int, style: str) -> None:
    since = _proxy_mark(ctx, status)
    sock = ctx.socket()
    port = _proxy_port(ctx, status)
    options = {"proxy": {"host": "127.0.0.1", "port": port, "exclusionList": []}}
    first, _ = _connect_and_wait(ctx, sock, ctx.url("/echo"), options, style)
    ctx.session.quiet(0.2)
    opened = ctx.events(sock, "open")
    if opened:
        ctx.settle(sock, "close", "promise")
    ctx.check_equal(
        "PX5", "the connection fails", "error", (first.type if first is not None else None)
    )
    ctx.check("PX5", not opened, "no 'open'", [], opened)
    asked = _asked(ctx, since, status)
    ctx.check("PX5", bool(asked), "the refusing proxy was asked", ">= 1", asked)
    reached = _no_connection(ctx)
    ctx.check("PX5", not reached, "nothing reached the server", [], reached)


BAD_PROXIES: dict[str, Any] = {
    "number": 8080,
    "unknown word": "direct",
    "no port": {"host": "127.0.0.1", "exclusionList": []},
    "port not a number": {"host": "127.0.0.1", "port": "8080", "exclusionList": []},
}


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("PX6", "ER1", "ER2"),
    needs=(PROXY,),
    cells=lambda p: [
        cov.api(_opt_overload(p["style"]), "proxy of no documented form", "API error")
    ],
    description="proxy is none of 'system', 'no-proxy', {host, port}",
    expectation="connect fails with 401",
)
@pytest.mark.parametrize("value", BAD_PROXIES)
@pytest.mark.parametrize("style", ["callback", "promise"])
def test_proxy_not_documented(ctx: CaseContext, value: str, style: str) -> None:
    sock = ctx.socket()
    result = ctx.settle(sock, "connect", style, ctx.url("/echo"), {"proxy": BAD_PROXIES[value]})
    if ctx.events(sock, "open"):
        ctx.settle(sock, "close", "promise")
    code = (result.err_object() if result is not None else {}).get("code")
    ctx.check_equal("PX6", "connect's error code", 401, code)
    _check_error(ctx, result)


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("PX7",),
    needs=(PROXY,),
    cells=[cov.api(cov.CONNECT_OPT_P, "proxy: 'system'", "success")],
    description="proxy: 'system' (the suite's environment names no proxy for it)",
    expectation="observed: whether the connection opens",
)
def test_proxy_system(ctx: CaseContext) -> None:
    sock = ctx.socket()
    first, _ = _connect_and_wait(ctx, sock, ctx.url("/echo"), {"proxy": "system"}, "promise")
    if ctx.events(sock, "open"):
        ctx.settle(sock, "close", "promise")
    ctx.check_equal("PX7", "with 'system'", "open", (first.type if first is not None else None))


@pytest.mark.case(
    area="connect",
    method="connect",
    overload="connect(url, options)",
    clauses=("PX8", "PX1"),
    needs=(PROXY,),
    cells=[cov.api(cov.CONNECT_OPT_P, "proxy with username and password", "success")],
    description="proxy {host, port, username, password}",
    expectation="the proxy request carries Proxy-Authorization: Basic base64(user:password)",
)
def test_proxy_credentials(ctx: CaseContext) -> None:
    since = _proxy_mark(ctx)
    sock = ctx.socket()
    proxy = {
        "host": "127.0.0.1",
        "port": _proxy_port(ctx),
        "exclusionList": [],
        "username": "conformance",
        "password": "pa:ss wörd",
    }
    first, _ = _connect_and_wait(ctx, sock, ctx.url("/echo"), {"proxy": proxy}, "promise")
    if ctx.events(sock, "open"):
        ctx.settle(sock, "close", "promise")
    asked = _asked(ctx, since)
    token = base64.b64encode("conformance:pa:ss wörd".encode()).decode()
    ctx.check_equal(
        "PX1", "the connection opens", "open", (first.type if first is not None else None)
    )
    got = [a["proxy_authorization"] for a in asked]
    ctx.check_equal("PX8", "Proxy-Authorization", [f"Basic {token}"], got)
