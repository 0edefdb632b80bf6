"""OR3: each pair of messages is delivered second first."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "OR3"


class Broken(Wrapper):
    def on(self, event: Any, callback: Any) -> Any:
        if event == "message" and callable(callback):
            held: list[Any] = []

            def swapped(err: Any, value: Any) -> None:
                if not held:
                    held.append(value)
                    return
                callback(err, value)
                callback(err, held.pop())

            return self.inner.on(event, swapped)
        return self.inner.on(event, callback)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
