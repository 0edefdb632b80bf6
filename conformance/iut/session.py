"""A case's view of the IUT: blocking calls over a transport, and the trace they produce.

Two transports carry commands to an executor: ``InProcess`` (a fresh loop thread per case,
so an IUT that blocks its loop costs only that case) and ``Driver`` (a driver speaking
docs/driver-protocol.md over a ``channel.Channel``: a subprocess's stdio or TCP; kept across
cases, its link dropped and opened anew when it hangs or dies).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import shlex
import threading
import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import IO, Any, Protocol

from .api import CallOutcome, DriverBrokeProtocol, IUTCrashed, IUTTimeout, Subscriber
from .capture import EscapeCapture, mark_suite_thread
from .channel import (
    DEFAULT_WAIT,
    Channel,
    Link,
    StdioChannel,
    channel_for,
    driver_argv,
    is_driver_spec,
)
from .codec import encode_arg
from .executor import (
    PROTOCOL,
    CommandError,
    Executor,
    Unsupported,
    hello_reply,
    resolve_module,
)
from .features import lacking
from .lines import (
    MAX_LINE,
    DriverInfo,
    ProtocolViolation,
    TraceLine,
    normalise_value,
    quote,
    read_hello,
    read_line,
)

Entry = dict[str, Any]


class Sink(Protocol):
    def __call__(self, entry: Entry, size: int = 0, /) -> None: ...


class Transport(Protocol):
    def request(self, command: dict[str, Any], timeout: float) -> dict[str, Any]: ...

    def end_case(self) -> None: ...


class Session:
    """The IUT for one case. Every wait is bounded by the case deadline.

    The trace is bounded too (``TRACE_CAP`` entries, ``LOG_CAP`` of them logs, ``BYTES_CAP``
    bytes of driver lines): past a cap, entries are counted in ``dropped`` instead of kept, so
    a flooding driver costs memory in proportion to the caps, not to the flood.
    """

    TRACE_CAP = 20_000
    LOG_CAP = 500
    BYTES_CAP = 32 * 1024 * 1024

    def __init__(
        self,
        transport_for: Callable[[Sink], Transport],
        deadline: float,
        info: Callable[[], DriverInfo | None] = lambda: None,
        stalls: dict[str, int] | None = None,
    ) -> None:
        self.t0 = time.monotonic()
        self._stalls = {} if stalls is None else stalls  # shared by the IUT's sessions
        self._stall_budget: dict[str, float] = {}  # this case's short waits, by method
        self._info = info  # what the driver declared (None in-process: every feature)
        self.deadline = deadline
        self.trace: list[Entry] = []
        self.dropped: dict[str, int] = {}
        self._logs = 0
        self._bytes = 0
        self._cond = threading.Condition()
        self.transport = transport_for(self._add)

    def _add(self, entry: Entry, size: int = 0) -> None:
        entry = {"t": round(time.monotonic() - self.t0, 6), **entry}
        kind = str(entry.get("kind"))
        with self._cond:
            is_log = kind in ("log", "protocol_error")
            if (
                len(self.trace) >= self.TRACE_CAP
                or self._bytes + size > self.BYTES_CAP
                or (is_log and self._logs >= self.LOG_CAP)
            ):
                self.dropped[kind] = self.dropped.get(kind, 0) + 1
                return
            self._logs += is_log
            self._bytes += size
            self.trace.append(entry)
            self._cond.notify_all()

    def _remaining(self, timeout: float | None = None) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise IUTTimeout("the case ran out of time")
        return left if timeout is None else min(left, timeout)

    def _request(self, command: dict[str, Any]) -> dict[str, Any]:
        return self.transport.request(command, self._remaining())

    def create(self, mode: str = "async") -> str:
        """``createWebSocket()``; ``mode="sync"`` (calls from a plain thread) is optional:
        NotImplementedError when the IUT's driver answers ``unsupported``."""
        command: dict[str, Any] = {"op": "create"}
        if mode != "async":
            command["mode"] = mode
        reply = self._request(command)
        return _field(reply, "socket", str, command)

    def call(self, sock: str, method: str, *args: Any, promise: bool = False) -> CallOutcome:
        """One API call. ``NotImplementedError`` (UNIMPLEMENTED), without asking the driver,
        when an argument needs a subscriber behaviour the driver does not offer."""
        info = self._info()
        if info is not None:
            for behaviour in _behaviours(args):
                missing = lacking(behaviour, info.protocol, info.behaviours)
                if missing is not None:
                    raise NotImplementedError(missing)
        command = {
            "op": "call",
            "socket": sock,
            "method": method,
            "args": [encode_arg(a) for a in args],
            "promise": promise,
        }
        reply = self._request(command)
        raised = normalise_value(reply.get("raised"))
        if raised is not None and not isinstance(raised, dict):
            raise DriverBrokeProtocol(f"reply to call {method}: 'raised' is neither null nor ERR")
        return CallOutcome(
            _field(reply, "call", int, command),
            method,
            _field(reply, "returned", str, command),
            raised,
        )

    def entries(self, predicate: Callable[[Entry], bool]) -> list[Entry]:
        with self._cond:
            return [e for e in self.trace if predicate(e)]

    def wait_for(
        self, predicate: Callable[[Entry], bool], timeout: float, after: int = 0
    ) -> Entry | None:
        """The first entry from index ``after`` on matching ``predicate``, waiting up to
        ``timeout``; None if none."""
        end = time.monotonic() + min(timeout, max(0.0, self.deadline - time.monotonic()))
        seen = after
        with self._cond:
            while True:
                found = next((e for e in self.trace[seen:] if predicate(e)), None)
                seen = len(self.trace)
                left = end - time.monotonic()
                if found is not None or left <= 0:
                    return found
                self._cond.wait(left)

    # After this many waits in a row in which a method's calls never settled, the IUT has
    # stopped settling that method: later waits for it last STALLED_WAIT seconds, until one of
    # its calls settles again. A conforming IUT never gets here; a stuck one is judged (FAILED
    # either way) without every case waiting out its whole deadline.
    STALLS_BEFORE_SHORT = 1
    STALLED_WAIT = 0.5
    STALL_EVIDENCE = 2.0  # seconds a wait must have had to count as a stall

    def result(self, outcome: CallOutcome, timeout: float = 5.0) -> Entry | None:
        """The call's settlement (callback ran / promise settled), or None."""
        method = outcome.method
        stalled = self._stalls.get(method, 0) >= self.STALLS_BEFORE_SHORT
        wait = min(timeout, max(0.0, self.deadline - time.monotonic()))
        if stalled:  # one short budget per case and method, however many calls wait on it
            wait = min(wait, self._stall_budget.setdefault(method, self.STALLED_WAIT))
        started = time.monotonic()
        settled = self.wait_for(
            lambda e: e["kind"] == "result" and e.get("call") == outcome.call, wait
        )
        if stalled:
            self._stall_budget[method] -= time.monotonic() - started
        if settled is not None:
            self._stalls[method] = 0
        elif stalled or wait >= self.STALL_EVIDENCE:  # a real wait, not a case's last moment
            self._stalls[method] = self._stalls.get(method, 0) + 1
        return settled

    def quiet(self, seconds: float) -> None:
        """Let late entries arrive (a second 'close', a late callback ...)."""
        time.sleep(max(0.0, min(seconds, self.deadline - time.monotonic())))

    def close(self) -> str | None:
        """End the case; returns what went wrong if the IUT would not let go."""
        try:
            self.transport.request({"op": "reset", "timeout": 1.5}, 3.0)
            return None
        except (IUTTimeout, IUTCrashed, DriverBrokeProtocol) as exc:
            return f"reset failed: {exc}"
        except NotImplementedError as exc:
            return f"reset failed: the driver answered 'unsupported': {exc}"
        finally:
            self.transport.end_case()


def _behaviours(args: Any) -> Iterator[str]:
    """The subscriber behaviours among a call's arguments, at any depth."""
    if isinstance(args, Subscriber):
        yield args.behaviour
    elif isinstance(args, (list, tuple)):
        for arg in args:
            yield from _behaviours(arg)
    elif isinstance(args, dict):
        for arg in args.values():
            yield from _behaviours(arg)


def _field(reply: dict[str, Any], name: str, kind: type, command: dict[str, Any]) -> Any:
    value = reply.get(name)
    if isinstance(value, bool) or not isinstance(value, kind):
        raise DriverBrokeProtocol(
            f"the reply to {command.get('op')} has no {kind.__name__} {name!r}: "
            f"{quote(json.dumps(reply, default=repr))}"
        )
    return value


# -- in-process ----------------------------------------------------------------------------


class InProcess:
    """The executor on a fresh asyncio loop in a daemon thread, for this case only."""

    _counter = 0

    def __init__(self, module: ModuleType, sink: Sink) -> None:
        InProcess._counter += 1
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(
            lambda loop, ctx: sink(
                {
                    "kind": "loop_error",
                    "message": str(ctx.get("message")),
                    "exc": repr(ctx.get("exception"))[:300],
                }
            )
        )
        name = f"iut-{os.getpid()}-{InProcess._counter}"
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()
        # Log records and uncaught exceptions of any thread but the suite's are this case's.
        self.escapes = EscapeCapture(sink, skip_suite_threads=True)
        self.executor = Executor(module, sink)
        self.hung = False

    def request(self, command: dict[str, Any], timeout: float) -> dict[str, Any]:
        if self.hung:
            raise IUTTimeout("the IUT's loop is blocked")
        future = asyncio.run_coroutine_threadsafe(self.executor.handle(command), self.loop)
        try:
            return future.result(timeout)
        except Unsupported as exc:
            raise NotImplementedError(str(exc)) from exc
        except TimeoutError as exc:
            self.hung = True
            mark_suite_thread(self.thread)  # abandoned: what it logs later is no case's
            raise IUTTimeout(f"no answer to {command.get('op')} within {timeout:.1f} s") from exc

    def end_case(self) -> None:
        """Cancel what the case left running on the loop (bounded), then stop and close it, so
        nothing of this case is torn down half-way by a closed loop (and prints about it)."""
        self.escapes.close()
        if not self.hung:
            drained = asyncio.run_coroutine_threadsafe(_cancel_the_rest(), self.loop)
            with contextlib.suppress(Exception):
                drained.result(2.0)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(2.0)
            if not self.thread.is_alive():
                self.loop.close()
        # a hung loop thread is a daemon: abandoned, it cannot stop the run


async def _cancel_the_rest(timeout: float = 1.5) -> None:
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=timeout)


# -- drivers (docs/driver-protocol.md) over a channel: stdio or TCP ----------------------------


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

    def __init__(self, channel: Channel | str) -> None:
        self.channel = StdioChannel(driver_argv(channel)) if isinstance(channel, str) else channel
        self.link: Link | None = None
        self.sink: Sink = self._between_cases
        self.info: DriverInfo | None = None
        self.ca_file: str | None = None  # told to the driver in hello ("tls")
        self._pending_errors: list[Entry] = []
        self._ids = 0
        self._waiting: set[int] = set()
        self._replies: dict[int, dict[str, Any]] = {}
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
        hello: dict[str, Any] = {"op": "hello", "protocol": PROTOCOL}
        if self.ca_file:
            hello["tls"] = self._tls(self.ca_file)
        reply = self._exchange(hello, timeout)
        self.info = read_hello(reply)
        for problem in self.info.problems:
            self._protocol_error(problem)
        return self.info

    def _tls(self, ca_file: str) -> dict[str, Any]:
        """hello's ``tls``: the CA file's path, and its PEM text for a driver that cannot read
        the suite's files (an app on a device)."""
        tls: dict[str, Any] = {"ca_file": ca_file}
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
            for raw in _bounded_lines(stream, MAX_LINE):
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
            for raw in _bounded_lines(stream, self.STDERR_LINE):
                message = raw.decode("utf-8", "replace").rstrip()
                entry = {"kind": "log", "level": "STDERR", "logger": "driver", "exc": None}
                self.sink({**entry, "message": message[:500]}, len(raw))
        except (OSError, ValueError):
            pass

    def _protocol_error(self, message: str) -> None:
        self.sink({"kind": "protocol_error", "message": message}, len(message))

    def _between_cases(self, entry: Entry, size: int = 0) -> None:
        """Late entries between cases are dropped; protocol errors wait for the next case."""
        if entry.get("kind") == "protocol_error" and len(self._pending_errors) < 20:
            self._pending_errors.append(entry)

    def attach(self, sink: Sink) -> None:
        pending, self._pending_errors = self._pending_errors, []
        self.sink = sink
        for entry in pending:
            sink(entry, 0)

    def end_case(self) -> None:
        self.sink = self._between_cases

    # -- requests ----------------------------------------------------------------------------

    def _exchange(self, command: dict[str, Any], timeout: float) -> dict[str, Any]:
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

    def request(self, command: dict[str, Any], timeout: float) -> dict[str, Any]:
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


def _bounded_lines(stream: IO[bytes], limit: int) -> Iterator[bytes]:
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


class IUT:
    """What ``--iut`` names: a factory of sessions, one per case. ``worker``: the index of the
    pytest-xdist worker (a TCP driver's port is PORT + worker); ``wait``: seconds a TCP
    channel waits for its driver."""

    def __init__(self, spec: str, worker: int = 0, wait: float = DEFAULT_WAIT) -> None:
        self.spec = spec
        self.driver: Driver | None = None
        self.ca_file: str | None = None  # the CA the mock server's TLS listener uses
        self.probed: dict[str, str | None] = {}  # feature -> None (works) or why it does not
        self.stalls: dict[str, int] = {}  # method -> waits in a row its calls never settled
        self.agent = self.agent_for(spec)
        if is_driver_spec(spec):
            self.driver = Driver(channel_for(spec, worker, wait))
        else:
            self.module = load_module(spec)

    @staticmethod
    def agent_for(spec: str) -> str:
        """The default agent name: the module path, cmd-<the driver's last word>, or
        tcp-<port> / tcp-listen-<port>."""
        if spec.startswith("cmd:"):
            try:
                words = shlex.split(spec[4:]) or ["driver"]
            except ValueError:
                words = ["driver"]
            return "cmd-" + os.path.basename(words[-1]).replace(".", "_")
        if is_driver_spec(spec):
            kind, _, rest = spec.partition(":")
            return f"{kind}-{rest.rpartition(':')[2]}"
        return spec

    def info(self, timeout: float = Driver.HELLO_TIMEOUT) -> DriverInfo:
        """What the driver (or module) says of itself; starts the driver if need be."""
        if self.driver is not None:
            self.driver.ca_file = self.ca_file
            return self.driver.ensure_started(timeout)
        return read_hello({"ok": True, **hello_reply(self.module)})

    def session(self, timeout: float) -> Session:
        deadline = time.monotonic() + timeout
        if self.driver is not None:
            driver = self.driver

            def attach(sink: Sink) -> Transport:
                driver.ca_file = self.ca_file
                driver.attach(sink)
                return driver

            return Session(attach, deadline, lambda: driver.info, self.stalls)
        return Session(lambda sink: InProcess(self.module, sink), deadline, stalls=self.stalls)

    def close(self) -> None:
        if self.driver is not None:
            self.driver.close()


def load_module(spec: str) -> ModuleType:
    """Import ``spec``; ``CommandError`` (one line, how to mend it) when it cannot serve."""
    try:
        module = importlib.import_module(spec)
    except ImportError as exc:
        raise CommandError(
            f"--iut {spec}: cannot import it ({exc}); give an importable module path, "
            "or cmd:<driver> for another language"
        ) from None
    return resolve_module(module)
