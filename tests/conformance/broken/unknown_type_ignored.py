"""EV11: on('opened', cb) is ignored (the shipped platform)."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "EV11"
KNOWN = ("open", "message", "close", "error")


class Broken(Wrapper):
    def on(self, event: Any, callback: Any) -> Any:
        if isinstance(event, str) and event not in KNOWN and callable(callback):
            return None
        return self.inner.on(event, callback)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
