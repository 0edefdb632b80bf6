"""SD10: a message over 5 MiB - 16 bytes is refused with 401 (the shipped platform)."""

from typing import Any

from impl.errors import PARAMETER_ERROR, BusinessError

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, settle_now

CLAUSE = "SD10"
LIMIT = 5 * 1024 * 1024 - 16


class Broken(Wrapper):
    def send(self, data: Any, *args: Any) -> Any:
        if isinstance(data, (str, bytes, bytearray, memoryview)) and len(data) > LIMIT:
            failure = BusinessError(PARAMETER_ERROR, "over 5 MiB - 16 bytes")
            return settle_now(args, failure)
        return self.inner.send(data, *args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
