"""SD7: data of any type is sent as its str(), no 401."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "SD7"


class Broken(Wrapper):
    def send(self, data: Any, *args: Any) -> Any:
        if not isinstance(data, (str, bytes, bytearray, memoryview)):
            data = str(data)
        return self.inner.send(data, *args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
