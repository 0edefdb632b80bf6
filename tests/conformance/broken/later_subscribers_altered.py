"""EV6: every subscriber is called, once, in order, but only the first gets the event's value:
the later ones of 'open' and 'close' get a copy with one field changed (the message of
'open', the reason of 'close')."""

from types import SimpleNamespace
from typing import Any

from ._wrap import Relaying, WebSocketCloseOptions, WebSocketRequestOptions

CLAUSE = "EV6"


def _altered(event: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(args) < 2 or args[1] is None:
        return args
    err, value = args[0], args[1]
    if event == "open":
        return err, SimpleNamespace(status=value.status, message=value.message + " (copy)")
    if event == "close":
        return err, SimpleNamespace(code=value.code, reason=value.reason + " (copy)")
    return args


class Broken(Relaying):
    def deliver(self, event: str, args: tuple[Any, ...]) -> None:
        for index, callback in enumerate(list(self.subs.get(event, []))):
            self.call(callback, args if index == 0 else _altered(event, args))


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
