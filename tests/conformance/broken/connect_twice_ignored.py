"""CN9: connect on an open object succeeds and does nothing."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, call_mapped

CLAUSE = "CN9"


class Broken(Wrapper):
    def __init__(self) -> None:
        super().__init__()
        self.is_open = False
        self.inner.on("open", lambda err, value: setattr(self, "is_open", True))
        self.inner.on("close", lambda err, value: setattr(self, "is_open", False))

    def connect(self, url: Any, *args: Any) -> Any:
        if self.is_open:
            return call_mapped(lambda *a: a[-1](None, True), args, lambda e, v: (e, v))
        return self.inner.connect(url, *args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
