"""CL11 (INFO): close while connecting fails with 2302999 and the connection opens as usual
(the reference defers the close instead): allowed, observed as INFORMATIONAL."""

from typing import Any

from impl.errors import OTHER_ERROR, BusinessError

from ._wrap import ConnectTracking, WebSocketCloseOptions, WebSocketRequestOptions, settle_now

CLAUSE = "CL11"


class Broken(ConnectTracking):
    def close(self, *args: Any) -> Any:
        if self.connecting:
            rest = args[1:] if args and not callable(args[0]) else args
            return settle_now(rest, BusinessError(OTHER_ERROR, "Websocket other unknown error"))
        return self.inner.close(*args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
