"""PR3: pings are never answered."""

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, force_ws_connect

CLAUSE = "PR3"
force_ws_connect(autoping=False)


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
