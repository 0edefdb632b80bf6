"""A transparent wrapper around impl's WebSocket; each broken module overrides one thing."""

from __future__ import annotations

from typing import Any

from impl import webSocket as reference
from impl.webSocket import WebSocketCloseOptions, WebSocketRequestOptions

__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "Wrapper", "reference"]


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
