"""EV10: an exception in a subscriber silently stops the other subscribers (nothing logged)."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "EV10"


class Broken(Wrapper):
    def __init__(self) -> None:
        super().__init__()
        self.subscribers: dict[str, list[Any]] = {}

    def on(self, event: Any, callback: Any) -> Any:
        if event == "message" and callable(callback):
            listeners = self.subscribers.setdefault(event, [])
            if not listeners:
                self.inner.on(event, lambda *a: self._dispatch(listeners, a))
            listeners.append(callback)
            return None
        return self.inner.on(event, callback)

    @staticmethod
    def _dispatch(listeners: list[Any], args: tuple[Any, ...]) -> None:
        try:
            for callback in listeners:
                callback(*args)
        except Exception:
            pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
