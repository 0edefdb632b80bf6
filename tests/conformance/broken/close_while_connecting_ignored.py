"""CL10: close while connecting settles with success and does nothing: the connection opens
and stays open behind the call."""

from typing import Any

from ._wrap import ConnectTracking, WebSocketCloseOptions, WebSocketRequestOptions, settle_now

CLAUSE = "CL10"


class Broken(ConnectTracking):
    def close(self, *args: Any) -> Any:
        if self.connecting:
            rest = args[1:] if args and not callable(args[0]) else args
            return settle_now(rest, None, True)
        return self.inner.close(*args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
