"""ER1: errors reach callbacks as plain exceptions without a code."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "ER1"


def _plain(callback: Any) -> Any:
    def without_code(err: Any = None, value: Any = None) -> None:
        callback(RuntimeError(str(err)) if err is not None else None, value)

    return without_code


class Broken(Wrapper):
    def connect(self, *args: Any) -> Any:
        if args and callable(args[-1]):
            return self.inner.connect(*args[:-1], _plain(args[-1]))
        return self.inner.connect(*args)

    def send(self, *args: Any) -> Any:
        if args and callable(args[-1]):
            return self.inner.send(*args[:-1], _plain(args[-1]))
        return self.inner.send(*args)

    def on(self, event: Any, callback: Any) -> Any:
        if event == "error" and callable(callback):
            return self.inner.on(event, _plain(callback))
        return self.inner.on(event, callback)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
