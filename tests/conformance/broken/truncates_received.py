"""EV12: received messages are cut to 65,535 bytes."""

from typing import Any

from ._wrap import Relaying, WebSocketCloseOptions, WebSocketRequestOptions

CLAUSE = "EV12"


class Broken(Relaying):
    def deliver(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "message" and len(args) == 2 and len(args[1]) > 65535:
            args = (args[0], args[1][:65535])
        super().deliver(event, args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
