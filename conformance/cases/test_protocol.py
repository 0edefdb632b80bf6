"""RFC 6455 through the API, where the contract asks what no Autobahn case does.

Autobahn's own cases (with the contract's stricter checks on them: exact close codes,
``'error'``, ``'error'`` before ``'close'``) run from the catalogue only, in
``cases/test_wire.py``; the ids this module gave some of them until issue 16 map to those
cases in ``conformance.wire.catalogue.RENAMED`` (docs/wire-cases.md, "Renamed case ids").
"""

from __future__ import annotations

import pytest

from conformance.context import CaseContext
from conformance.helpers import close_in, server_entry
from conformance.ordering import OBSERVER
from conformance.wire.steps import PROTOCOL_ERROR, Step, frame, script

CLOSE_WAIT_MS = 3000  # how long the server waits for the client to fail the connection

# Protocol errors no Autobahn case makes (the Autobahn ones are wire cases).
PROTOCOL_ERRORS: dict[str, list[Step]] = {
    "masked-server-frame": [frame(1, "x", mask=True)],
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
    sock = ctx.socket()
    expect_close: Step = {"op": "expect", "kind": "close", "timeout_ms": CLOSE_WAIT_MS}
    ctx.open(sock, ctx.script_url(script([*PROTOCOL_ERRORS[kind], expect_close])))
    ctx.wait_event(sock, "close", CLOSE_WAIT_MS / 1000 + 1.0)
    close = close_in(server_entry(ctx))
    code = None if close is None else close.code
    closed = ctx.wait_event(sock, "close", 0.1)
    errors = ctx.events(sock, "error")
    ctx.check_equal("PR4", "client's close code on the wire", PROTOCOL_ERROR, code)
    ctx.check("PR4", bool(errors), "'error' fires", "'error'", errors[:1] or "no 'error'")
    order = [e.type for e in ctx.session.trace if e.kind == "event" and e.sub == OBSERVER]
    ctx.check(
        "OR4",
        bool(errors) and closed is not None and errors[0].at <= closed.at,
        "'error' before 'close'",
        "... 'error' ... 'close'",
        order,
    )
