"""PR9: a message queued right before a protocol error is dropped, not delivered."""

from typing import Any

import aiohttp

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "PR9"
_receive = aiohttp.ClientWebSocketResponse.receive


async def _drop_before_error(self: aiohttp.ClientWebSocketResponse, timeout: Any = None) -> Any:
    msg = await _receive(self, timeout)
    while msg.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
        if self._reader.exception() is None:  # type: ignore[attr-defined]
            break
        msg = await _receive(self, timeout)  # an error is queued behind it: skip to it
    return msg


aiohttp.ClientWebSocketResponse.receive = _drop_before_error  # type: ignore[method-assign,assignment]


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
