"""SD9: client frames go out unmasked."""

from typing import Any

import aiohttp.client

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "SD9"


class _UnmaskedWriter(aiohttp.client.WebSocketWriter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["use_mask"] = False
        super().__init__(*args, **kwargs)


aiohttp.client.WebSocketWriter = _UnmaskedWriter  # type: ignore[misc]


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
