"""EV9: on/off with a non-string type or a non-callable callback are ignored."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "EV9"


class Broken(Wrapper):
    def on(self, event: Any, callback: Any) -> Any:
        if not isinstance(event, str) or not callable(callback):
            return None
        return self.inner.on(event, callback)

    def off(self, event: Any, callback: Any = None) -> Any:
        if not isinstance(event, str) or (callback is not None and not callable(callback)):
            return None
        return self.inner.off(event, callback)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
