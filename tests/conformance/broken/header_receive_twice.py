"""HR1: each 'headerReceive' subscriber is called twice per connection."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "HR1"
API_FEATURES = reference.API_FEATURES


class Broken(Wrapper):
    def on(self, event: Any, callback: Any) -> Any:
        if event == "headerReceive" and callable(callback):

            def twice(headers: Any) -> None:
                callback(headers)
                callback(headers)

            return self.inner.on(event, twice)
        return self.inner.on(event, callback)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["API_FEATURES", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
