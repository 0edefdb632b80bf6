"""EV14: a server close frame with a code and no reason gives the reason "The link is down"
(the shipped platform)."""

from types import SimpleNamespace
from typing import Any

from ._wrap import Relaying, WebSocketCloseOptions, WebSocketRequestOptions

CLAUSE = "EV14"


class Broken(Relaying):
    def deliver(self, event: str, args: tuple[Any, ...]) -> None:
        value = args[1] if len(args) > 1 else None
        if event == "close" and getattr(value, "reason", None) == "":
            args = (args[0], SimpleNamespace(code=value.code, reason="The link is down"))
        super().deliver(event, args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
