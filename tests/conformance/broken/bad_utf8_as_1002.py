"""PR5: a failed connection is closed with 1002 instead of 1007."""

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, remap_close_code

CLAUSE = "PR5"
remap_close_code(1007, 1002)


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
