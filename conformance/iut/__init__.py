"""Driving an implementation under test: in-process or over the driver protocol.

Modules, one concern each: ``api`` (what a case passes and gets: argument placeholders,
``CallOutcome``, the exceptions), ``trace`` (``TraceEntry``, ``Sink``), ``hello``
(``DriverInfo``), ``session`` (``Session``: a case's blocking calls and its trace), ``spec``
(``IUT``: what ``--iut`` names, module loading), ``inprocess`` and ``driver`` (the two
transports), ``channel`` (a driver's byte streams), ``lines`` (reading a driver's lines),
``executor`` (commands → API calls), ``codec`` (argument and value encodings), ``capture``
(what an implementation lets escape), ``features`` (what a driver protocol version offers).
"""

from .api import (
    CALLBACK,
    CallOutcome,
    DriverBrokeProtocol,
    Generated,
    IUTCrashed,
    IUTTimeout,
    Opaque,
    Options,
    Subscriber,
)
from .executor import CommandError
from .hello import DriverInfo
from .session import Session
from .spec import IUT
from .trace import Sink, TraceEntry

__all__ = [
    "CALLBACK",
    "IUT",
    "CallOutcome",
    "CommandError",
    "DriverBrokeProtocol",
    "DriverInfo",
    "Generated",
    "IUTCrashed",
    "IUTTimeout",
    "Opaque",
    "Options",
    "Session",
    "Sink",
    "Subscriber",
    "TraceEntry",
    "load_iut",
]


def load_iut(spec: str) -> IUT:
    """``--iut SPEC`` → a session factory: ``impl``/a module path in-process, ``cmd:...`` a driver.

    Raises ``CommandError`` at once, with one line saying how to mend it, for a module that
    cannot be imported or has no ``createWebSocket``, and for a driver command that cannot run.
    """
    return IUT(spec)
