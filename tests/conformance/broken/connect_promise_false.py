"""CN3: connect without a callback returns a promise resolving False."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, resolving

CLAUSE = "CN3"


class Broken(Wrapper):
    def connect(self, *args: Any) -> Any:
        result = self.inner.connect(*args)
        return result if args and callable(args[-1]) else resolving(result, False)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
