"""Driving an implementation under test: in-process or over the stdio driver protocol."""

from .api import (
    CALLBACK,
    DriverBrokeProtocol,
    Generated,
    IUTCrashed,
    IUTTimeout,
    Opaque,
    Options,
    Subscriber,
)
from .executor import CommandError
from .lines import DriverInfo
from .session import IUT, Session

__all__ = [
    "CALLBACK",
    "IUT",
    "CommandError",
    "DriverBrokeProtocol",
    "DriverInfo",
    "Generated",
    "IUTCrashed",
    "IUTTimeout",
    "Opaque",
    "Options",
    "Session",
    "Subscriber",
    "load_iut",
]


def load_iut(spec: str) -> IUT:
    """``--iut SPEC`` → a session factory: ``impl``/a module path in-process, ``cmd:...`` a driver.

    Raises ``CommandError`` at once, with one line saying how to mend it, for a module that
    cannot be imported or has no ``createWebSocket``, and for a driver command that cannot run.
    """
    return IUT(spec)
