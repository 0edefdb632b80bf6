"""mockserver's /echo (wire log on) vs a bare aiohttp echo handler, same client, alternating.

    python bench/mockserver_echo.py [--small N] [--large N] [--rounds N]

Both servers run on loops in threads of their own; the client is the bare aiohttp client.
Target ratio >= 0.9 for small and for 1 MiB messages. Loopback only, bounded by the counts.
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
from mockserver import MockServer


async def run(
    bare_url: str, mock_url: str, small: int, large: int, rounds: int
) -> dict[str, float]:
    async with aiohttp.ClientSession() as session:
        bare = await session.ws_connect(bare_url, max_msg_size=0)
        mock = await session.ws_connect(mock_url + "/echo", max_msg_size=0)
        rates = [
            await alternate(
                {
                    "mockserver": lambda p=payload, n=count: aiohttp_trips(mock, p, n),
                    "aiohttp": lambda p=payload, n=count: aiohttp_trips(bare, p, n),
                },
                rounds,
            )
            for payload, count in ((SMALL, small), (LARGE, large))
        ]
        await mock.close()
        await bare.close()
    return report("mockserver", *rates)


def main(small: int, large: int, rounds: int) -> dict[str, float]:
    with bare_echo_server(in_process=False) as bare_url, MockServer.in_thread() as server:
        return asyncio.run(run(bare_url, server.ws_url, small, large, rounds))


if __name__ == "__main__":
    args = arguments(__doc__.splitlines()[0])
    main(args.small, args.large, args.rounds)
