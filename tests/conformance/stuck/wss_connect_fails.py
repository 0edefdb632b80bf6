"""Every wss:// connect fails (a missing trust store, say); ws:// works."""

from typing import Any

from impl.errors import OTHER_ERROR, BusinessError
from tests.conformance.broken._wrap import (
    WebSocketCloseOptions,
    WebSocketRequestOptions,
    Wrapper,
    settle_now,
    split_callback,
)


class Stuck(Wrapper):
    def __init__(self) -> None:
        super().__init__()
        self.errors: list[Any] = []

    def on(self, event: Any, callback: Any = None) -> Any:
        if event == "error" and callable(callback):
            self.errors.append(callback)
        return self.inner.on(event, callback)

    def connect(self, url: Any, *args: Any) -> Any:
        if isinstance(url, str) and url.startswith("wss://"):
            _, callback = split_callback(args)
            error = BusinessError(OTHER_ERROR, "TLS handshake failed (on purpose)")
            for subscriber in list(self.errors):
                subscriber(error)
            return settle_now((callback,) if callback else (), error)
        return self.inner.connect(url, *args)


def createWebSocket() -> Stuck:
    return Stuck()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
