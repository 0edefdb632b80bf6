"""EV8: the same callback subscribed twice is called twice."""

from typing import Any

from ._wrap import Relaying, WebSocketCloseOptions, WebSocketRequestOptions

CLAUSE = "EV8"


class Broken(Relaying):
    def on(self, event: Any, callback: Any) -> Any:
        already = callable(callback) and callback in self.subs.get(event, [])
        result = super().on(event, callback)
        if already:
            self.subs[event].append(callback)
        return result


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
