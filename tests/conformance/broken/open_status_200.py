"""CN4: the 'open' value reports status 200."""

from types import SimpleNamespace
from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "CN4"


class Broken(Wrapper):
    def on(self, event: Any, callback: Any) -> Any:
        if event == "open" and callable(callback):
            return self.inner.on(
                event, lambda err, value: callback(err, SimpleNamespace(status=200, message="OK"))
            )
        return self.inner.on(event, callback)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
