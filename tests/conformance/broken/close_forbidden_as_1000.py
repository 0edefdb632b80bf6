"""CL8: a forbidden close code is sent as 1000 and close succeeds (the shipped platform)."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "CL8"


def _allowed(code: int) -> bool:
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999


class Broken(Wrapper):
    def close(self, *args: Any) -> Any:
        if args and isinstance(args[0], dict):
            code, reason = args[0].get("code", 1000), args[0].get("reason", "")
            bad_code = isinstance(code, int) and not _allowed(code)
            if bad_code or (isinstance(reason, str) and len(reason.encode()) > 123):
                args = ({"code": 1000}, *args[1:])
        return self.inner.close(*args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
