"""A transparent wrapper around impl's WebSocket; each broken module overrides one thing."""

from __future__ import annotations

import asyncio
from typing import Any

from impl import webSocket as reference
from impl.webSocket import WebSocketCloseOptions, WebSocketRequestOptions

__all__ = [
    "WebSocketCloseOptions",
    "WebSocketRequestOptions",
    "Wrapper",
    "reference",
    "resolving",
]


class Wrapper:
    def __init__(self) -> None:
        self.inner = reference.createWebSocket()

    def connect(self, *args: Any) -> Any:
        return self.inner.connect(*args)

    def send(self, *args: Any) -> Any:
        return self.inner.send(*args)

    def close(self, *args: Any) -> Any:
        return self.inner.close(*args)

    def on(self, *args: Any) -> Any:
        return self.inner.on(*args)

    def off(self, *args: Any) -> Any:
        return self.inner.off(*args)


def resolving(result: Any, value: Any) -> Any:
    """A promise that settles when ``result`` does but resolves ``value`` (not a future: as is)."""
    if not asyncio.isfuture(result):
        return result
    out = result.get_loop().create_future()

    def settle(done: asyncio.Future[Any]) -> None:
        if done.cancelled():
            out.cancel()
        elif done.exception() is not None:
            out.set_exception(done.exception())  # type: ignore[arg-type]
        else:
            out.set_result(value)

    result.add_done_callback(settle)
    return out
