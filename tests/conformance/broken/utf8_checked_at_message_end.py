"""PR8: invalid UTF-8 in a text message is noticed only when the message is whole."""

import impl.inbound

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "PR8"


def _accept_everything(data: bytes, errors: str, final: bool) -> tuple[str, int]:
    return "", len(data)  # the frame-by-frame check passes; aiohttp still checks at the end


impl.inbound._utf8_decode = _accept_everything


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
