"""``python -m mockserver``: serve on loopback until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from .server import run_mockserver
from .tls import TestAuthority, TlsError, UserCertificate


async def _serve(
    host: str,
    port: int,
    payload_cap: int,
    max_logs: int,
    tls: TestAuthority | UserCertificate | bool,
    tls_port: int,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with run_mockserver(host, port, payload_cap, max_logs, tls, tls_port) as server:
        print(f"mockserver listening on {server.base_url} (ws: {server.ws_url}/echo)", flush=True)
        if server.wss_url is not None:
            print(f"mockserver TLS on {server.wss_url}/echo", flush=True)
        if server.ca_file is not None:
            print(f"mockserver test CA (trust it in your client): {server.ca_file}", flush=True)
        await stop.wait()
    print("mockserver stopped", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mockserver", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="bind address (loopback default)")
    parser.add_argument("--port", type=int, default=9001, help="0 picks a free port")
    parser.add_argument("--payload-cap", type=int, default=4096, help="payload bytes logged")
    parser.add_argument("--max-logs", type=int, default=1000, help="connection logs kept")
    parser.add_argument(
        "--tls", action="store_true", help="also serve wss:// (a test CA made at start)"
    )
    parser.add_argument("--tls-port", type=int, default=0, help="the wss:// port (0: free one)")
    parser.add_argument("--cert", type=Path, help="with --tls: your PEM certificate chain")
    parser.add_argument("--key", type=Path, help="with --tls: the PEM key of --cert")
    args = parser.parse_args(argv)
    if (args.cert is None) != (args.key is None):
        parser.error("--cert and --key go together: give both, or neither for the test CA")
    tls: TestAuthority | UserCertificate | bool = bool(args.tls)
    if args.cert is not None:
        if not args.tls:
            parser.error("--cert/--key serve TLS: add --tls")
        tls = UserCertificate(args.cert, args.key)
    try:
        asyncio.run(
            _serve(args.host, args.port, args.payload_cap, args.max_logs, tls, args.tls_port)
        )
    except TlsError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
