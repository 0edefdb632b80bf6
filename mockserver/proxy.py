"""A real HTTP proxy for the API's ``proxy`` option (API 12), on its own loopback port.

``HttpProxy`` answers ``CONNECT host:port`` (RFC 9110 §9.3.6; what RFC 6455 §4.1 asks a
WebSocket client to send a proxy) by opening a TCP connection to that target and relaying
bytes both ways, and forwards an absolute-form request (``GET http://host:port/path``, how
some clients send ``ws://`` through a proxy) the same way, with the request rewritten to
origin form. Each request goes into its own log (``ProxyLog``): what it was asked, any
``Proxy-Authorization``, what it answered, what it forwarded (the first line of the tunnelled
bytes when they are plain HTTP: a ``ws://`` handshake's request line, with the case's tag;
byte counts both ways).

It is no open proxy: it reaches only loopback targets (127.0.0.1, ::1, localhost) and
answers 403 to anything else. ``refuse`` makes it answer every request with that status
instead (403; 407 with ``Proxy-Authenticate``), for clients that must fail when their proxy
says no.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

LOOPBACK = ("127.0.0.1", "::1", "localhost")
MAX_HEAD = 16 * 1024  # bytes of a request head the proxy reads at most
HEAD_TIMEOUT = 10.0  # seconds a client has to send its request head
MAX_ENTRIES = 10_000  # log entries kept (the oldest go first)
REASONS = {200: "Connection Established", 400: "Bad Request", 403: "Forbidden"}
REASONS[407] = "Proxy Authentication Required"
REASONS[502] = "Bad Gateway"


@dataclass
class ProxyEntry:
    """One request the proxy got."""

    t: float
    method: str | None = None
    target: str | None = None  # host:port it was asked to reach
    request_line: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    proxy_authorization: str | None = None
    status: int | None = None  # what the proxy answered (200: tunnel / forwarded)
    forwarded_first_line: str | None = None  # the client's first line through the tunnel
    bytes_up: int = 0  # client -> target
    bytes_down: int = 0  # target -> client
    ended: bool = False

    def as_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["headers"] = [list(h) for h in self.headers]
        return data


class ProxyLog:
    """The proxy's log: thread-safe reads of what it was asked and what it forwarded."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[ProxyEntry] = []

    def add(self, entry: ProxyEntry) -> None:
        with self._lock:
            self._entries.append(entry)
            del self._entries[:-MAX_ENTRIES]

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [e.as_json() for e in self._entries]

    def find(self, text: str) -> list[dict[str, Any]]:
        """The entries whose forwarded first line contains ``text`` (a case's tag)."""
        return [e for e in self.entries() if text in (e["forwarded_first_line"] or "")]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class HttpProxy:
    """A CONNECT (and absolute-form) HTTP proxy on ``host``:``port`` (0: a free one)."""

    def __init__(self, host: str = "127.0.0.1", refuse: int | None = None) -> None:
        if refuse not in (None, 403, 407):
            raise ValueError(f"refuse must be 403 or 407, not {refuse!r}")
        self.host = host
        self.port = 0
        self.refuse = refuse
        self.log = ProxyLog()
        self._server: asyncio.base_events.Server | None = None
        self._t0 = time.monotonic()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, port: int = 0) -> HttpProxy:
        self._server = await asyncio.start_server(self._handle, self.host, port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def close(self) -> None:
        """Stop listening and end every open tunnel (both its sockets), waiting for them."""
        if self._server is not None:
            self._server.close()
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=2.0)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        entry = ProxyEntry(t=round(time.monotonic() - self._t0, 6))
        self.log.add(entry)
        try:
            await self._serve(reader, writer, entry)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError, OSError):
            pass
        finally:
            entry.ended = True
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            if task is not None:
                self._tasks.discard(task)

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, entry: ProxyEntry
    ) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT)
        if len(head) > MAX_HEAD:
            await _answer(writer, entry, 400)
            return
        lines = head.decode("latin-1").split("\r\n")
        entry.request_line = lines[0][:500]
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                entry.headers.append((name.strip(), value.strip()))
                if name.strip().lower() == "proxy-authorization":
                    entry.proxy_authorization = value.strip()
        parts = lines[0].split(" ")
        if len(parts) != 3:
            await _answer(writer, entry, 400)
            return
        method, target, version = parts
        entry.method = method
        if method == "CONNECT":
            host, port = _split_host_port(target)
            forward_head = b""
        else:  # absolute form: GET http://host:port/path HTTP/1.1
            host, port, path = _absolute_target(target)
            rest = "\r\n".join(line for line in lines[1:] if not line.lower().startswith("proxy-"))
            forward_head = f"{method} {path} {version}\r\n{rest}".encode("latin-1")
        entry.target = None if host is None else f"{host}:{port}"
        if self.refuse is not None:
            await _answer(writer, entry, self.refuse)
            return
        if host is None or port is None:
            await _answer(writer, entry, 400)
            return
        if host.strip("[]").lower() not in LOOPBACK:
            await _answer(writer, entry, 403)
            return
        try:
            # Not asyncio.wait_for: on Python 3.11, a wait_for cancelled (close() ending the
            # tunnels) just as the connection is made drops the connection it made, and its
            # transport is never closed ("unclosed transport" at garbage collection).
            async with asyncio.timeout(HEAD_TIMEOUT):
                up_reader, up_writer = await asyncio.open_connection(host.strip("[]"), port)
        except (OSError, TimeoutError):
            await _answer(writer, entry, 502)
            return
        try:
            await self._relay(method, forward_head, reader, writer, up_reader, up_writer, entry)
        finally:
            up_writer.close()
            with contextlib.suppress(Exception):
                await up_writer.wait_closed()

    async def _relay(
        self,
        method: str,
        forward_head: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
        entry: ProxyEntry,
    ) -> None:
        if method == "CONNECT":
            await _answer(writer, entry, 200)
        else:
            entry.status = 200
            entry.forwarded_first_line = forward_head.split(b"\r\n", 1)[0].decode("latin-1")
            up_writer.write(forward_head)
            entry.bytes_up += len(forward_head)
        await asyncio.gather(
            self._pipe(reader, up_writer, entry, up=True),
            self._pipe(up_reader, writer, entry, up=False),
        )

    async def _pipe(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        entry: ProxyEntry,
        up: bool,
    ) -> None:
        try:
            while data := await source.read(65536):
                if up:
                    if entry.bytes_up == 0 and entry.forwarded_first_line is None:
                        first = data.split(b"\r\n", 1)[0][:500]
                        if first[:1].isalpha():  # plain HTTP (ws://), not a TLS record
                            entry.forwarded_first_line = first.decode("latin-1")
                    entry.bytes_up += len(data)
                else:
                    entry.bytes_down += len(data)
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                if sink.can_write_eof():
                    sink.write_eof()


async def _answer(writer: asyncio.StreamWriter, entry: ProxyEntry, status: int) -> None:
    entry.status = status
    extra = 'Proxy-Authenticate: Basic realm="conformance"\r\n' if status == 407 else ""
    body = "" if status == 200 else "Content-Length: 0\r\n"
    writer.write(f"HTTP/1.1 {status} {REASONS[status]}\r\n{extra}{body}\r\n".encode("ascii"))
    await writer.drain()


def _split_host_port(authority: str) -> tuple[str | None, int | None]:
    host, sep, port = authority.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        return None, None
    return host, int(port)


def _absolute_target(target: str) -> tuple[str | None, int | None, str]:
    """``http://host[:port]/path`` (or ``ws://``) → (host, port, path)."""
    for scheme in ("http://", "ws://"):
        if target.lower().startswith(scheme):
            authority, slash, path = target[len(scheme) :].partition("/")
            if authority.rpartition(":")[2].isdigit():
                host, port = _split_host_port(authority)
            else:
                host, port = authority or None, 80
            return host, port, "/" + path if slash else "/"
    return None, None, "/"
