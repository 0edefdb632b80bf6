"""``python -m mockserver``: serve on loopback until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import signal

from .server import run_mockserver


async def _serve(host: str, port: int, payload_cap: int, max_logs: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with run_mockserver(host, port, payload_cap, max_logs) as server:
        print(f"mockserver listening on {server.base_url} (ws: {server.ws_url}/echo)", flush=True)
        await stop.wait()
    print("mockserver stopped", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mockserver", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="bind address (loopback default)")
    parser.add_argument("--port", type=int, default=9001, help="0 picks a free port")
    parser.add_argument("--payload-cap", type=int, default=4096, help="payload bytes logged")
    parser.add_argument("--max-logs", type=int, default=1000, help="connection logs kept")
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.host, args.port, args.payload_cap, args.max_logs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
