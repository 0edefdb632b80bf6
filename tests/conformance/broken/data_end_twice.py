"""DE1: each 'dataEnd' subscriber is called twice per message."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "DE1"
API_FEATURES = reference.API_FEATURES


class Broken(Wrapper):
    def __init__(self) -> None:
        super().__init__()
        self.twice: dict[Any, Any] = {}

    def on(self, event: Any, callback: Any) -> Any:
        if event == "dataEnd" and callable(callback):

            def twice(*args: Any) -> None:
                callback(*args)
                callback(*args)

            self.twice[callback] = twice
            return self.inner.on(event, twice)
        return self.inner.on(event, callback)

    def off(self, event: Any, callback: Any = None) -> Any:
        return self.inner.off(event, self.twice.get(callback, callback))


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["API_FEATURES", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
