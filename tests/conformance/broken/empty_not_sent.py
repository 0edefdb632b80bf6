"""SD4: an empty message is reported sent but never reaches the wire."""

import asyncio
from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "SD4"


class Broken(Wrapper):
    def send(self, data: Any, *args: Any) -> Any:
        if isinstance(data, (str, bytes, bytearray, memoryview)) and len(data) == 0:
            if args and callable(args[-1]):
                args[-1](None, True)
                return None
            done = asyncio.get_running_loop().create_future()
            done.set_result(True)
            return done
        return self.inner.send(data, *args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
