"""CN11: connect after 'close' fails."""

from typing import Any

from impl.errors import OTHER_ERROR, BusinessError

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, call_mapped

CLAUSE = "CN11"


class Broken(Wrapper):
    def __init__(self) -> None:
        super().__init__()
        self.closed_once = False
        self.inner.on("close", lambda err, value: setattr(self, "closed_once", True))

    def connect(self, url: Any, *args: Any) -> Any:
        if self.closed_once:
            failure = BusinessError(OTHER_ERROR, "broken on purpose: no second connection")
            return call_mapped(lambda *a: a[-1](failure, None), args, lambda e, v: (e, v))
        return self.inner.connect(url, *args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
