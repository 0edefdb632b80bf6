"""CN5: the header option never reaches the server."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "CN5"


class Broken(Wrapper):
    def connect(self, url: Any, *args: Any) -> Any:
        rest = [{} if not callable(a) else a for a in args]
        return self.inner.connect(url, *rest)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
