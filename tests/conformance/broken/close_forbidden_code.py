"""CL6: a close code RFC 6455 forbids goes onto the wire."""

import struct
from typing import Any

import impl.connection

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "CL6"
_original = impl.connection._close_payload
_forced: list[int] = []


def _payload(code: int, reason: str) -> bytes:
    if _forced:
        return struct.pack("!H", _forced.pop()) + reason.encode()
    return _original(code, reason)


impl.connection._close_payload = _payload


class Broken(Wrapper):
    def close(self, *args: Any) -> Any:
        if args and isinstance(args[0], dict) and isinstance(args[0].get("code"), int):
            code = args[0]["code"]
            if not (1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999):
                _forced.append(code)
                args = ({"code": 4000}, *args[1:])
        return self.inner.close(*args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
