"""OR1: 'open' subscribers are accepted but never called, so 'message' comes unopened (EV1 too)."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "OR1"


class Broken(Wrapper):
    def on(self, event: Any, callback: Any) -> Any:
        if event == "open" and callable(callback):
            return None
        return self.inner.on(event, callback)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
