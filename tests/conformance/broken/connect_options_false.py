"""CN2: connect(url, options, callback) reports (None, False) on success."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "CN2"


class Broken(Wrapper):
    def connect(self, url: Any, *args: Any) -> Any:
        if len(args) == 2 and callable(args[1]):
            callback = args[1]

            def as_false(err: Any = None, value: Any = None) -> None:
                callback(err, False if err is None else value)

            return self.inner.connect(url, args[0], as_false)
        return self.inner.connect(url, *args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
