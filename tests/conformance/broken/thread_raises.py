"""ER3: every connect starts a worker thread of the implementation's own that dies of an
exception nobody catches (the connection itself works): an exception escaping into a thread
the implementation runs, in-process as through a driver."""

import threading
from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "ER3"


def _worker() -> None:
    raise RuntimeError("the implementation's worker thread failed")


class Broken(Wrapper):
    def connect(self, *args: Any) -> Any:
        threading.Thread(target=_worker, name="broken-worker", daemon=True).start()
        return self.inner.connect(*args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
