"""EV2: binary messages are delivered as str."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "EV2"


class Broken(Wrapper):
    def on(self, event: Any, callback: Any) -> Any:
        if event == "message" and callable(callback):

            def as_text(err: Any, value: Any) -> None:
                if isinstance(value, bytes):
                    value = value.decode("latin-1")
                callback(err, value)

            return self.inner.on(event, as_text)
        return self.inner.on(event, callback)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
