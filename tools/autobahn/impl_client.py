"""impl as the testee of Autobahn|Testsuite's fuzzing server, through impl's public API only.

    python tools/autobahn/impl_client.py ws://127.0.0.1:9001 [--agent impl] [--timings FILE]

getCaseCount, then per case: getCaseInfo (its id, for the timings), runCase (echo every message
back with ``ws.send(value)``, wait for 'close'), and at the end updateReports. ``--timings``
writes each case's wall seconds as JSON ({"total": s, "cases": {"9.1.1": s, ...}}).
Run by ``tools/autobahn/calibrate.py``; usable alone against a running fuzzing server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from impl import webSocket

CASE_TIMEOUT = 120.0  # a case that outlives this is abandoned (the server's verdict stands)


async def session(url: str, *, echo: bool) -> list[Any]:
    """One connection: collect (or echo back) every message, return them once 'close' fired."""
    ws = webSocket.createWebSocket()
    messages: list[Any] = []
    closed = asyncio.Event()

    def on_message(err: Any, value: Any) -> None:
        messages.append(value)
        if echo:
            ws.send(value)  # a promise; a send that fails once the peer failed us is fine

    ws.on("message", on_message)
    ws.on("close", lambda err, value: closed.set())
    try:
        await ws.connect(url)
    except Exception as exc:  # the BusinessError: the case cannot run; the report says so
        print(f"  connect {url} failed: {exc}", file=sys.stderr)
        return messages
    try:
        await asyncio.wait_for(closed.wait(), CASE_TIMEOUT)
    except TimeoutError:
        print(f"  {url}: no 'close' after {CASE_TIMEOUT}s, closing", file=sys.stderr)
        try:
            await ws.close()
        except Exception:
            pass
    return messages


async def run(base: str, agent: str, cases: int | None) -> dict[str, Any]:
    count = int((await session(f"{base}/getCaseCount", echo=False))[0])
    if cases is not None:
        count = min(count, cases)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    for n in range(1, count + 1):
        info = await session(f"{base}/getCaseInfo?case={n}", echo=False)
        case_id = json.loads(info[0])["id"] if info else str(n)
        t0 = time.perf_counter()
        await session(f"{base}/runCase?case={n}&agent={agent}", echo=True)
        timings[case_id] = round(time.perf_counter() - t0, 4)
        print(f"  {n}/{count} {case_id} {timings[case_id]:.3f}s", file=sys.stderr, flush=True)
    total = round(time.perf_counter() - started, 3)
    await session(f"{base}/updateReports?agent={agent}", echo=False)
    return {"total": total, "cases": timings}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the fuzzing server, e.g. ws://127.0.0.1:9001")
    parser.add_argument("--agent", default="impl")
    parser.add_argument("--cases", type=int, default=None, help="run only the first N cases")
    parser.add_argument("--timings", type=Path, default=None)
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.url.rstrip("/"), args.agent, args.cases))
    if args.timings is not None:
        args.timings.write_text(json.dumps(result, indent=1) + "\n")
    print(f"impl client: {len(result['cases'])} cases in {result['total']}s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
