"""PR6: the server's close code is answered with 1000, bad codes too."""

import struct

import impl.connection

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "PR6"


def _payload(code: int, reason: str) -> bytes:
    return struct.pack("!H", 1000) + reason.encode()


impl.connection._close_payload = _payload
impl.connection.PROTOCOL_ERROR = 1000


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
