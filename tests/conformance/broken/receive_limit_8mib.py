"""EV13: incoming messages over 8 MiB fail the connection (1009)."""

from typing import Any

import aiohttp

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "EV13"
_ws_connect = aiohttp.ClientSession.ws_connect


def _limited(self: aiohttp.ClientSession, *args: Any, **kwargs: Any) -> Any:
    kwargs["max_msg_size"] = 8 * 1024 * 1024
    return _ws_connect(self, *args, **kwargs)


aiohttp.ClientSession.ws_connect = _limited  # type: ignore[method-assign]


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
