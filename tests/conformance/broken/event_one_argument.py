"""EV1: 'open', 'message' and 'close' callbacks get (value), not (None, value)."""

from typing import Any

from ._wrap import Relaying, WebSocketCloseOptions, WebSocketRequestOptions

CLAUSE = "EV1"


class Broken(Relaying):
    def deliver(self, event: str, args: tuple[Any, ...]) -> None:
        if event != "error":
            args = args[1:]
        super().deliver(event, args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
