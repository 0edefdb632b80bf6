"""M2: the WebSocket has no off method."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "M2"


class Broken(Wrapper):
    def __getattribute__(self, name: str) -> Any:
        if name == "off":
            raise AttributeError(name)
        return super().__getattribute__(name)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
