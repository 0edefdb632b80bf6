"""PR7: permessage-deflate is offered in the handshake."""

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, force_ws_connect

CLAUSE = "PR7"
force_ws_connect(compress=15)


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
