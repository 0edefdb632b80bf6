"""CL3: close sends the given code but drops the reason."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "CL3"


class Broken(Wrapper):
    def close(self, *args: Any) -> Any:
        rest = [
            WebSocketCloseOptions(code=a.code) if isinstance(a, WebSocketCloseOptions) else a
            for a in args
        ]
        rest = [
            {k: v for k, v in a.items() if k != "reason"} if isinstance(a, dict) else a
            for a in rest
        ]
        return self.inner.close(*rest)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
