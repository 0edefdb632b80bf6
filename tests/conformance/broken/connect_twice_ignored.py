"""CN9: connect on an open object succeeds and does nothing."""

from typing import Any

from ._wrap import OpenTracking, WebSocketCloseOptions, WebSocketRequestOptions, settle_now

CLAUSE = "CN9"


class Broken(OpenTracking):
    def connect(self, url: Any, *args: Any) -> Any:
        if self.is_open:
            return settle_now(args, None, True)
        return self.inner.connect(url, *args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
