"""The driver transport: a driver (docs/driver-protocol.md) over a ``channel.Channel``.

One ``Driver`` serves the cases of one process: it opens a link (a child's stdio or a TCP
connection), says ``hello``, writes requests and waits for their replies, and hands the trace
lines it reads to the current case's sink. A request without an answer in time, or a link that
ends, drops the link; the next request opens a new one (with a new ``hello``).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from typing import IO

from .api import DriverBrokeProtocol, IUTCrashed, IUTTimeout
from .capture import mark_suite_thread
from .channel import Channel, Link, StdioChannel, bounded_lines
from .executor import PROTOCOL
from .hello import DriverInfo
from .lines import MAX_LINE, ProtocolViolation, TraceLine, quote, read_line
from .trace import JSONObject, Sink, TraceEntry


class Driver:
    """A driver (docs/driver-protocol.md), shared by the cases of one process, over a
    ``Channel``: a child's stdio, or a TCP connection. The protocol part is the same for all.

    Reader threads turn what the link carries into replies and trace entries (and, for a
    child, its stderr into log entries). They read bytes with a bounded ``readline`` and hand
    each line to ``lines.read_line``, so no line, however long, broken or hostile, ends them: a
    line that breaks the protocol becomes a ``protocol_error`` entry of the case it arrived in
    (DP1), and the run goes on. A request without an answer in time, or a link that ends, drops
    the link (a child is killed, a connection closed); the next request opens a new one.
    """

    HELLO_TIMEOUT = 10.0
    RETRY_WAIT = 2.0  # seconds to wait for a TCP driver once it failed to come for a whole wait
    STDERR_LINE = 64 * 1024
    CA_PEM_LIMIT = 64 * 1024  # bytes of the CA file carried in hello's tls.ca_pem

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.link: Link | None = None
        self.sink: Sink = self._between_cases
        self.info: DriverInfo | None = None
        self.ca_file: str | None = None  # told to the driver in hello ("tls")
        self._pending_errors: list[TraceEntry] = []
        self._ids = 0
        self._waiting: set[int] = set()
        self._replies: dict[int, JSONObject] = {}
        self._cond = threading.Condition()
        self._eof = False
        self._unreachable = False  # the last attempt to open a link failed

    # -- the link ----------------------------------------------------------------------------

    def ensure_started(self, timeout: float) -> DriverInfo:
        """A live link to a driver that has answered ``hello`` (opened now if need be)."""
        if self.live() and self.info is not None:
            return self.info
        self.kill()
        # A driver that did not come within its whole wait is given RETRY_WAIT from then on
        # (until it comes back): a run whose device went away ends in bounded, short time.
        wait = self.RETRY_WAIT if self._unreachable else max(timeout, self.channel.wait)
        try:
            link = self.channel.open(wait)
        except IUTCrashed:
            self._unreachable = True
            raise
        self._unreachable = False
        with self._cond:
            self.link = link
            self._eof = False
            self._replies, self._waiting = {}, set()
        readers = [(self._read_replies, link.replies)]
        if link.logs is not None:
            readers.append((self._read_logs, link.logs))
        for read, stream in readers:
            reader = threading.Thread(target=read, args=(link, stream), daemon=True)
            reader.start()
            mark_suite_thread(reader)
        hello: JSONObject = {"op": "hello", "protocol": PROTOCOL}
        if self.ca_file:
            hello["tls"] = self._tls(self.ca_file)
        reply = self._exchange(hello, timeout)
        self.info = DriverInfo.from_json(reply)
        for problem in self.info.problems:
            self._protocol_error(problem)
        return self.info

    def _tls(self, ca_file: str) -> JSONObject:
        """hello's ``tls``: the CA file's path, and its PEM text for a driver that cannot read
        the suite's files (an app on a device)."""
        tls: JSONObject = {"ca_file": ca_file}
        with contextlib.suppress(OSError):
            with open(ca_file, "rb") as handle:
                pem = handle.read(self.CA_PEM_LIMIT + 1)
            if len(pem) <= self.CA_PEM_LIMIT:
                tls["ca_pem"] = pem.decode("ascii", "replace")
        return tls

    def kill(self) -> None:
        """Drop the link: a child is killed, a connection closed (its driver may come back)."""
        link, self.link, self.info = self.link, None, None
        if link is not None:
            link.close()

    def close(self) -> None:
        self.kill()
        self.channel.close()

    # -- reading -----------------------------------------------------------------------------

    def _read_replies(self, link: Link, stream: IO[bytes]) -> None:
        try:
            for raw in bounded_lines(stream, MAX_LINE):
                self._take(raw)
        except (OSError, ValueError):
            pass  # the stream was closed under us: the link is gone
        finally:
            with self._cond:
                if link is self.link:
                    self._eof = True
                self._cond.notify_all()

    def _take(self, raw: bytes) -> None:
        try:
            message = read_line(raw)
        except ProtocolViolation as exc:
            self._protocol_error(f"{self._stream_name()}: {exc}")
            return
        if isinstance(message, TraceLine):
            self.sink(message.entry, len(raw))
            return
        with self._cond:
            if message.id not in self._waiting:
                unexpected = True
            else:
                unexpected = False
                self._waiting.discard(message.id)
                self._replies[message.id] = message.body
                self._cond.notify_all()
        if unexpected:
            self._protocol_error(
                f"{self._stream_name()}: a reply to no pending request: {quote(raw)}"
            )

    def _stream_name(self) -> str:
        return "stdout" if isinstance(self.channel, StdioChannel) else "tcp"

    def _read_logs(self, link: Link, stream: IO[bytes]) -> None:
        try:
            for raw in bounded_lines(stream, self.STDERR_LINE):
                message = raw.decode("utf-8", "replace").rstrip()
                entry = TraceEntry(
                    kind="log", level="STDERR", logger="driver", message=message[:500], exc=None
                )
                self.sink(entry, len(raw))
        except (OSError, ValueError):
            pass

    def _protocol_error(self, message: str) -> None:
        self.sink(TraceEntry(kind="protocol_error", message=message), len(message))

    def _between_cases(self, entry: TraceEntry, size: int = 0, /) -> None:
        """Late entries between cases are dropped; protocol errors wait for the next case."""
        if entry.kind == "protocol_error" and len(self._pending_errors) < 20:
            self._pending_errors.append(entry)

    def attach(self, sink: Sink) -> None:
        pending, self._pending_errors = self._pending_errors, []
        self.sink = sink
        for entry in pending:
            sink(entry, 0)

    def end_case(self) -> None:
        self.sink = self._between_cases

    # -- requests ----------------------------------------------------------------------------

    def _exchange(self, command: JSONObject, timeout: float) -> JSONObject:
        """Write one request and wait for its reply (any ``ok``)."""
        link = self.link
        assert link is not None
        self._ids += 1
        ident = self._ids
        with self._cond:
            self._waiting.add(ident)
        line = json.dumps({"id": ident, **command}, ensure_ascii=False) + "\n"
        try:
            link.send(line.encode("utf-8"))
        except OSError as exc:
            self.kill()
            raise IUTCrashed(f"cannot write to the driver: {exc}; {link.ended()}") from exc
        end = time.monotonic() + timeout
        with self._cond:
            while ident not in self._replies:
                left = end - time.monotonic()
                if self._eof:
                    self._waiting.discard(ident)
                    ended = link.ended()
                    self.kill()
                    raise IUTCrashed(ended)
                if left <= 0:
                    self._waiting.discard(ident)
                    self.kill()
                    raise IUTTimeout(f"the driver gave no answer to {command.get('op')} in time")
                self._cond.wait(min(left, 0.5))
            return self._replies.pop(ident)

    def live(self) -> bool:
        """Whether a link is open and its driver has said hello."""
        link = self.link
        return link is not None and link.alive() and not self._eof and self.info is not None

    def request(self, command: JSONObject, timeout: float) -> JSONObject:
        if command.get("op") == "reset" and not self.live():
            return {"ok": True}  # a link opened later starts afresh: nothing to reset
        started = time.monotonic()
        self.ensure_started(min(timeout, self.HELLO_TIMEOUT))
        reply = self._exchange(command, max(0.1, timeout - (time.monotonic() - started)))
        if not reply["ok"] and reply.get("unsupported"):
            raise NotImplementedError(f"driver: {reply.get('error')}")
        if not reply["ok"]:
            raise DriverBrokeProtocol(
                f"the driver refused {command.get('op')}: {quote(str(reply.get('error')))}"
            )
        return reply
