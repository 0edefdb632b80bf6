"""Every send puts its message on the wire and never settles (the callback is never called,
the promise stays pending)."""

import asyncio
from typing import Any

from tests.conformance.broken._wrap import (
    WebSocketCloseOptions,
    WebSocketRequestOptions,
    Wrapper,
    split_callback,
)


class Stuck(Wrapper):
    def send(self, *args: Any) -> Any:
        rest, callback = split_callback(args)
        self.inner.send(*rest, _forget)
        return None if callback is not None else asyncio.get_running_loop().create_future()


def _forget(err: Any = None, value: Any = None) -> None:
    pass


def createWebSocket() -> Stuck:
    return Stuck()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
