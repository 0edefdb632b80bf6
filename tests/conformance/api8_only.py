"""Today's reference behaviour as an API 8 implementation: a test double, not a port.

It wraps ``impl`` and offers only what API 8 declared: the events ``open``, ``message``,
``close``, ``error`` (``on``/``off`` of any other type fail with 401, as impl does for an
unknown type) and the connect option ``header`` (any other key is ignored, as an API 8
implementation ignores what it does not know). It declares nothing (no ``API_FEATURES``), so
the suite has to detect what it lacks: every case of the later API versions must be
UNIMPLEMENTED for it, and nothing worse (tests/conformance/test_api8_only.py).
``api8_silent`` ignores unknown event types instead (the shipped platform's way, EV11), and
``api8_declared`` declares ``API_LEVEL = 8``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from impl.errors import parameter_error
from tests.conformance.broken._wrap import (
    WebSocketCloseOptions,
    WebSocketRequestOptions,
    Wrapper,
    split_callback,
)

__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]

API8_EVENTS = ("open", "message", "close", "error")
API8_OPTIONS = ("header",)


def api8_options(options: Any) -> Any:
    """The connect options as an API 8 implementation reads them: ``header`` only."""
    if dataclasses.is_dataclass(options) and not isinstance(options, type):
        options = {f.name: getattr(options, f.name) for f in dataclasses.fields(options)}
    if isinstance(options, Mapping):
        return {k: v for k, v in options.items() if k in API8_OPTIONS}
    return options


class Api8WebSocket(Wrapper):
    """API 8's surface over impl."""

    silent = False  # True: on/off of an unknown event type is ignored instead of refused

    def connect(self, url: Any, *args: Any) -> Any:
        rest, callback = split_callback(args)
        rest = tuple(api8_options(a) for a in rest)
        return self.inner.connect(url, *rest, *((callback,) if callback else ()))

    def on(self, event: Any, callback: Any) -> Any:
        if isinstance(event, str) and event not in API8_EVENTS:
            if self.silent:
                return None
            raise parameter_error(f"unknown event type {event!r}")
        return self.inner.on(event, callback)

    def off(self, event: Any, callback: Any = None) -> Any:
        if isinstance(event, str) and event not in API8_EVENTS:
            if self.silent:
                return None
            raise parameter_error(f"unknown event type {event!r}")
        return self.inner.off(event, callback)


def createWebSocket() -> Api8WebSocket:
    return Api8WebSocket()
