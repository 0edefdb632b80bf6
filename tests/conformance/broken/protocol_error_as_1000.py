"""PR4: a failed connection is closed with 1000 instead of 1002."""

from typing import Any

import aiohttp

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "PR4"
_close = aiohttp.ClientWebSocketResponse.close


async def _close_with(
    self: aiohttp.ClientWebSocketResponse, *, code: int = 1000, **kw: Any
) -> bool:
    return await _close(self, code=1000 if code == 1002 else code, **kw)


aiohttp.ClientWebSocketResponse.close = _close_with  # type: ignore[method-assign,assignment]


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
