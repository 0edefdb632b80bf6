"""impl vs a bare aiohttp client, against the same bare aiohttp echo server, alternating.

    python bench/impl_echo.py [--small N] [--large N] [--rounds N]

The server runs in another process (in this one it would share the client's GIL). Prints
round trips/s for small messages and MiB/s for 1 MiB messages, each contender's median round,
and impl's ratio to the bare client (target >= 0.95). Loopback only, bounded by the counts.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._echo import (
    LARGE,
    SMALL,
    aiohttp_trips,
    alternate,
    arguments,
    bare_echo_server,
    report,
)
from impl import webSocket


async def run(url: str, small: int, large: int, rounds: int) -> dict[str, float]:
    async with aiohttp.ClientSession() as session:
        bare = await session.ws_connect(url, max_msg_size=0)
        ws = webSocket.createWebSocket()
        replies: asyncio.Queue[object] = asyncio.Queue()
        ws.on("message", lambda err, value: replies.put_nowait(value))
        await ws.connect(url)

        async def impl_trips(payload: object, count: int) -> int:
            for _ in range(count):
                await ws.send(payload)
                await replies.get()
            return count

        rates = [
            await alternate(
                {
                    "impl": lambda p=payload, n=count: impl_trips(p, n),
                    "aiohttp": lambda p=payload, n=count: aiohttp_trips(bare, p, n),
                },
                rounds,
            )
            for payload, count in ((SMALL, small), (LARGE, large))
        ]
        await ws.close()
        await bare.close()
    return report("impl", *rates)


def main(small: int, large: int, rounds: int) -> dict[str, float]:
    with bare_echo_server() as url:
        return asyncio.run(run(url, small, large, rounds))


if __name__ == "__main__":
    args = arguments(__doc__.splitlines()[0])
    main(args.small, args.large, args.rounds)
