"""OR4: when the connection is lost, 'error' arrives after 'close'."""

import asyncio
from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "OR4"


class Broken(Wrapper):
    def on(self, event: Any, callback: Any) -> Any:
        if event == "error" and callable(callback):

            def late(err: Any) -> None:
                asyncio.get_running_loop().call_later(0.05, callback, err)

            return self.inner.on(event, late)
        return self.inner.on(event, callback)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
