"""CN11: connect after 'close' fails."""

from typing import Any

from impl.errors import OTHER_ERROR, BusinessError

from ._wrap import OpenTracking, WebSocketCloseOptions, WebSocketRequestOptions, settle_now

CLAUSE = "CN11"


class Broken(OpenTracking):
    def connect(self, url: Any, *args: Any) -> Any:
        if self.closed_once:
            return settle_now(
                args, BusinessError(OTHER_ERROR, "broken on purpose: no second connection")
            )
        return self.inner.connect(url, *args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
