"""SP4: 'headerReceive' leaves out the server's Sec-WebSocket-Protocol answer."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "SP4"
API_FEATURES = reference.API_FEATURES


class Broken(Wrapper):
    def on(self, event: Any, callback: Any) -> Any:
        if event == "headerReceive" and callable(callback):

            def without(headers: dict[str, Any]) -> None:
                callback({k: v for k, v in headers.items() if k != "sec-websocket-protocol"})

            return self.inner.on(event, without)
        return self.inner.on(event, callback)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["API_FEATURES", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
