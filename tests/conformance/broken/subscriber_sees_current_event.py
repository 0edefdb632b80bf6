"""OR5: a subscriber added during dispatch is called for the current event."""

from typing import Any

from ._wrap import Relaying, WebSocketCloseOptions, WebSocketRequestOptions

CLAUSE = "OR5"


class Broken(Relaying):
    def deliver(self, event: str, args: tuple[Any, ...]) -> None:
        listeners = self.subs.get(event, [])
        index = 0
        while index < len(listeners):  # the live list: late subscribers run now
            self.call(listeners[index], args)
            index += 1


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
