"""SD14: send settles true at once and writes a moment later; close drops what is still
queued (the shipped platform's libwebsockets queue)."""

import asyncio
from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, settle_now

CLAUSE = "SD14"


class Broken(Wrapper):
    def __init__(self) -> None:
        super().__init__()
        self.pending: list[asyncio.TimerHandle] = []

    def send(self, *args: Any) -> Any:
        if not isinstance(args[0], (str, bytes, bytearray, memoryview)):
            return self.inner.send(*args)
        data = args[0]
        loop = asyncio.get_running_loop()
        self.pending.append(loop.call_later(0.2, lambda: self.inner.send(data, _ignore)))
        return settle_now(args[1:], None, True)

    def close(self, *args: Any) -> Any:
        for handle in self.pending:
            handle.cancel()
        self.pending.clear()
        return self.inner.close(*args)


def _ignore(err: Any = None, value: Any = None) -> None:
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
