"""``python -m mockserver``: serve on loopback until Ctrl-C or SIGTERM.

Every option's bounds are in ``mockserver.limits`` (docs/mockserver.md, "Limits"); a value
out of them, or an address the server cannot listen on, is one line on stderr (exit 2).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from .limits import (
    DEFAULT_MAX_LOGS,
    DEFAULT_MAX_MESSAGE,
    DEFAULT_MEMORY_BUDGET,
    DEFAULT_PAYLOAD_CAP,
    MAX_LOGS_LIMIT,
    MAX_MAX_MESSAGE,
    MAX_MEMORY_BUDGET,
    MAX_PAYLOAD_CAP,
    MIN_MEMORY_BUDGET,
    check_host_name,
    check_option,
    check_port,
)
from .listeners import PORT_LAYOUT
from .server import run_mockserver
from .tls import TestAuthority, TlsError, UserCertificate


async def _serve(
    host: str,
    port: int,
    payload_cap: int,
    max_logs: int,
    tls: TestAuthority | UserCertificate | bool,
    tls_port: int,
    max_message: int,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
    port_base: int = 0,
    advertise_host: str | None = None,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with run_mockserver(
        host,
        port,
        payload_cap,
        max_logs,
        tls,
        tls_port,
        tls_failures=bool(port_base),
        max_message=max_message,
        memory_budget=memory_budget,
        port_base=port_base,
        advertise_host=advertise_host,
        proxies=bool(port_base),
    ) as server:
        print(f"mockserver listening on {server.base_url} (ws: {server.ws_url}/echo)", flush=True)
        if server.wss_url is not None:
            print(f"mockserver TLS on {server.wss_url}/echo", flush=True)
        for kind, url in server.tls_failure_urls.items():
            print(f"mockserver TLS failure {kind} on {url}", flush=True)
        if server.hangup is not None:
            print(f"mockserver TLS hang-up on {server.hangup.url}", flush=True)
        if server.private_wss_url is not None:
            print(f"mockserver TLS private CA on {server.private_wss_url}", flush=True)
        if server.mtls_url is not None:
            print(f"mockserver TLS client certificate on {server.mtls_url}", flush=True)
        if server.proxy is not None:
            print(f"mockserver HTTP proxy on {server.url_host}:{server.proxy.port}", flush=True)
        for status, proxy in server.refusing_proxies.items():
            print(f"mockserver HTTP proxy {status} on {server.url_host}:{proxy.port}", flush=True)
        if server.ca_file is not None:
            print(f"mockserver test CA (trust it in your client): {server.ca_file}", flush=True)
        await stop.wait()
    print("mockserver stopped", flush=True)


def _bounded(name: str, low: int, high: int, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        try:
            return check_option(name, value, low, high, what)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc).split(": ", 1)[1]) from None

    parse.__name__ = name
    return parse


def _host_name(text: str) -> str:
    try:
        return check_host_name(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mockserver", description=__doc__)
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="bind address (loopback default; any other also lets other Host names reach "
        "the control routes)",
    )
    parser.add_argument(
        "--port",
        type=_bounded("--port", 0, 65535, "a TCP port"),
        default=9001,
        help="0..65535; 0 picks a free port",
    )
    parser.add_argument(
        "--payload-cap",
        type=_bounded("--payload-cap", 0, MAX_PAYLOAD_CAP, "payload bytes"),
        default=DEFAULT_PAYLOAD_CAP,
        help=f"payload bytes logged per frame and message, 0..{MAX_PAYLOAD_CAP} "
        f"(default {DEFAULT_PAYLOAD_CAP})",
    )
    parser.add_argument(
        "--max-logs",
        type=_bounded("--max-logs", 1, MAX_LOGS_LIMIT, "connection logs"),
        default=DEFAULT_MAX_LOGS,
        help=f"connection logs kept, 1..{MAX_LOGS_LIMIT} (default {DEFAULT_MAX_LOGS})",
    )
    parser.add_argument(
        "--max-message",
        type=_bounded("--max-message", 1, MAX_MAX_MESSAGE, "bytes"),
        default=DEFAULT_MAX_MESSAGE,
        help=f"bytes of one incoming message, 1..{MAX_MAX_MESSAGE}; past it the server closes "
        f"with 1009 (default {DEFAULT_MAX_MESSAGE})",
    )
    mib = 1 << 20
    parser.add_argument(
        "--memory-budget",
        type=_bounded("--memory-budget", MIN_MEMORY_BUDGET // mib, MAX_MEMORY_BUDGET // mib, "MiB"),
        default=DEFAULT_MEMORY_BUDGET // mib,
        metavar="MIB",
        help="MiB the server may hold or queue for all clients together (wire log, scripts, "
        "bytes written and not yet read, incoming messages); past it new connections get 503 "
        f"({MIN_MEMORY_BUDGET // mib}..{MAX_MEMORY_BUDGET // mib}, "
        f"default {DEFAULT_MEMORY_BUDGET // mib})",
    )
    parser.add_argument(
        "--tls", action="store_true", help="also serve wss:// (a test CA made at start)"
    )
    parser.add_argument(
        "--tls-port",
        type=_bounded("--tls-port", 0, 65535, "a TCP port"),
        default=0,
        help="the wss:// port (0: free one)",
    )
    last = len(PORT_LAYOUT) - 1
    parser.add_argument(
        "--port-base",
        type=_bounded("--port-base", 0, 65535 - last, "a TCP port"),
        default=0,
        help="every listener on a fixed port from BASE: plain, TLS, TLS unknown-ca, wrong-name, "
        "expired, hang-up, private CA, client certificate, HTTP proxy, proxy 403, proxy 407 "
        f"(BASE..BASE+{last}; implies --tls with the test CA; overrides --port and "
        "--tls-port)",
    )
    parser.add_argument(
        "--advertise-host",
        type=_host_name,
        default=None,
        help="the host the printed URLs and the test certificates name (a device's view of "
        "this machine, e.g. 127.0.0.1 through hdc rport, or a LAN address); default --host",
    )
    parser.add_argument("--cert", type=Path, help="with --tls: your PEM certificate chain")
    parser.add_argument("--key", type=Path, help="with --tls: the PEM key of --cert")
    args = parser.parse_args(argv)
    check_port(args.port)
    if (args.cert is None) != (args.key is None):
        parser.error("--cert and --key go together: give both, or neither for the test CA")
    tls: TestAuthority | UserCertificate | bool = bool(args.tls or args.port_base)
    if args.port_base and args.cert is not None:
        parser.error(
            "--port-base serves the TLS failure listeners: they need the test CA, not --cert"
        )
    if args.cert is not None:
        if not args.tls:
            parser.error("--cert/--key serve TLS: add --tls")
        tls = UserCertificate(args.cert, args.key)
    try:
        asyncio.run(
            _serve(
                args.host,
                args.port,
                args.payload_cap,
                args.max_logs,
                tls,
                args.tls_port,
                args.max_message,
                args.memory_budget * mib,
                args.port_base,
                args.advertise_host,
            )
        )
    except TlsError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the address is taken, not ours, or not a name at all
        reason = exc.strerror or str(exc)
        parser.exit(
            2,
            f"{parser.prog}: error: cannot listen on {args.host}:{args.port_base or args.port} "
            f"({reason}): "
            "pick another --port (0: any free one) or a local --host\n",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
