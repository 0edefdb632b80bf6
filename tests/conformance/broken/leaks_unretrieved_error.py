"""ER3: every connect leaves a failed future nobody retrieves."""

import asyncio
from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "ER3"


class Broken(Wrapper):
    def connect(self, *args: Any) -> Any:
        leaked = asyncio.get_running_loop().create_future()
        leaked.set_exception(RuntimeError("leaked on purpose"))
        del leaked  # "Future exception was never retrieved" reaches the loop's handler
        return self.inner.connect(*args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
