"""EV13: incoming messages over 8 MiB fail the connection (1009)."""

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, force_ws_connect

CLAUSE = "EV13"
force_ws_connect(max_msg_size=8 * 1024 * 1024)


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
