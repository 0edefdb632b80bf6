"""A hanging IUT: connect blocks its loop. Each case must become FAILED within the timeout."""

import time
from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "CN1"


class Broken(Wrapper):
    def connect(self, *args: Any) -> Any:
        time.sleep(8)  # bounded, so the abandoned thread ends on its own
        return self.inner.connect(*args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
