"""PR4: a failed connection is closed with 1000 instead of 1002."""

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, remap_close_code

CLAUSE = "PR4"
remap_close_code(1002, 1000)


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
