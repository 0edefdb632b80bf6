"""CL5: close when not connected (or twice) succeeds."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, call_mapped

CLAUSE = "CL5"


def _always_true(err: Any, value: Any) -> tuple[Any, Any]:
    return (None, True) if getattr(err, "code", None) == 2302999 else (err, value)


class Broken(Wrapper):
    def close(self, *args: Any) -> Any:
        return call_mapped(self.inner.close, args, _always_true)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
