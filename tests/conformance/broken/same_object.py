"""M1: createWebSocket returns the same object every time."""

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "M1"
_only = Wrapper()


def createWebSocket() -> Wrapper:
    return _only


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
