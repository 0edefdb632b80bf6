"""Both adapters against impl and a live mock server; a hanging IUT; a crashing driver."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from conformance.iut import CALLBACK, IUT, IUTCrashed, IUTTimeout, Session, Subscriber, load_iut
from mockserver.server import MockServer

DRIVER = f"cmd:{sys.executable} -m conformance.drivers.python impl"


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer.in_thread() as running:
        yield running


@pytest.fixture(params=["impl", DRIVER], ids=["in-process", "stdio"])
def iut(request: pytest.FixtureRequest) -> Iterator[IUT]:
    factory = load_iut(request.param)
    yield factory
    factory.close()


def scripted_session(session: Session, url: str) -> list[dict[str, Any]]:
    """connect, a text and a binary echo, close: the shape of what the trace recorded."""
    sock = session.create()
    session.call(sock, "on", "message", Subscriber("m"))
    session.call(sock, "on", "close", Subscriber("c"))
    connect = session.call(sock, "connect", url, CALLBACK)
    assert connect.returned == "none" and connect.raised is None
    opened = session.result(connect)
    assert opened is not None and opened.err is None and opened.value is True
    session.call(sock, "send", "héllo", CALLBACK)
    session.call(sock, "send", b"\x00\x01", promise=True)
    assert session.wait_for(
        lambda e: e.kind == "event" and e.type == "message" and "b64" in e.value_object(), 5
    )
    session.call(sock, "close", promise=True)
    closed = session.wait_for(lambda e: e.kind == "event" and e.type == "close", 5)
    assert closed is not None and closed.value_object()["code"] == 1000
    assert session.close() is None
    return [
        {
            k: v
            for k, v in e.as_json().items()
            if k in ("kind", "method", "style", "sub", "type", "err")
        }
        for e in session.trace
        if e.kind in ("call", "result", "event")
    ]


def test_load_iut_names_the_agent() -> None:
    assert load_iut("impl").agent == "impl"
    assert IUT.agent_for(DRIVER) == "cmd-impl"
    with pytest.raises(Exception, match="createWebSocket"):
        load_iut("json")


def test_a_scripted_session_leaves_the_same_trace_shape_both_ways(server: MockServer) -> None:
    url = f"{server.ws_url}/echo?tag=shape"
    shapes = []
    for spec in ("impl", DRIVER):
        factory = load_iut(spec)
        try:
            shapes.append(scripted_session(factory.session(10), url))
        finally:
            factory.close()
    in_process, over_stdio = shapes
    # a send's settlement and the echo of it may arrive in either order: compare as multisets,
    # and the calls (made by the case, one at a time) in order
    assert sorted(map(repr, in_process)) == sorted(map(repr, over_stdio))
    calls = [[e for e in shape if e["kind"] == "call"] for shape in shapes]
    assert calls[0] == calls[1] and len(calls[0]) == 6
    assert [e["type"] for e in in_process if e["kind"] == "event"][-1] == "close"


def test_a_wrong_argument_type_is_reported_as_raised(iut: IUT, server: MockServer) -> None:
    session = iut.session(10)
    sock = session.create()
    outcome = session.call(sock, "send", 5, CALLBACK)
    settled = session.result(outcome, 2)
    err = outcome.raised or (settled and settled.err)
    assert err is not None and err["code"] == 401
    assert session.close() is None


def test_an_iut_that_blocks_its_loop_times_out_and_the_next_case_runs(
    server: MockServer,
) -> None:
    hanging = load_iut("tests.conformance.broken.hangs")
    session = hanging.session(1.0)
    sock = session.create()
    started = time.monotonic()
    with pytest.raises(IUTTimeout):
        session.call(sock, "connect", f"{server.ws_url}/echo", CALLBACK)
    assert time.monotonic() - started < 2.0
    session.close()
    fresh = hanging.session(5.0)
    assert fresh.create() == "s1"
    assert fresh.close() is None


def test_a_crashing_driver_raises_and_is_restarted() -> None:
    crash = f"cmd:{sys.executable} -c 'import sys; sys.stdin.readline(); sys.exit(3)'"
    factory = load_iut(crash)
    try:
        for _ in range(2):  # the second session gets a new driver, which crashes again
            session = factory.session(5.0)
            started = time.monotonic()
            with pytest.raises(IUTCrashed):
                session.create()
            assert time.monotonic() - started < 3.0
            session.close()
    finally:
        factory.close()


def test_a_silent_driver_times_out() -> None:
    silent = f"cmd:{sys.executable} -c 'import time; time.sleep(30)'"
    factory = load_iut(silent)
    try:
        session = factory.session(1.0)
        started = time.monotonic()
        with pytest.raises(IUTTimeout):
            session.create()
        assert time.monotonic() - started < 2.5
    finally:
        factory.close()


def test_sync_mode_is_reported_unimplemented(iut: IUT) -> None:
    session = iut.session(5.0)
    with pytest.raises(NotImplementedError, match="sync"):
        session.create(mode="sync")
    assert session.create() == "s1"
    assert session.close() is None


def test_a_driver_whose_iut_blocks_is_killed_and_restarted(server: MockServer) -> None:
    factory = load_iut(
        f"cmd:{sys.executable} -m conformance.drivers.python tests.conformance.broken.hangs"
    )
    try:
        # The driver started and said hello first, with time to spare (a new interpreter
        # under a loaded machine's test workers can take more than 1.5 s): the short
        # deadline below is for the call that blocks, not for starting Python.
        warm = factory.session(30.0)
        assert warm.create() == "s1"
        assert warm.close() is None
        session = factory.session(1.5)
        sock = session.create()
        assert sock != "s1", "the same driver process: socket ids go on"
        started = time.monotonic()
        with pytest.raises(IUTTimeout):
            session.call(sock, "connect", f"{server.ws_url}/echo", CALLBACK)
        assert time.monotonic() - started < 2.5
        session.close()
        fresh = factory.session(30.0)
        assert fresh.create() == "s1"  # a new driver process: socket ids start again
        assert fresh.close() is None
    finally:
        factory.close()
