"""SD12: send while connecting settles with success, and the message is never sent."""

from typing import Any

from ._wrap import ConnectTracking, WebSocketCloseOptions, WebSocketRequestOptions, settle_now

CLAUSE = "SD12"


class Broken(ConnectTracking):
    def send(self, *args: Any) -> Any:
        if self.connecting:
            return settle_now(args[1:], None, True)
        return self.inner.send(*args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
