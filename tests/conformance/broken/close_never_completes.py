"""CL7: close waits 10 minutes for a server that never answers, while the module declares 5 s."""

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "CL7"
CLOSE_TIMEOUT_S = 5.0  # what it claims; the real one is 600 s


class Broken(Wrapper):
    def __init__(self) -> None:
        self.inner = reference.createWebSocket(close_timeout=600.0)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
