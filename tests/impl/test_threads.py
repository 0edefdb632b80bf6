"""One WebSocket, calls from several threads at once: plain threads (the library's loop) and
threads that run asyncio loops of their own, against the mock server in its own thread.

What must hold: one connect wins; every promise settles (none is sent to a loop that is
stopping, none hangs), with True or a BusinessError; each thread's messages reach the wire
in its call order; the library's loop stops once everything is over.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from impl import webSocket
from impl.errors import BusinessError
from mockserver import MockServer

from .test_runtime import eventually, loop_threads

THREADS = 8  # half plain threads, half threads running their own loop


class LoopThread:
    """A thread running an asyncio loop of its own (a user's loop)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="user-loop")
        self.thread.start()

    def run(self, make: Callable[[], Awaitable[Any]]) -> concurrent.futures.Future[Any]:
        async def inside() -> Any:
            return await make()

        return asyncio.run_coroutine_threadsafe(inside(), self.loop)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def loops() -> Iterator[list[LoopThread]]:
    threads = [LoopThread() for _ in range(THREADS // 2)]
    try:
        yield threads
    finally:
        for thread in threads:
            thread.stop()


def outcome(promise: Any) -> Any:
    try:
        return promise.result(10)
    except BusinessError as exc:
        return exc.code


async def async_outcome(promise: Any) -> Any:
    try:
        return await promise
    except BusinessError as exc:
        return exc.code


def run_all(targets: list[Callable[[], None]]) -> None:
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a call never settled"


def test_one_connect_wins(mockserver_thread: MockServer, loops: list[LoopThread]) -> None:
    for _ in range(5):
        connect_race(mockserver_thread.ws_url + "/echo", loops)


def connect_race(url: str, loops: list[LoopThread]) -> None:
    ws = webSocket.createWebSocket()
    start = threading.Barrier(THREADS)
    outcomes: list[Any] = []

    def plain() -> None:
        start.wait()
        outcomes.append(outcome(ws.connect(url)))

    def on_loop(thread: LoopThread) -> Callable[[], None]:
        async def connect() -> Any:
            start.wait()
            return await async_outcome(ws.connect(url))

        return lambda: outcomes.append(thread.run(connect).result(10))

    run_all([plain] * (THREADS // 2) + [on_loop(thread) for thread in loops])
    assert sorted(outcomes, key=repr) == [2302003] * (THREADS - 1) + [True]
    assert ws.close().result(10) is True  # from this thread, to whichever loop won


@pytest.mark.parametrize("owner", ["library loop", "user loop"])
def test_sends_from_many_threads_keep_each_threads_order(
    mockserver_thread: MockServer, loops: list[LoopThread], owner: str
) -> None:
    count = 25
    ws = webSocket.createWebSocket()
    got: list[str] = []
    ws.on("message", lambda err, value: got.append(value))
    url = mockserver_thread.ws_url + "/echo"
    if owner == "library loop":
        assert ws.connect(url).result(10) is True
    else:
        assert loops[0].run(lambda: ws.connect(url)).result(10) is True
    start = threading.Barrier(THREADS)
    outcomes: list[Any] = []

    def plain(name: int) -> Callable[[], None]:
        def sends() -> None:
            start.wait()
            promises = [ws.send(f"{name}:{k}") for k in range(count)]  # none awaited yet
            outcomes.extend(outcome(p) for p in promises)

        return sends

    def on_loop(name: int, thread: LoopThread) -> Callable[[], None]:
        async def sends() -> list[Any]:
            start.wait()
            promises = [ws.send(f"{name}:{k}") for k in range(count)]
            return [await async_outcome(p) for p in promises]

        return lambda: outcomes.extend(thread.run(sends).result(30))

    half = THREADS // 2
    run_all([plain(i) for i in range(half)] + [on_loop(half + i, t) for i, t in enumerate(loops)])
    assert outcomes == [True] * (THREADS * count)
    assert eventually(lambda: len(got) >= THREADS * count)
    for name in range(THREADS):
        mine = [m for m in got if m.split(":")[0] == str(name)]
        assert mine == [f"{name}:{k}" for k in range(count)]
    assert ws.close().result(10) is True


def test_calls_racing_the_end_of_the_connection_all_settle(
    mockserver_thread: MockServer, loops: list[LoopThread]
) -> None:
    """Sends from every thread while the connection closes (on the library's loop, which
    stops as soon as nothing holds it): each settles, True before the close, 2302999 after."""
    for _ in range(10):
        close_race(mockserver_thread.ws_url + "/echo", loops)
    assert eventually(lambda: not loop_threads())


def close_race(url: str, loops: list[LoopThread], sends: int = 20) -> None:
    ws = webSocket.createWebSocket()
    assert ws.connect(url).result(10) is True
    start = threading.Barrier(THREADS + 1)
    outcomes: list[Any] = []

    def plain() -> None:
        start.wait()
        outcomes.extend(outcome(ws.send("x")) for _ in range(sends))

    def on_loop(thread: LoopThread) -> Callable[[], None]:
        async def run() -> list[Any]:
            start.wait()
            return [await async_outcome(ws.send("x")) for _ in range(sends)]

        return lambda: outcomes.extend(thread.run(run).result(30))

    def closer() -> None:
        start.wait()
        outcomes.append(("close", outcome(ws.close())))

    run_all([plain] * (THREADS // 2) + [on_loop(thread) for thread in loops] + [closer])
    assert ("close", True) in outcomes
    rest = [o for o in outcomes if o != ("close", True)]
    assert len(rest) == THREADS * sends and set(rest) <= {True, 2302999}
