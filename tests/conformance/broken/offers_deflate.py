"""PR7: permessage-deflate is offered in the handshake."""

from typing import Any

import aiohttp

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "PR7"
_ws_connect = aiohttp.ClientSession.ws_connect


def _deflate(self: aiohttp.ClientSession, *args: Any, **kwargs: Any) -> Any:
    kwargs["compress"] = 15
    return _ws_connect(self, *args, **kwargs)


aiohttp.ClientSession.ws_connect = _deflate  # type: ignore[method-assign]


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
