"""EV3: the 'close' event loses the server's reason."""

from types import SimpleNamespace
from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "EV3"


class Broken(Wrapper):
    def on(self, event: Any, callback: Any) -> Any:
        if event == "close" and callable(callback):

            def without_reason(err: Any, value: Any) -> None:
                callback(err, SimpleNamespace(code=getattr(value, "code", None), reason=""))

            return self.inner.on(event, without_reason)
        return self.inner.on(event, callback)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
