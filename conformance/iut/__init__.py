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
]
