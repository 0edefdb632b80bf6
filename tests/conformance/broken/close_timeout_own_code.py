"""CL9: when the close timeout ends a close, 'close' reports the code the client sent, not
1006 (the shipped platform)."""

from types import SimpleNamespace
from typing import Any

from ._wrap import Relaying, WebSocketCloseOptions, WebSocketRequestOptions

CLAUSE = "CL9"


class Broken(Relaying):
    def __init__(self) -> None:
        super().__init__()
        self.closing = False

    def close(self, *args: Any) -> Any:
        self.closing = True
        return self.inner.close(*args)

    def deliver(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "close" and self.closing and getattr(args[1], "code", None) == 1006:
            args = (args[0], SimpleNamespace(code=1000, reason="CLOSE_NORMAL"))
        super().deliver(event, args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
