"""OR2 / CL4: 'close' fires twice (the close cases check "exactly once")."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "CL4"


class Broken(Wrapper):
    def on(self, event: Any, callback: Any) -> Any:
        if event == "close" and callable(callback):

            def twice(err: Any, value: Any) -> None:
                callback(err, value)
                callback(err, value)

            return self.inner.on(event, twice)
        return self.inner.on(event, callback)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
