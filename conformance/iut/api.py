"""What a conformance case sees of an implementation under test (IUT).

Cases never touch an IUT directly: they speak this small vocabulary, and an adapter carries it
to the IUT, in-process (``conformance.iut.inprocess``) or over the stdio driver protocol
(``conformance.iut.cmd``, docs/driver-protocol.md). Both adapters feed the same executor, so the
two paths judge alike. Every method is a coroutine run on the suite's own event loop; none of
them can hang: each wait is bounded, and an IUT that stops answering raises ``IUTTimeout``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol


class IUTTimeout(Exception):
    """The IUT did not answer within the bound (it hangs or blocks its loop)."""


class IUTCrashed(Exception):
    """The IUT (its driver process or its loop thread) died."""


@dataclass(frozen=True)
class Callback:
    """Placeholder argument: "pass a callback here that records how the call settled"."""


CALLBACK = Callback()


@dataclass(frozen=True)
class Subscriber:
    """An `on`/`off` callback, known by name in the trace.

    behaviour: what it does besides recording the event it receives:
      ``record`` (nothing), ``raise`` (raises RuntimeError after recording),
      ``subscribe:<type>:<name>`` (on its first call subscribes a new ``record`` subscriber),
      ``off_self`` (calls ``off(type, itself)``), ``off_type`` (calls ``off(type)``),
      ``close`` (calls ``close()`` on its socket).
    The same name always means the same callable within one socket (so ``off`` can name it).
    """

    name: str
    behaviour: str = "record"


@dataclass(frozen=True)
class Options:
    """An option object in dataclass form: ``cls`` is the IUT module's class name."""

    cls: Literal["WebSocketRequestOptions", "WebSocketCloseOptions"]
    fields: dict[str, Any]


@dataclass(frozen=True)
class Generated:
    """A payload made by the IUT side (deterministic pattern), so 4 MiB need not cross a pipe."""

    kind: Literal["str", "bytes", "bytearray", "memoryview"]
    size: int


@dataclass(frozen=True)
class Opaque:
    """A value of a type the API does not accept (a plain ``object()``), for 401 cases."""


@dataclass
class ErrorInfo:
    """An error as the IUT produced it. ``code``/``message`` keep their original JSON types."""

    type: str
    code: Any = None
    message: Any = None
    is_business_error: bool = False


@dataclass
class CallOutcome:
    """One API call: what it returned or raised at once, and later how it settled."""

    call: int
    method: str
    returned: str = "none"  # none | awaitable | future | coroutine | value:<repr> ...
    raised: ErrorInfo | None = None
    settled: bool = False
    err: ErrorInfo | None = None
    value: Any = None


TraceEntry = dict[str, Any]
"""One entry of a case's trace, as docs/report-format.md describes it (``t``, ``kind`` ...)."""


class IUTSession(Protocol):
    """The IUT for the length of one case."""

    trace: list[TraceEntry]
    harness_error: str | None

    async def create(self, mode: Literal["async", "sync"] = "async") -> str:
        """``createWebSocket()``; returns the socket's id (``"s1"``). ``sync``: calls on it are
        made from a plain thread with no running loop (the seed's script style)."""
        ...

    async def call(self, sock: str, method: str, *args: Any, promise: bool = False) -> CallOutcome:
        """Call ``method`` on socket ``sock`` with ``args`` (CALLBACK, Subscriber, Options,
        Generated, Opaque, bytes-likes and JSON values). ``promise``: if the call returns an
        awaitable or future, the IUT side awaits it and records the settlement. Returns once the
        call returned, not when it settled."""
        ...

    async def settled(self, outcome: CallOutcome, timeout: float) -> CallOutcome:
        """Wait (bounded) until the call's callback ran or its promise settled."""
        ...

    async def wait_for(
        self, predicate: Callable[[TraceEntry], bool], timeout: float
    ) -> TraceEntry | None:
        """The first trace entry, past or future, matching ``predicate``; None on timeout."""
        ...

    async def quiet(self, seconds: float) -> None:
        """Let ``seconds`` pass so late events (a second 'close' ...) reach the trace."""
        ...

    async def close(self) -> None:
        """End the case: release every socket quickly. Never raises, never hangs."""
        ...


class IUTFactory(Protocol):
    """One per pytest process; hands out a fresh session per case."""

    agent: str

    async def session(self, case_timeout: float) -> IUTSession: ...

    async def aclose(self) -> None: ...


@dataclass
class SessionInfo:
    """What the report needs from a finished session."""

    trace: list[TraceEntry] = field(default_factory=list)
    harness_error: str | None = None
