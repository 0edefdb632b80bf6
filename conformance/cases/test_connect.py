"""connect: the three overloads, success and every way of failing, the header option."""

from __future__ import annotations

import pytest

from conformance import coverage as cov
from conformance.context import (
    AFTER_HANDSHAKE_TIMEOUT,
    CLOSE_MARGIN,
    CaseContext,
    PreconditionFailed,
)
from conformance.helpers import (
    closed_port,
    err_code,
    handshake_json,
    handshake_of,
    header_names,
    server_entry,
    succeeded,
)
from conformance.iut import Options, TraceEntry

OVERLOADS = {
    "callback": "connect(url, callback)",
    "options-callback": "connect(url, options, callback)",
    "promise": "connect(url): Promise",
    "options-promise": "connect(url, options): Promise",
}
OPTIONS_VARIANT = {
    "callback": "no options",
    "options-callback": "header (object)",
    "promise": "no options",
    "options-promise": "header (object)",
}
MAIN_CLAUSE = {
    "callback": "CN1",
    "options-callback": "CN2",
    "promise": "CN3",
    "options-promise": "CN3",
}


def connect(ctx: CaseContext, sock: str, overload: str, url: object) -> TraceEntry | None:
    args: list[object] = [url]
    if overload.startswith("options"):
        args.append({"header": {"X-Conformance": "1"}})
    style = "callback" if overload.endswith("callback") else "promise"
    return ctx.settle(sock, "connect", style, *args)


@pytest.mark.case(
    area="connect",
    method="connect",
    overload=lambda p: OVERLOADS[p["overload"]],
    clauses=("CN1", "CN2", "CN3", "CN4", "CN12"),
    cells=lambda p: [
        cov.api(OVERLOADS[p["overload"]], OPTIONS_VARIANT[p["overload"]], "success"),
        cov.api(cov.ON, "'open'", "success"),
    ],
    description="connect to the echo route",
    expectation=("settles (None, True) once; 'open' once with 101 'Switching Protocols'"),
)
@pytest.mark.parametrize("overload", OVERLOADS)
def test_success(ctx: CaseContext, overload: str) -> None:
    sock = ctx.socket()
    result = connect(ctx, sock, overload, ctx.url("/echo"))
    main = MAIN_CLAUSE[overload]
    ctx.check(main, succeeded(result), "connect settles with success", True, result)
    ctx.wait_event(sock, "open", 5.0)  # CN12: the settlement may come first
    ctx.session.quiet(0.05)
    results = ctx.session.entries(lambda e: e.kind == "result")
    ctx.check(main, len(results) == 1, "settles exactly once", 1, len(results))
    opens = ctx.events(sock, "open")
    value = opens[0].value_object() if opens else {}
    ctx.check("CN4", len(opens) == 1, "'open' fires once", 1, len(opens))
    ctx.check_equal(
        "CN4",
        "'open' value status/message",
        {"status": 101, "message": "Switching Protocols"},
        {k: value.get(k) for k in ("status", "message")},
    )
    order = [
        e.kind
        for e in ctx.session.trace
        if e.kind == "result" or (e.kind == "event" and e.type == "open" and e.sub == "_")
    ]
    ctx.check(
        "CN12",
        order[:1] == ["event"],
        "order of 'open' and the settlement",
        "'open' first (the reference); either is allowed",
        order,
    )


# Reason phrases real servers put in their 101 (RFC 9112 §4: the client must not depend on it,
# and the API hands it over as 'open' value.message).
REASON_PHRASES = {
    "websocket-handshake": "Web Socket Protocol Handshake",
    "upgrading": "Upgrading to WebSocket, enjoy",
}


@pytest.mark.case(
    area="connect",
    method="connect",
    clauses=("CN4",),
    overload="connect(url): Promise",
    cells=[cov.api(cov.ON, "'open'", "success")],
    description="the server's 101 carries a reason phrase other than 'Switching Protocols'",
    expectation="'open' once with status 101 and message equal to the phrase the server sent",
)
@pytest.mark.parametrize("phrase", REASON_PHRASES)
def test_reason_phrase(ctx: CaseContext, phrase: str) -> None:
    sent = REASON_PHRASES[phrase]
    sock = ctx.socket()
    ctx.open(sock, ctx.script_url([], {"reason": sent}))
    ctx.session.quiet(0.05)
    opens = ctx.events(sock, "open")
    value = opens[0].value_object() if opens else {}
    answered = [handshake_of(log).response_reason for log in ctx.server.wirelog.entries(ctx.tag)]
    if answered != [sent]:  # the mock server's fault, not the IUT's: HARNESS-ERROR
        raise AssertionError(f"the mock server answered with {answered!r}, not [{sent!r}]")
    ctx.check("CN4", len(opens) == 1, "'open' fires once", 1, len(opens))
    ctx.check_equal(
        "CN4",
        "'open' value status/message (the server's status line: 101 " + sent + ")",
        {"status": 101, "message": sent},
        {k: value.get(k) for k in ("status", "message")},
    )


FAILURES = ["refused", "http403", "wrong_accept", "missing_accept"]
# CN7's TLS variants: a certificate the IUT must refuse (its CA is trusted, see the plugin's
# conformance_server), or a server that ends TCP in the middle of the TLS handshake.
TLS_FAILURES = ["tls-unknown-ca", "tls-wrong-name", "tls-expired", "tls-hangup"]


@pytest.mark.case(
    area="connect",
    method="connect",
    overload=lambda p: OVERLOADS[p["overload"]],
    clauses=("CN7", "CN8", "PR2"),
    cells=lambda p: [
        cov.api(OVERLOADS[p["overload"]], OPTIONS_VARIANT[p["overload"]], "connection failure"),
        cov.api(cov.ON, "'error'", "connection failure"),
    ],
    description="connect where the connection cannot be established",
    expectation="'error' is emitted; connect settles with an error; no 'open'",
)
@pytest.mark.parametrize("failure", FAILURES + TLS_FAILURES)
@pytest.mark.parametrize("overload", OVERLOADS)
def test_failure(ctx: CaseContext, overload: str, failure: str) -> None:
    if failure.startswith("tls-"):
        url = tls_failure_url(ctx, failure.removeprefix("tls-"))
    else:
        url = {
            "refused": f"ws://127.0.0.1:{closed_port()}/echo",
            "http403": ctx.url("/status/403"),
            "wrong_accept": ctx.script_url([], {"accept": "wrong"}),
            "missing_accept": ctx.script_url([], {"accept": "missing"}),
        }[failure]
    hangups_before = len(ctx.server.hangup.first_bytes) if ctx.server.hangup else 0
    sock = ctx.socket()
    result = connect(ctx, sock, overload, url)
    error = ctx.wait_event(sock, "error", 3.0)
    ctx.check("CN7", error is not None, "'error' is emitted", "'error'", error)
    if failure != "refused":
        ctx.check("PR2", not ctx.events(sock, "open"), "no 'open'", [], ctx.events(sock, "open"))
    ctx.check(
        "CN8",
        result is not None and result.err is not None,
        "connect settles with an error",
        "err",
        result,
    )
    if failure in ("tls-unknown-ca", "tls-wrong-name", "tls-expired"):
        reached = [handshake_json(log) for log in ctx.server.wirelog.entries(ctx.tag)]
        ctx.check("CN7", not reached, "no HTTP request got through TLS", [], reached)
    elif failure == "tls-hangup" and ctx.server.hangup is not None:
        seen = [b.hex() for b in ctx.server.hangup.first_bytes[hangups_before:]]
        clear = [b for b in seen if not b.startswith("16")]  # 0x16: a TLS handshake record
        ctx.check("CN7", not clear, "the client spoke TLS, not plain text", "16 03 ...", seen)


@pytest.mark.case(
    area="connect",
    method="connect",
    clauses=("CN7", "PR2"),
    overload="connect(url): Promise",
    cells=[cov.api(cov.CONNECT_P, "no options", "connection failure")],
    timeout=AFTER_HANDSHAKE_TIMEOUT,
    description="connect to a server that accepts TCP and never answers the handshake",
    expectation="'error' within the IUT's handshake timeout (hello's handshake_timeout) + 3 s; "
    "no 'open'",
)
def test_handshake_timeout(ctx: CaseContext) -> None:
    limit = ctx.handshake_timeout + CLOSE_MARGIN
    sock = ctx.socket()
    ctx.invoke(sock, "connect", "promise", ctx.script_url([], {"never_answer": True}))
    error = ctx.wait_event(sock, "error", limit)
    ctx.check(
        "CN7",
        error is not None,
        f"'error' within the handshake timeout ({ctx.handshake_timeout:g} s) + {CLOSE_MARGIN:g} s",
        "'error'",
        error or f"no 'error' after {limit:g} s",
    )
    opens = ctx.events(sock, "open")
    ctx.check("PR2", not opens, "no 'open'", [], opens)


def tls_failure_url(ctx: CaseContext, kind: str) -> str:
    """A wss:// URL on the listener that fails the TLS handshake in ``kind``'s way."""
    if kind == "hangup":
        assert ctx.server.hangup is not None, "the mock server runs without its TLS listeners"
        base = ctx.server.hangup.url
    else:
        base = ctx.server.tls_failure_urls[kind]
    return f"{base}/echo?tag={ctx.tag}"


BAD_URLS = {
    "http": "http://127.0.0.1/echo",
    "no-host": "ws://",
    "garbage": "not a url",
    "int": 12345,
    "none": None,
}


@pytest.mark.case(
    area="connect",
    method="connect",
    overload=lambda p: OVERLOADS[p["style"]],
    clauses=("CN10", "ER1", "ER2"),
    cells=lambda p: [cov.api(OVERLOADS[p["style"]], "bad URL", "API error")],
    description="connect with a URL that is not a ws:// or wss:// URL",
    expectation="fails with 2302001 (401 for a non-string), nothing is sent",
)
@pytest.mark.parametrize("style", ["callback", "promise"])
@pytest.mark.parametrize("url", BAD_URLS)
def test_bad_url(ctx: CaseContext, url: str, style: str) -> None:
    sock = ctx.socket()
    result = ctx.settle(sock, "connect", style, BAD_URLS[url])
    expected = 401 if not isinstance(BAD_URLS[url], str) else 2302001
    ctx.check_equal("CN10", "error code", expected, err_code(result))
    err = result.err_object() if result is not None else {}
    ctx.check(
        "ER1", err.get("is_business_error") is True, "numeric code and message string", True, err
    )


HEADER_SETS = {
    "several": {"X-One": "1", "x-two": "zwei", "X-Three": "три"},
    "empty-value": {"X-Empty": "", "X-Full": "1"},
    "empty-header": {},
}


@pytest.mark.case(
    area="connect",
    method="connect",
    clauses=("CN5", "CN6", "CN2", "CN3"),
    overload=lambda p: OVERLOADS["options-" + p["style"]],
    cells=lambda p: [
        cov.api(
            OVERLOADS["options-" + p["style"]],
            "header: {}"
            if p["headers"] == "empty-header"
            else "header (class)"
            if p["form"] == "dataclass"
            else "header (object)",
            "success",
        )
    ],
    description="the header option, then a connect without it",
    expectation="every header reaches the server; none leaks into the next connect",
)
@pytest.mark.parametrize("form", ["dict", "dataclass"])
@pytest.mark.parametrize("headers", HEADER_SETS)
@pytest.mark.parametrize("style", ["callback", "promise"])
def test_headers(ctx: CaseContext, style: str, headers: str, form: str) -> None:
    header = HEADER_SETS[headers]
    options: object = {"header": header}
    if form == "dataclass":
        options = Options("WebSocketRequestOptions", {"header": header})
    sock = ctx.socket()
    connected = ctx.open(sock, ctx.url("/headers"), options, style=style)
    result = ctx.session.result(connected, 5.0)
    ctx.check("CN5", succeeded(result), "connect with options succeeds", True, result)
    ctx.close_and_wait(sock)
    log = server_entry(ctx)
    seen = header_names(log)
    for name, value in header.items():
        ctx.check_equal("CN5", f"header {name} at the server", value, seen.get(name.lower()))
    if not header:
        ctx.check(
            "CN5",
            log is not None,
            "empty header object works",
            "a connection",
            handshake_json(log),
        )
    # CN6: a new object, and the same object again, connect without options
    first_tag = ctx.tag
    for label, target in (("same object", sock), ("new object", ctx.socket())):
        ctx.tag = f"{first_tag}-{label.replace(' ', '')}"
        try:
            ctx.open(target, ctx.url("/echo"))
        except PreconditionFailed:  # no reconnect (CN11, graded by its own case): no CN6 here
            continue
        ctx.close_and_wait(target)
        later = header_names(server_entry(ctx))
        leaked = [n for n in header if n.lower() in later]
        ctx.check("CN6", not leaked, f"no header leaks ({label})", [], leaked)
    ctx.tag = first_tag


INJECTIONS = {
    "crlf-value": {"X-Ok": "a\r\nX-Injected: 1"},
    "lf-value": {"X-Ok": "a\nX-Injected: 1"},
    "crlf-name": {"X-Injected: 1\r\nX-Ok": "a"},
    "nul-value": {"X-Ok": "a\x00b"},
}


@pytest.mark.case(
    area="connect",
    method="connect",
    clauses=("CN13", "CN14"),
    overload="connect(url, options): Promise",
    cells=[cov.api(cov.CONNECT_OPT_P, "header with CR/LF/NUL", "API error")],
    description="header names/values holding CR, LF or NUL",
    expectation="nothing injected reaches the wire (MUST); connect fails with 401 (SHOULD)",
)
@pytest.mark.parametrize("attempt", INJECTIONS)
def test_header_injection(ctx: CaseContext, attempt: str) -> None:
    sock = ctx.socket()
    result = ctx.settle(
        sock, "connect", "promise", ctx.url("/headers"), {"header": INJECTIONS[attempt]}
    )
    ctx.session.quiet(0.1)
    logs = ctx.server.wirelog.entries(ctx.tag)
    injected = [
        list(h)
        for log in logs
        for h in handshake_of(log).headers
        if h[0].lower() == "x-injected" or "\x00" in h[1]
    ]
    ctx.check("CN13", not injected, "no injected header at the server", [], injected)
    ctx.check_equal("CN14", "connect's error code", 401, err_code(result))


@pytest.mark.case(
    area="connect",
    method="connect",
    clauses=("CN9",),
    overload="connect(url, callback)",
    cells=[cov.api(cov.CONNECT_CB, "already connected", "API error")],
    description="connect on an object that is already open",
    expectation="fails with 2302003; the open connection is untouched",
)
def test_already_connected(ctx: CaseContext) -> None:
    sock = ctx.socket()
    ctx.open(sock, ctx.url("/echo"), style="callback")
    second = ctx.settle(sock, "connect", "callback", ctx.url("/echo"))
    ctx.check_equal("CN9", "second connect's error code", 2302003, err_code(second))


@pytest.mark.case(
    area="connect",
    method="connect",
    clauses=("CN11",),
    overload="connect(url): Promise",
    description="connect, close, connect again on the same object",
    expectation="the second connection opens and echoes",
)
def test_reconnect(ctx: CaseContext) -> None:
    sock = ctx.socket()
    ctx.open(sock, ctx.url("/echo"))
    ctx.close_and_wait(sock)
    try:
        again = ctx.session.result(ctx.open(sock, ctx.url("/echo")), 5.0)
    except PreconditionFailed as exc:  # what this case is about: graded on CN11, not CN4
        what = f"the second connection opens ({exc.what})"
        ctx.check("CN11", False, what, "'open'", exc.observed)
        return
    ctx.check("CN11", succeeded(again), "second connect succeeds", True, again)
    ctx.settle(sock, "send", "promise", "again")
    echoed = ctx.wait_event(sock, "message", 3.0)
    ctx.check("CN11", echoed is not None, "the new connection echoes", "message", echoed)


@pytest.mark.case(
    area="protocol",
    method="connect",
    clauses=("PR1", "PR7"),
    overload="connect(url): Promise",
    description="the opening handshake as the server received it",
    expectation="GET, HTTP/1.1, Host, Upgrade, Connection, 16-byte key, version 13",
)
def test_handshake_request(ctx: CaseContext) -> None:
    import base64

    sock = ctx.socket()
    try:  # the case judges the request the server got, whether or not it was accepted
        ctx.open(sock, ctx.url("/echo"))
        ctx.settle(sock, "close", "promise")
    except PreconditionFailed:
        pass
    log = server_entry(ctx)
    handshake = None if log is None else log.handshake
    headers = header_names(log)
    ctx.check_equal("PR1", "method", "GET", None if handshake is None else handshake.method)
    ctx.check_equal(
        "PR1", "HTTP version", "HTTP/1.1", None if handshake is None else handshake.version
    )
    ctx.check("PR1", "host" in headers, "Host header", True, "host" in headers)
    ctx.check_equal("PR1", "Upgrade", "websocket", headers.get("upgrade", "").lower())
    ctx.check(
        "PR1",
        "upgrade" in headers.get("connection", "").lower(),
        "Connection: Upgrade",
        "Upgrade",
        headers.get("connection"),
    )
    ctx.check_equal("PR1", "Sec-WebSocket-Version", "13", headers.get("sec-websocket-version"))
    try:
        key_len = len(base64.b64decode(headers.get("sec-websocket-key", ""), validate=True))
    except ValueError:
        key_len = -1
    ctx.check_equal("PR1", "Sec-WebSocket-Key decodes to 16 bytes", 16, key_len)
    offered = headers.get("sec-websocket-extensions")
    ctx.check(
        "PR7",
        offered is None,
        "permessage-deflate offered",
        "not offered (the reference); either is allowed",
        offered or "not offered",
    )
