"""CL2: close() with no options sends 1001 instead of 1000."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "CL2"


class Broken(Wrapper):
    def close(self, *args: Any) -> Any:
        if not args or callable(args[0]):
            return self.inner.close({"code": 1001}, *args)
        return self.inner.close(*args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
