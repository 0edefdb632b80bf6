"""Shared pieces of the benchmarks: a bare aiohttp echo server and the alternating timer."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
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
def bare_echo_server(in_process: bool = True) -> Iterator[str]:
    """The bare library: an aiohttp echo handler on 127.0.0.1; yields its ws:// URL.

    By default in another process: a server thread in the client's process shares its GIL
    and slows the client down in proportion to what it does, which distorts the ratio.
    ``in_process=False`` runs it on a loop in a thread (to compare with another server that
    runs in a thread too)."""
    if in_process:
        with _server_process() as url:
            yield url
        return
    loop = asyncio.new_event_loop()
    runner, port = loop.run_until_complete(_start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"ws://127.0.0.1:{port}/echo"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


async def _start() -> tuple[web.AppRunner, int]:
    app = web.Application()
    app.router.add_get("/echo", bare_echo)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, runner.addresses[0][1]


@contextmanager
def _server_process() -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench._echo", "--serve"],
        cwd=Path(__file__).resolve().parent.parent,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        yield f"ws://127.0.0.1:{port}/echo"
    finally:
        assert proc.stdin is not None
        proc.stdin.close()  # the server ends when its stdin does
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def _serve_until_stdin_ends() -> None:
    runner, port = await _start()
    print(port, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


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


async def aiohttp_trips(ws: aiohttp.ClientWebSocketResponse, payload: object, count: int) -> int:
    """``count`` echo round trips with the bare aiohttp client."""
    for _ in range(count):
        if isinstance(payload, str):
            await ws.send_str(payload)
        else:
            await ws.send_bytes(payload)  # type: ignore[arg-type]
        await ws.receive()
    return count


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--small", type=int, default=1500, help="round trips per round")
    parser.add_argument("--large", type=int, default=30, help="1 MiB echoes per round")
    parser.add_argument("--rounds", type=int, default=7, help="turns each contender takes")
    return parser.parse_args()


def report(name: str, small: dict[str, float], large: dict[str, float]) -> dict[str, float]:
    """Print each contender's median rate and the ratio to the bare library."""
    ratios = {"small": small[name] / small["aiohttp"], "large": large[name] / large["aiohttp"]}
    print(
        f"small round trips/s: {name} {small[name]:.0f}, aiohttp {small['aiohttp']:.0f}, "
        f"ratio {ratios['small']:.2f}"
    )
    print(
        f"1 MiB echo MiB/s:    {name} {large[name]:.1f}, aiohttp {large['aiohttp']:.1f}, "
        f"ratio {ratios['large']:.2f}"
    )
    return ratios


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    asyncio.run(_serve_until_stdin_ends())
