"""EV4: an empty close frame from the server is reported as code 1000 (the shipped platform)."""

from types import SimpleNamespace
from typing import Any

from ._wrap import Relaying, WebSocketCloseOptions, WebSocketRequestOptions

CLAUSE = "EV4"


class Broken(Relaying):
    def deliver(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "close" and len(args) == 2 and getattr(args[1], "code", None) == 1005:
            args = (args[0], SimpleNamespace(code=1000, reason=args[1].reason))
        super().deliver(event, args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
