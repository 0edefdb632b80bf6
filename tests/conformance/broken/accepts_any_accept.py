"""PR2: any Sec-WebSocket-Accept (or none) is taken."""

import base64
from typing import Any

import aiohttp.client

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "PR2"


class _Anything(str):
    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = str.__hash__


class _Digest(bytes):
    def decode(self, *args: Any, **kwargs: Any) -> str:
        return _Anything(bytes.decode(self, *args, **kwargs))


class _Base64:
    def __getattr__(self, name: str) -> Any:
        return getattr(base64, name)

    @staticmethod
    def b64encode(data: bytes, *args: Any) -> bytes:
        encoded = base64.b64encode(data, *args)
        return _Digest(encoded) if len(data) == 20 else encoded  # 20 bytes: the accept digest


aiohttp.client.base64 = _Base64()  # type: ignore[assignment]


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
