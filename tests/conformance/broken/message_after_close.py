"""OR2: a stray 'message' is delivered right after 'close'."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "OR2"


class Broken(Wrapper):
    def __init__(self) -> None:
        super().__init__()
        self.message_callbacks: list[Any] = []

    def on(self, event: Any, callback: Any) -> Any:
        if event == "message" and callable(callback):
            self.message_callbacks.append(callback)
        if event == "close" and callable(callback):

            def then_a_message(err: Any, value: Any) -> None:
                callback(err, value)
                for message_callback in self.message_callbacks:
                    message_callback(None, "late")

            return self.inner.on(event, then_a_message)
        return self.inner.on(event, callback)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
