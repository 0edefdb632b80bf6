"""Shared pieces of the benchmarks: a bare aiohttp echo server and the alternating timer."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from aiohttp import WSMsgType, web

SMALL = "x" * 32
LARGE = b"\xab" * (1024 * 1024)


async def bare_echo(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(max_msg_size=0)
    await ws.prepare(request)
    async for msg in ws:
        if msg.type is WSMsgType.TEXT:
            await ws.send_str(msg.data)
        elif msg.type is WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
    return ws


@contextmanager
def bare_echo_server() -> Iterator[str]:
    """The bare library: an aiohttp echo handler on 127.0.0.1, on a loop in its own thread
    (servers and client on separate cores, as in real use); yields its ws:// URL."""
    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_get("/echo", bare_echo)
    runner = web.AppRunner(app, access_log=None)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"ws://127.0.0.1:{port}/echo"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


async def alternate(runs: dict[str, Callable[[], Awaitable[int]]], rounds: int) -> dict[str, float]:
    """Operations per second of each contender, taking turns ``rounds`` times.

    Loopback timings on a shared 2-core machine are noisy; each contender's median round is
    reported, so one unlucky round (a GC pause, the other thread's burst) does not decide.
    """
    rates: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            started = time.perf_counter()
            count = await run()
            rates[name].append(count / (time.perf_counter() - started))
    return {name: statistics.median(values) for name, values in rates.items()}
