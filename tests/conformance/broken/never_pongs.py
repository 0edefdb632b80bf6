"""PR3: pings are never answered."""

from typing import Any

import aiohttp

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "PR3"
_ws_connect = aiohttp.ClientSession.ws_connect


def _no_autoping(self: aiohttp.ClientSession, *args: Any, **kwargs: Any) -> Any:
    kwargs["autoping"] = False
    return _ws_connect(self, *args, **kwargs)


aiohttp.ClientSession.ws_connect = _no_autoping  # type: ignore[method-assign]


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
