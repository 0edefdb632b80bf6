"""CN4: the 'open' value's message is always "Switching Protocols", whatever the server's
status line said (a port that hard-codes the phrase instead of reading it)."""

from types import SimpleNamespace
from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "CN4"


class Broken(Wrapper):
    def on(self, event: Any, callback: Any) -> Any:
        if event == "open" and callable(callback):
            return self.inner.on(
                event,
                lambda err, value: callback(
                    err, SimpleNamespace(status=value.status, message="Switching Protocols")
                ),
            )
        return self.inner.on(event, callback)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
