"""``python -m conformance.drivers.python MODULE``: any Python module, over the driver protocol.

Over stdio by default: requests come on stdin, one JSON object per line; replies (``{"id",
"ok", ...}``) and trace events (``{"event": "trace", "entry": {...}}``) go to stdout in the
order they happen. Over TCP (docs/driver-protocol.md, "Transports"):

- ``--tcp-listen [ADDR:]PORT``: listen (127.0.0.1 unless ADDR) for the suite's
  ``--iut tcp:HOST:PORT``; one connection at a time, and the next one after it ends.
- ``--tcp HOST:PORT``: connect to the suite's ``--iut tcp-listen:PORT``, and connect again
  when the suite drops the connection (retried for ``RECONNECT_FOR`` seconds, then exit).

The same lines cross a connection as stdio. When a connection ends, every socket of the
implementation is closed and forgotten (a ``reset``): the next connection starts afresh.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable

from ..iut.capture import EscapeCapture, loop_error
from ..iut.executor import CommandError, Executor, Unsupported
from ..iut.spec import parse_tcp
from ..iut.trace import JSON, JSONObject, Sink, TraceEntry

RECONNECT_FOR = 60.0  # seconds --tcp keeps trying to reach the suite before it gives up
LINE_LIMIT = 1 << 20  # bytes of one request line


class Output:
    """Where protocol lines go: stdout or the current connection (none between connections:
    late trace lines are dropped). Lines come from any thread the implementation runs
    (callbacks on a library's own thread, an uncaught exception in a thread): one whole line
    at a time, never interleaved."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._target: Callable[[bytes], None] | None = None

    def use(self, target: Callable[[bytes], None] | None) -> None:
        with self._lock:
            self._target = target

    def write(self, message: JSONObject) -> None:
        data = (json.dumps(message, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            if self._target is None:
                return
            try:
                self._target(data)
            except OSError:
                self._target = None  # the connection went away: the reader sees it too


def _stdout(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


async def serve_lines(
    executor: Executor, read_line: Callable[[], bytes], out: Output, sink: Sink
) -> None:
    """Answer requests until ``read_line`` gives b"" (the end of the stream)."""
    loop = asyncio.get_running_loop()
    while True:
        raw = await loop.run_in_executor(None, read_line)
        if not raw:
            return
        line = raw.decode("utf-8", "replace")
        try:
            request = json.loads(line)
            ident = request["id"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            # No id to answer: a reply with "id": null would break the protocol. Say it in the
            # trace instead; the suite times the request out.
            message = f"driver: unreadable request ({exc}): {line[:200]!r}"
            sink(TraceEntry(kind="log", level="ERROR", logger="driver", message=message))
            continue
        if isinstance(request, dict) and request.get("op") == "hello":
            trust_test_ca(request.get("tls"))
        try:
            reply = await executor.handle(request)
        except Unsupported as exc:
            out.write({"id": ident, "ok": False, "unsupported": True, "error": str(exc)})
            continue
        except (CommandError, KeyError, TypeError, ValueError) as exc:
            out.write({"id": ident, "ok": False, "error": str(exc)})
            continue
        out.write({"id": ident, "ok": True, **reply})


def trust_test_ca(tls: JSON) -> None:
    """hello's ``tls.ca_file`` as ``SSL_CERT_FILE`` (which OpenSSL reads at each new default
    context): what the suite's environment gives a driver it starts, for one that it did not
    (over TCP, on the same machine). A file this machine does not have is left alone."""
    ca_file = tls.get("ca_file") if isinstance(tls, dict) else None
    if isinstance(ca_file, str) and os.path.isfile(ca_file):
        os.environ["SSL_CERT_FILE"] = ca_file


def _prepare(module_name: str, out: Output) -> tuple[Executor, Sink]:
    loop = asyncio.get_running_loop()

    def sink(entry: TraceEntry, size: int = 0, /) -> None:
        out.write({"event": "trace", "entry": entry.as_json()})

    loop.set_exception_handler(lambda _, ctx: sink(loop_error(ctx)))
    # Log records and uncaught exceptions of every thread: this process runs only the IUT.
    EscapeCapture(sink, skip_suite_threads=False)
    return Executor(importlib.import_module(module_name), sink), sink


async def serve(module_name: str) -> None:
    """Over stdio, until stdin ends."""
    out = Output()
    out.use(_stdout)
    executor, sink = _prepare(module_name, out)
    await serve_lines(executor, lambda: sys.stdin.buffer.readline(LINE_LIMIT), out, sink)


async def _serve_connection(
    executor: Executor, sink: Sink, out: Output, conn: socket.socket
) -> None:
    conn.settimeout(None)  # a connection waits for requests as long as the suite likes
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    stream = conn.makefile("rb")
    out.use(conn.sendall)
    try:
        await serve_lines(executor, lambda: stream.readline(LINE_LIMIT), out, sink)
    except OSError:
        pass
    finally:
        out.use(None)
        with contextlib.suppress(OSError):
            conn.close()
        with contextlib.suppress(Exception):  # a fresh start for the next connection
            await executor.handle({"op": "reset", "timeout": 1.5})


async def serve_tcp_listen(module_name: str, host: str, port: int) -> None:
    """Listen; serve one connection at a time, for ever."""
    out = Output()
    executor, sink = _prepare(module_name, out)
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(4)
        bound = listener.getsockname()[1]
        print(f"driver: listening on {host}:{bound}", file=sys.stderr, flush=True)
        while True:
            conn, _ = await loop.run_in_executor(None, listener.accept)
            await _serve_connection(executor, sink, out, conn)


async def serve_tcp_connect(module_name: str, host: str, port: int) -> None:
    """Connect to the suite; connect again after each connection ends."""
    out = Output()
    executor, sink = _prepare(module_name, out)
    loop = asyncio.get_running_loop()
    while True:
        conn = await loop.run_in_executor(None, _connect, host, port)
        if conn is None:
            print(f"driver: no suite at {host}:{port} for {RECONNECT_FOR:g} s", file=sys.stderr)
            return
        await _serve_connection(executor, sink, out, conn)


def _connect(host: str, port: int) -> socket.socket | None:
    end = time.monotonic() + RECONNECT_FOR
    while time.monotonic() < end:
        try:
            return socket.create_connection((host, port), 5.0)
        except OSError:
            time.sleep(0.2)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.drivers.python")
    parser.add_argument("module", help="a Python module exposing createWebSocket()")
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--tcp-listen", metavar="[ADDR:]PORT", help="listen (127.0.0.1 default)")
    how.add_argument("--tcp", metavar="HOST:PORT", help="connect to the suite's tcp-listen")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.tcp_listen is not None:
            host, port = parse_tcp("tcp-listen:" + args.tcp_listen)
            asyncio.run(serve_tcp_listen(args.module, host, port))
        elif args.tcp is not None:
            host, port = parse_tcp("tcp:" + args.tcp)
            asyncio.run(serve_tcp_connect(args.module, host, port))
        else:
            asyncio.run(serve(args.module))
    except CommandError as exc:
        parser.error(str(exc).replace("--iut ", "", 1))
    except OSError as exc:
        parser.exit(2, f"{parser.prog}: error: {exc.strerror or exc}\n")
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
