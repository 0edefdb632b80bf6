"""Driving an implementation under test: in-process or over the stdio driver protocol."""

from .api import CALLBACK, Generated, IUTCrashed, IUTTimeout, Opaque, Options, Subscriber
from .session import IUT, Session

__all__ = [
    "CALLBACK",
    "IUT",
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

    Raises ImportError/ValueError at once for a module that cannot serve (no createWebSocket).
    """
    return IUT(spec)
