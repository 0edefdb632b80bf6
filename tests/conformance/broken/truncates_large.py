"""SD8: messages over 64 KiB are cut to 64 KiB."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "SD8"


class Broken(Wrapper):
    def send(self, data: Any, *args: Any) -> Any:
        if isinstance(data, (str, bytes, bytearray, memoryview)) and len(data) > 65536:
            data = data[:65536]
        return self.inner.send(data, *args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
