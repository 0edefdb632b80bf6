"""CN1: the connect callback is called twice."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "CN1"


class Broken(Wrapper):
    def connect(self, url: Any, *args: Any) -> Any:
        if args and callable(args[-1]):
            callback = args[-1]

            def twice(err: Any, value: Any) -> None:
                callback(err, value)
                callback(err, value)

            return self.inner.connect(url, *args[:-1], twice)
        return self.inner.connect(url, *args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
