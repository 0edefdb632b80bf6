"""EV6: subscribers are called in reverse subscription order."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "EV6"


class Broken(Wrapper):
    def __init__(self) -> None:
        super().__init__()
        self.subscribers: dict[str, list[Any]] = {}

    def on(self, event: Any, callback: Any) -> Any:
        if isinstance(event, str) and callable(callback) and event != "error":
            listeners = self.subscribers.setdefault(event, [])
            if not listeners:
                self.inner.on(event, lambda *a: [cb(*a) for cb in reversed(listeners)])
            listeners.append(callback)
            return None
        return self.inner.on(event, callback)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
