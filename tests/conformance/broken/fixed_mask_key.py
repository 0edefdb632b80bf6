"""SD9: every client frame is masked, but always with the key 00000000 (the mask bit is set,
the payload goes out in clear): aiohttp's client writer gets a source of "random" bits that
only ever gives 0 (this module runs in a process of its own)."""

import random
from typing import Any

import aiohttp.client

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "SD9"


class _ZeroBits(random.Random):
    def getrandbits(self, k: int) -> int:
        return 0


class _ZeroKeyWriter(aiohttp.client.WebSocketWriter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["random"] = _ZeroBits()
        super().__init__(*args, **kwargs)


aiohttp.client.WebSocketWriter = _ZeroKeyWriter  # type: ignore[misc]


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
