"""impl vs a bare aiohttp client, against the same bare aiohttp echo server, alternating.

    python bench/impl_echo.py [--small N] [--large N] [--rounds N]

Prints round trips/s for small messages and MiB/s for 1 MiB messages, and impl's ratio to
the bare client (target >= 0.9). Loopback only, bounded by the counts.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._echo import LARGE, SMALL, alternate, bare_echo_server
from impl import webSocket


def main(small: int, large: int, rounds: int) -> dict[str, float]:
    with bare_echo_server() as url:
        return asyncio.run(run(url, small, large, rounds))


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

        async def bare_trips(payload: object, count: int) -> int:
            for _ in range(count):
                if isinstance(payload, str):
                    await bare.send_str(payload)
                else:
                    await bare.send_bytes(payload)  # type: ignore[arg-type]
                await bare.receive()
            return count

        small_rates = await alternate(
            {"impl": lambda: impl_trips(SMALL, small), "aiohttp": lambda: bare_trips(SMALL, small)},
            rounds,
        )
        large_rates = await alternate(
            {"impl": lambda: impl_trips(LARGE, large), "aiohttp": lambda: bare_trips(LARGE, large)},
            rounds,
        )
        await ws.close()
        await bare.close()
    small_ratio = small_rates["impl"] / small_rates["aiohttp"]
    large_ratio = large_rates["impl"] / large_rates["aiohttp"]
    print(
        f"small round trips/s: impl {small_rates['impl']:.0f}, "
        f"aiohttp {small_rates['aiohttp']:.0f}, ratio {small_ratio:.2f}"
    )
    print(
        f"1 MiB echo MiB/s:    impl {large_rates['impl']:.1f}, "
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
