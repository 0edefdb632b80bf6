"""Subscribers per event type, dispatched in subscription order (EV6, EV7, EV10, OR5).

``dataEnd`` (API 11) and ``headerReceive`` (API 12) are ``Callback<T>`` events: their
callbacks get the value alone (``headerReceive``: the response headers; ``dataEnd``: nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from .errors import parameter_error

EVENT_TYPES = ("open", "message", "close", "error", "dataEnd", "headerReceive")

logger = logging.getLogger("impl.webSocket")

Listener = Callable[..., Any]


def invoke(callback: Listener, *args: Any) -> None:
    """Call user code; an exception is logged, never propagated into the connection (EV10)."""
    try:
        callback(*args)
    except Exception:
        logger.exception("exception in a user callback %r", callback)


class EventRegistry:
    """One ordered subscriber list per event type."""

    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener]] = {name: [] for name in EVENT_TYPES}

    @staticmethod
    def _check_type(event_type: object) -> str:
        if not isinstance(event_type, str):
            raise parameter_error(f"event type must be a string, not {type(event_type).__name__}")
        if event_type not in EVENT_TYPES:
            raise parameter_error(f"unknown event type {event_type!r}")
        return event_type

    def on(self, event_type: object, callback: object) -> None:
        name = self._check_type(event_type)
        if not callable(callback):
            raise parameter_error("callback must be callable")
        listeners = self._listeners[name]
        if callback not in listeners:  # EV8: a second subscription of the same callable is a no-op
            listeners.append(callback)

    def off(self, event_type: object, callback: object = None) -> None:
        name = self._check_type(event_type)
        if callback is None:
            self._listeners[name] = []
            return
        if not callable(callback):
            raise parameter_error("callback must be callable")
        # A new list, so a dispatch already running keeps its own snapshot.
        self._listeners[name] = [cb for cb in self._listeners[name] if cb != callback]

    def emit(self, event_type: str, *args: Any) -> None:
        """Dispatch to a snapshot: a callback added during dispatch sees the next event (OR5);
        one removed during dispatch is not called again."""
        for callback in tuple(self._listeners[event_type]):
            if callback in self._listeners[event_type]:
                invoke(callback, *args)
