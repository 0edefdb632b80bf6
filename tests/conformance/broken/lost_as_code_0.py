"""EV5: a lost connection is reported as 'close' code 0 (the shipped platform)."""

from types import SimpleNamespace
from typing import Any

from ._wrap import Relaying, WebSocketCloseOptions, WebSocketRequestOptions

CLAUSE = "EV5"


class Broken(Relaying):
    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    def deliver(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            self.failed = False
        elif event == "error":
            self.failed = True
        elif event == "close" and self.failed and getattr(args[1], "code", None) == 1006:
            args = (args[0], SimpleNamespace(code=0, reason="The link is down"))
        super().deliver(event, args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
