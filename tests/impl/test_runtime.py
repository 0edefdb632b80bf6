"""impl.runtime: which loop runs a call, how a promise settles, when the library's loop stops.

Real servers on 127.0.0.1 (the mock server, in the test's loop or in a thread of its own).
Waits are bounded; no test asserts how long anything took.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import json
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from impl import webSocket
from impl.errors import BusinessError
from impl.runtime import Call
from mockserver import MockServer

LOOP_THREAD = "impl.webSocket-loop"


def loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == LOOP_THREAD]


def eventually(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


async def async_eventually(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        await asyncio.sleep(0.01)
    return predicate()


def script_url(server: MockServer, steps: list[dict[str, Any]], **handshake: Any) -> str:
    doc: dict[str, Any] = {"steps": steps}
    if handshake:
        doc["handshake"] = handshake
    return server.ws_url + "/script?script=" + urllib.parse.quote(json.dumps(doc))


@pytest.fixture
def owner_loop() -> Iterator[tuple[asyncio.AbstractEventLoop, threading.Thread]]:
    """A user's asyncio loop running in a thread of its own."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="owner-loop")
    thread.start()
    try:
        yield loop, thread
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


# -- which loop runs a call ------------------------------------------------------------------


async def test_a_call_from_a_coroutine_runs_on_that_loop(mockserver: MockServer) -> None:
    loop = asyncio.get_running_loop()
    ws = webSocket.createWebSocket()
    seen: list[Any] = []
    ws.on(
        "open", lambda err, value: seen.append((asyncio.get_running_loop(), threading.get_ident()))
    )
    promise = ws.connect(mockserver.ws_url + "/echo")
    assert isinstance(promise, asyncio.Future) and promise.get_loop() is loop
    assert await promise is True
    assert seen == [(loop, threading.get_ident())]
    assert await ws.close() is True


def test_a_call_from_plain_code_runs_on_the_librarys_loop(mockserver_thread: MockServer) -> None:
    ws = webSocket.createWebSocket()
    threads: list[str] = []
    ws.on("open", lambda err, value: threads.append(threading.current_thread().name))
    connected = ws.connect(mockserver_thread.ws_url + "/echo")
    assert isinstance(connected, concurrent.futures.Future)
    assert connected.result(10) is True
    sent = concurrent.futures.Future[Any]()
    ws.send("x", lambda err, value: sent.set_result((threading.current_thread().name, value)))
    assert sent.result(10) == (LOOP_THREAD, True)
    assert ws.close().result(10) is True
    assert threads == [LOOP_THREAD]


def test_another_loop_awaits_a_call_that_runs_on_the_owner_loop(
    mockserver_thread: MockServer,
    owner_loop: tuple[asyncio.AbstractEventLoop, threading.Thread],
) -> None:
    owner, owner_thread = owner_loop
    ws = webSocket.createWebSocket()
    got: list[tuple[Any, threading.Thread]] = []
    ws.on("message", lambda err, value: got.append((value, threading.current_thread())))

    async def connect() -> Any:
        return await ws.connect(mockserver_thread.ws_url + "/echo")

    assert asyncio.run_coroutine_threadsafe(connect(), owner).result(10) is True

    async def elsewhere() -> None:
        promise = ws.send("from another loop")
        assert isinstance(promise, asyncio.Future)
        assert promise.get_loop() is asyncio.get_running_loop()
        assert await promise is True
        assert await async_eventually(lambda: bool(got))  # the echo, before closing
        assert await ws.close() is True

    asyncio.run(elsewhere())
    assert got == [("from another loop", owner_thread)]


async def test_a_callback_is_never_called_inside_the_call(mockserver: MockServer) -> None:
    ws = webSocket.createWebSocket()
    await ws.connect(mockserver.ws_url + "/echo")
    called: list[Any] = []
    ws.send("x", lambda err, value: called.append((err, value)))
    assert called == []  # the call has returned; the callback comes from the loop, later
    assert await async_eventually(lambda: bool(called))
    assert called == [(None, True)]
    await ws.close()


@pytest.mark.skipif(sys.version_info < (3, 12), reason="eager tasks are Python 3.12+")
async def test_an_eager_send_is_settled_when_send_returns(mockserver: MockServer) -> None:
    ws = webSocket.createWebSocket()
    await ws.connect(mockserver.ws_url + "/echo")
    promise = ws.send("x")
    assert promise.done() and promise.result() is True
    await ws.close()


async def test_a_call_is_a_task_of_its_own_its_timeout_never_cancels_the_caller(
    mockserver: MockServer,
) -> None:
    """``asyncio.timeout`` inside connect belongs to the call's task: when the handshake times
    out, connect fails and the caller's own task goes on, not cancelled."""
    ws = webSocket.createWebSocket(handshake_timeout=0.3)
    url = script_url(mockserver, [], never_answer=True)
    with pytest.raises(BusinessError) as info:
        await ws.connect(url)
    assert "timed out" in info.value.detail
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0
    await asyncio.sleep(0.05)  # would raise CancelledError had the caller been cancelled


async def test_close_while_connecting_closes_once_open(mockserver: MockServer) -> None:
    ws = webSocket.createWebSocket()
    kinds: list[str] = []
    for name in ("open", "close"):
        ws.on(name, lambda err, value, name=name: kinds.append(name))
    connected = ws.connect(mockserver.ws_url + "/echo?tag=early-close")
    closed = ws.close()  # still connecting
    assert await connected is True
    assert await closed is True
    assert kinds == ["open", "close"]
    entry = await mockserver.wirelog.wait_done("early-close", 5)
    assert entry is not None and entry["close"]["in"]["payload_hex"] == "03e8"


# -- how a promise settles --------------------------------------------------------------------


async def test_a_promise_settles_once_with_the_first_outcome() -> None:
    call = Call(None, None)
    assert call.loop is asyncio.get_running_loop()
    call.settle(None, True)
    call.settle(BusinessError(2302999, "too late"))
    assert await call.returned is True


async def test_a_callback_gets_err_value_exactly_once() -> None:
    calls: list[tuple[Any, ...]] = []

    async def work(call: Call) -> None:
        call.settle(BusinessError(401, "first"))
        call.settle(None, True)

    assert Call(None, lambda *args: calls.append(args)).start(work) is None
    assert await async_eventually(lambda: bool(calls))
    await asyncio.sleep(0.05)
    assert len(calls) == 1
    err, value = calls[0]
    assert isinstance(err, BusinessError) and err.code == 401 and value is None


def test_a_plain_callers_promise_settles_once() -> None:
    async def work(call: Call) -> None:
        call.settle(BusinessError(2302999, "first"))
        call.settle(None, True)

    promise = Call(None, None).start(work)
    assert isinstance(promise, concurrent.futures.Future)
    with pytest.raises(BusinessError) as info:
        promise.result(10)
    assert info.value.detail == "first"


def test_an_unobserved_rejection_on_another_loop_is_silent(
    owner_loop: tuple[asyncio.AbstractEventLoop, threading.Thread],
) -> None:
    """A promise for a call owned by another loop, rejected and never awaited: no
    'exception was never retrieved' from either loop."""
    owner, _ = owner_loop
    reported: list[dict[str, Any]] = []
    owner.set_exception_handler(lambda _, context: reported.append(context))

    async def reject(call: Call) -> None:
        call.settle(BusinessError(2302999, "nobody looks"))

    async def elsewhere() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _, ctx: reported.append(ctx))
        promise = Call(owner, None).start(reject)
        assert isinstance(promise, asyncio.Future)
        assert await async_eventually(promise.done)
        del promise
        gc.collect()
        await asyncio.sleep(0)

    asyncio.run(elsewhere())
    gc.collect()
    assert reported == []


# -- when the library's loop stops ------------------------------------------------------------


def test_the_librarys_loop_lives_while_a_connection_or_call_does(
    mockserver_thread: MockServer,
) -> None:
    assert eventually(lambda: not loop_threads())  # none left over from another test
    ws = webSocket.createWebSocket()
    assert ws.connect(mockserver_thread.ws_url + "/echo").result(10) is True
    (first,) = loop_threads()
    assert ws.send("still here").result(10) is True  # no call in flight: held by the connection
    assert first.is_alive()
    assert ws.close().result(10) is True
    first.join(10)
    assert not first.is_alive()
    # a later call starts a new loop, which stops again once the call is over
    with pytest.raises(BusinessError):
        ws.send("late").result(10)
    assert eventually(lambda: not loop_threads())


def test_a_connect_from_a_close_callback_keeps_the_librarys_loop(
    mockserver_thread: MockServer,
) -> None:
    """The close call and the first connect end while the second connect is under way on
    the same loop: it must hold the loop running by itself."""
    ws = webSocket.createWebSocket()
    reopened = concurrent.futures.Future[Any]()
    closes: list[int] = []

    def on_close(err: Any, value: Any) -> None:
        closes.append(value.code)
        if len(closes) == 1:
            ws.connect(
                mockserver_thread.ws_url + "/echo",
                lambda err, value: reopened.set_result((err, value)),
            )

    ws.on("close", on_close)
    assert ws.connect(mockserver_thread.ws_url + "/echo").result(10) is True
    assert ws.close().result(10) is True
    assert reopened.result(10) == (None, True)
    assert ws.send("on the second connection").result(10) is True
    assert ws.close().result(10) is True
    assert closes == [1000, 1000]


def test_a_connection_left_on_a_closed_loop_goes_quietly(mockserver_thread: MockServer) -> None:
    """The user closes their loop with the connection open: when the garbage collector
    discards it, nothing is printed ("coroutine ignored GeneratorExit", "Event loop is
    closed") and no event fires; the object can connect again."""
    unraisable: list[Any] = []
    hook, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(lambda _, context: None)  # "Task was destroyed ..."
        ws = webSocket.createWebSocket()
        kinds: list[str] = []
        for name in ("open", "close", "error"):
            ws.on(name, lambda *args, name=name: kinds.append(name))

        async def connect() -> Any:
            return await ws.connect(mockserver_thread.ws_url + "/echo")

        assert loop.run_until_complete(connect()) is True
        loop.close()
        del loop
        assert ws.connect(mockserver_thread.ws_url + "/echo").result(10) is True
        gc.collect()  # the first connection's tasks go with their loop
        assert ws.close().result(10) is True
    finally:
        sys.unraisablehook = hook
    assert [str(u.exc_value) for u in unraisable] == []
    assert kinds == ["open", "open", "close"]
