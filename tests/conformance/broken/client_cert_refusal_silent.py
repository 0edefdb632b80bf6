"""CC2: a connection with a client certificate that the server refuses ends without 'error'."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "CC2"
API_FEATURES = reference.API_FEATURES


class Broken(Wrapper):
    def __init__(self) -> None:
        super().__init__()
        self.with_cert = False

    def connect(self, url: Any, *args: Any) -> Any:
        self.with_cert = bool(args and isinstance(args[0], dict) and "clientCert" in args[0])
        return self.inner.connect(url, *args)

    def on(self, event: Any, callback: Any) -> Any:
        if event == "error" and callable(callback):

            def unless_cert(*args: Any) -> None:
                if not self.with_cert:
                    callback(*args)

            return self.inner.on(event, unless_cert)
        return self.inner.on(event, callback)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["API_FEATURES", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
