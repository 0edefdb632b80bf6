"""SD6: send on a socket that is not open reports success."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "SD6"


class Broken(Wrapper):
    def __init__(self) -> None:
        super().__init__()
        self.is_open = False
        self.inner.on("open", lambda err, value: setattr(self, "is_open", True))
        self.inner.on("close", lambda err, value: setattr(self, "is_open", False))

    def send(self, data: Any, *args: Any) -> Any:
        if not self.is_open and args and callable(args[-1]):
            args[-1](None, True)
            return None
        return self.inner.send(data, *args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
