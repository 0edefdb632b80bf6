"""mockserver's /echo (wire log on) vs a bare aiohttp echo handler, same client, alternating.

    python bench/mockserver_echo.py [--small N] [--large N] [--rounds N]

Target ratio >= 0.9 for small and for 1 MiB messages. Loopback only, bounded by the counts.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._echo import LARGE, SMALL, alternate, bare_echo_server
from mockserver import MockServer


async def trips(ws: aiohttp.ClientWebSocketResponse, payload: object, count: int) -> int:
    for _ in range(count):
        if isinstance(payload, str):
            await ws.send_str(payload)
        else:
            await ws.send_bytes(payload)  # type: ignore[arg-type]
        await ws.receive()
    return count


def main(small: int, large: int, rounds: int) -> dict[str, float]:
    with bare_echo_server() as bare_url, MockServer.in_thread() as server:
        return asyncio.run(run(bare_url, server.ws_url, small, large, rounds))


async def run(
    bare_url: str, mock_url: str, small: int, large: int, rounds: int
) -> dict[str, float]:
    async with aiohttp.ClientSession() as session:
        bare = await session.ws_connect(bare_url, max_msg_size=0)
        mock = await session.ws_connect(mock_url + "/echo", max_msg_size=0)
        small_rates = await alternate(
            {
                "mockserver": lambda: trips(mock, SMALL, small),
                "aiohttp": lambda: trips(bare, SMALL, small),
            },
            rounds,
        )
        large_rates = await alternate(
            {
                "mockserver": lambda: trips(mock, LARGE, large),
                "aiohttp": lambda: trips(bare, LARGE, large),
            },
            rounds,
        )
        await mock.close()
        await bare.close()
    small_ratio = small_rates["mockserver"] / small_rates["aiohttp"]
    large_ratio = large_rates["mockserver"] / large_rates["aiohttp"]
    print(
        f"small round trips/s: mockserver {small_rates['mockserver']:.0f}, "
        f"aiohttp {small_rates['aiohttp']:.0f}, ratio {small_ratio:.2f}"
    )
    print(
        f"1 MiB echo MiB/s:    mockserver {large_rates['mockserver']:.1f}, "
        f"aiohttp {large_rates['aiohttp']:.1f}, ratio {large_ratio:.2f}"
    )
    return {"small": small_ratio, "large": large_ratio}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1500)
    parser.add_argument("--large", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    main(args.small, args.large, args.rounds)
