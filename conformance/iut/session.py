"""A case's view of the IUT: blocking calls over a transport, and the trace they produce.

Two transports carry commands to an executor: ``inprocess.InProcess`` (a fresh loop thread per
case) and ``driver.Driver`` (a driver speaking docs/driver-protocol.md over a channel, kept
across cases). A ``Session`` turns a case's calls into commands, bounds every wait by the
case's deadline, and keeps the trace: ``TraceEntry`` records, stamped with their arrival time.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar

from .api import CallOutcome, DriverBrokeProtocol, IUTCrashed, IUTTimeout, Subscriber
from .codec import encode_arg
from .features import lacking
from .hello import DriverInfo
from .trace import JSONObject, Sink, TraceEntry, normalise_value
from .violations import quote

_T = TypeVar("_T")


class Transport(Protocol):
    """Carries a session's commands (docs/driver-protocol.md requests) to an executor."""

    def request(self, command: JSONObject, timeout: float) -> JSONObject:
        """The reply's fields; ``IUTTimeout``, ``IUTCrashed``, ``DriverBrokeProtocol``, or
        ``NotImplementedError`` for an optional feature the executor lacks."""
        ...

    def end_case(self) -> None:
        """The case is over: what arrives from now on is no case's."""
        ...


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
        self.trace: list[TraceEntry] = []
        self.dropped: dict[str, int] = {}
        self._logs = 0
        self._bytes = 0
        self._cond = threading.Condition()
        self.transport = transport_for(self._add)

    def _add(self, entry: TraceEntry, size: int = 0, /) -> None:
        entry = entry.stamped(round(time.monotonic() - self.t0, 6))
        kind = entry.kind
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

    def _request(self, command: JSONObject) -> JSONObject:
        return self.transport.request(command, self._remaining())

    def create(self, mode: str = "async") -> str:
        """``createWebSocket()``; ``mode="sync"`` (calls from a plain thread) is optional:
        NotImplementedError when the IUT's driver answers ``unsupported``."""
        command: JSONObject = {"op": "create"}
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
        command: JSONObject = {
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

    def entries(self, predicate: Callable[[TraceEntry], bool]) -> list[TraceEntry]:
        """The entries so far that match ``predicate``, in arrival order."""
        with self._cond:
            return [e for e in self.trace if predicate(e)]

    def wait_for(
        self, predicate: Callable[[TraceEntry], bool], timeout: float, after: int = 0
    ) -> TraceEntry | None:
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

    def result(self, outcome: CallOutcome, timeout: float = 5.0) -> TraceEntry | None:
        """The call's settlement (callback ran / promise settled), or None."""
        method = outcome.method
        stalled = self._stalls.get(method, 0) >= self.STALLS_BEFORE_SHORT
        wait = min(timeout, max(0.0, self.deadline - time.monotonic()))
        if stalled:  # one short budget per case and method, however many calls wait on it
            wait = min(wait, self._stall_budget.setdefault(method, self.STALLED_WAIT))
        started = time.monotonic()
        settled = self.wait_for(lambda e: e.kind == "result" and e.call == outcome.call, wait)
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


def _field(reply: JSONObject, name: str, kind: type[_T], command: JSONObject) -> _T:
    """The reply's field ``name`` of type ``kind``; ``DriverBrokeProtocol`` quoting the reply
    when it is missing or of another type."""
    value = reply.get(name)
    if isinstance(value, bool) or not isinstance(value, kind):
        raise DriverBrokeProtocol(
            f"the reply to {command.get('op')} has no {kind.__name__} {name!r}: "
            f"{quote(json.dumps(reply, default=repr))}"
        )
    return value
