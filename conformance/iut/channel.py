"""The byte streams a driver speaks the driver protocol over: a child's stdio, or TCP.

``driver.Driver`` owns the protocol (hello, requests, replies, the bounded reader threads);
a ``Channel`` only opens ``Link``s, one at a time: a link is a stream of lines from the driver
(replies and trace events), optionally a stream of free-form log lines (a child's stderr), and
a way to write requests. Three channels (docs/driver-protocol.md, "Transports"):

- ``cmd:COMMAND``: the suite starts the driver; its stdin/stdout/stderr are the link.
- ``tcp:HOST:PORT``: the driver listens (an app behind ``hdc fport``); the suite connects.
- ``tcp-listen:[ADDR:]PORT``: the suite listens (127.0.0.1 unless ADDR is named); the driver
  connects in (an app behind ``hdc rport``).

Which channel an ``--iut`` spec names, and on which port, is ``spec.channel_for``'s to say.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import IO

from .api import IUTCrashed
from .executor import CommandError

DEFAULT_WAIT = 30.0  # seconds to wait for a TCP driver to accept, or to connect in


class Link(ABC):
    """One open connection to a driver. ``replies`` carries protocol lines; ``logs`` (or None)
    free-form lines. ``close`` must make a reader blocked on either stream see the end."""

    replies: IO[bytes]
    logs: IO[bytes] | None = None

    @abstractmethod
    def send(self, data: bytes) -> None:
        """Write all of ``data``; ``OSError`` when the driver is gone."""

    @abstractmethod
    def alive(self) -> bool: ...

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def ended(self) -> str:
        """How the link ended, for an ``IUTCrashed`` message."""


class Channel(ABC):
    """Opens links to a driver. ``wait``: the least time ``open`` is given (a TCP driver may
    need a moment to come back after the suite dropped it)."""

    wait: float = 0.0

    @abstractmethod
    def open(self, timeout: float) -> Link:
        """A new link; ``IUTCrashed`` (one line saying how to mend it) when there is none."""

    def close(self) -> None:
        """Release what the channel holds between links (a listening socket)."""
        return None


# -- stdio --------------------------------------------------------------------------------------


class _ProcessLink(Link):
    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        self.proc = proc
        self.replies = proc.stdout
        self.logs = proc.stderr
        self._stdin = proc.stdin

    def send(self, data: bytes) -> None:
        try:
            self._stdin.write(data)
            self._stdin.flush()
        except ValueError as exc:  # closed under us
            raise OSError(str(exc)) from exc

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        proc = self.proc
        if proc.poll() is None:
            proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            with contextlib.suppress(OSError, ValueError):
                if stream is not None:
                    stream.close()

    def ended(self) -> str:
        return f"the driver exited (status {self.proc.poll()})"


class StdioChannel(Channel):
    """``cmd:``: a child process per link; closing the link kills it."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv

    def open(self, timeout: float) -> Link:
        try:
            proc = subprocess.Popen(
                self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        except OSError as exc:
            raise IUTCrashed(f"cannot start the driver {self.argv[0]!r}: {exc}") from exc
        return _ProcessLink(proc)


# -- TCP ----------------------------------------------------------------------------------------


class _SocketLink(Link):
    def __init__(self, sock: socket.socket, peer: str) -> None:
        sock.settimeout(None)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock
        self.peer = peer
        self.replies = sock.makefile("rb")
        self._closed = False

    def send(self, data: bytes) -> None:
        if self._closed:
            raise OSError("the connection is closed")
        self.sock.sendall(data)

    def alive(self) -> bool:
        return not self._closed

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes a reader blocked in recv
        with contextlib.suppress(OSError):
            self.replies.close()
        with contextlib.suppress(OSError):
            self.sock.close()

    def ended(self) -> str:
        return f"the driver at {self.peer} closed the connection"


class TcpConnectChannel(Channel):
    """``tcp:HOST:PORT``: connect to a driver that listens; retried (refused) until the wait
    is over, since a driver may be setting its listener up again."""

    def __init__(self, host: str, port: int, wait: float = DEFAULT_WAIT) -> None:
        self.host, self.port, self.wait = host, port, wait

    def open(self, timeout: float) -> Link:
        end = time.monotonic() + timeout
        where = f"{_url_host(self.host)}:{self.port}"
        while True:
            left = end - time.monotonic()
            try:
                sock = socket.create_connection((self.host, self.port), max(0.1, min(left, 5.0)))
                return _SocketLink(sock, where)
            except OSError as exc:
                if time.monotonic() + 0.2 >= end:
                    raise IUTCrashed(
                        f"cannot connect to the driver at {where} ({exc.strerror or exc}) within "
                        f"{timeout:.0f} s: start it listening there (hdc fport for a device)"
                    ) from None
                time.sleep(0.2)


class TcpListenChannel(Channel):
    """``tcp-listen:[ADDR:]PORT``: listens from construction on (so the port is known at once,
    ``port`` even for 0); each ``open`` accepts the next driver that connects in."""

    def __init__(self, host: str, port: int, wait: float = DEFAULT_WAIT) -> None:
        self.host, self.wait = host, wait
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((host, port))
            listener.listen(4)
        except OSError as exc:
            listener.close()
            raise CommandError(
                f"--iut tcp-listen: cannot listen on {_url_host(host)}:{port} "
                f"({exc.strerror or exc}): pick another port, or an address of this machine"
            ) from None
        self.listener = listener
        self.port = int(listener.getsockname()[1])

    def open(self, timeout: float) -> Link:
        where = f"{_url_host(self.host)}:{self.port}"
        self.listener.settimeout(max(0.1, timeout))
        try:
            sock, peer = self.listener.accept()
        except TimeoutError:
            raise IUTCrashed(
                f"no driver connected to {where} within {timeout:.0f} s: start it with "
                f"--tcp {where} (hdc rport for a device)"
            ) from None
        except OSError as exc:
            raise IUTCrashed(f"cannot accept a driver on {where}: {exc}") from None
        return _SocketLink(sock, f"{peer[0]}:{peer[1]}")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.close()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


# -- reading a link's streams -------------------------------------------------------------------


def bounded_lines(stream: IO[bytes], limit: int) -> Iterator[bytes]:
    """Lines without their newline; a longer line is cut to ``limit + 1`` bytes (so a reader can
    tell it was too long) and the rest of it is skipped, never held in memory."""
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        if raw.endswith(b"\n"):
            yield raw[:-1]
            continue
        if len(raw) <= limit:  # the last line, without a newline
            yield raw
            return
        while True:  # too long: drop the rest of this line
            rest = stream.readline(limit)
            if not rest or rest.endswith(b"\n"):
                break
        yield raw
