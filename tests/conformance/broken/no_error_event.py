"""CN7: a connection that cannot be established emits no 'error'."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "CN7"


class Broken(Wrapper):
    def __init__(self) -> None:
        super().__init__()
        self.opened = False
        self.inner.on("open", lambda err, value: setattr(self, "opened", True))

    def on(self, event: Any, callback: Any) -> Any:
        if event == "error" and callable(callback):
            return self.inner.on(event, lambda err: self.opened and callback(err))
        return self.inner.on(event, callback)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
