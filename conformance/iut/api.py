"""What a conformance case sees of an implementation under test (IUT).

Cases never touch an IUT directly: they speak this small vocabulary, and a transport carries
it to the IUT, in-process (a loop thread running the executor) or over the stdio driver
protocol (docs/driver-protocol.md, the same executor behind ``conformance.drivers.python``).
Calls are blocking and every wait is bounded by the case's deadline, so a hanging IUT raises
``IUTTimeout`` instead of hanging the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from .trace import JSONObject


class IUTTimeout(Exception):
    """The IUT did not answer within the case's deadline (it hangs or blocks its loop)."""


class IUTCrashed(Exception):
    """The IUT's driver process or loop thread died, or could not start."""


class DriverBrokeProtocol(Exception):
    """The driver answered a request in a way docs/driver-protocol.md does not allow."""


@dataclass(frozen=True)
class Callback:
    """Placeholder argument: a callback that records how the call settled."""


CALLBACK = Callback()


@dataclass(frozen=True)
class Subscriber:
    """An ``on``/``off`` callback, known by name in the trace (same name and type: same callable).

    behaviour, besides recording the event: ``record``; ``raise`` (then raises RuntimeError);
    ``subscribe:<type>:<name>`` (on its first call subscribes a new recording subscriber);
    ``off_self`` (calls ``off(type, itself)``); ``close`` (calls ``close()`` on its socket);
    ``echo`` (a 'message' subscriber that sends each message back with ``send(data)``).
    """

    name: str
    behaviour: str = "record"


@dataclass(frozen=True)
class Options:
    """An option object in dataclass form: ``cls`` names a class of the IUT module."""

    cls: Literal["WebSocketRequestOptions", "WebSocketCloseOptions"]
    fields: Mapping[str, object]


@dataclass(frozen=True)
class Generated:
    """A payload made on the IUT side (see ``codec.generate``): 4 MiB need not cross a pipe."""

    kind: Literal["str", "bytes", "bytearray", "memoryview"]
    size: int


@dataclass(frozen=True)
class Opaque:
    """A value of a type the API does not accept (a plain ``object()``), for 401 cases."""


@dataclass(frozen=True)
class CallOutcome:
    """One API call: what it returned or raised at once (``returned``: none, future,
    awaitable, coroutine, value:<repr>; ``raised``: ERR, docs/driver-protocol.md); its
    settlement is a ``result`` trace entry (``Session.result``)."""

    call: int
    method: str
    returned: str = "none"
    raised: JSONObject | None = None
