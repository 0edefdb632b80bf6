"""PR5: a failed connection is closed with 1002 instead of 1007."""

from typing import Any

import aiohttp

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "PR5"
_close = aiohttp.ClientWebSocketResponse.close


async def _close_with(
    self: aiohttp.ClientWebSocketResponse, *, code: int = 1000, **kw: Any
) -> bool:
    return await _close(self, code=1002 if code == 1007 else code, **kw)


aiohttp.ClientWebSocketResponse.close = _close_with  # type: ignore[method-assign,assignment]


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
