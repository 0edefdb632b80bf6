"""EV7: off(type, cb) removes every subscriber of that type."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "EV7"


class Broken(Wrapper):
    def off(self, event: Any, callback: Any = None) -> Any:
        return self.inner.off(event)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
