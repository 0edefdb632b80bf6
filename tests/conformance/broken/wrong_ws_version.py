"""PR1: the handshake says Sec-WebSocket-Version: 8."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "PR1"


class Broken(Wrapper):
    def connect(self, url: Any, *args: Any) -> Any:
        options = args[0] if args and isinstance(args[0], dict) else None
        header = {**((options or {}).get("header") or {}), "Sec-WebSocket-Version": "8"}
        rest = args[1:] if options is not None else args
        return self.inner.connect(url, {**(options or {}), "header": header}, *rest)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
