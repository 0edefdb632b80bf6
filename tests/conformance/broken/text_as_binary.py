"""SD1: strings are sent as binary messages."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "SD1"


class Broken(Wrapper):
    def send(self, data: Any, *args: Any) -> Any:
        if isinstance(data, str):
            data = data.encode("utf-8")
        return self.inner.send(data, *args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
