"""SD11: send when not open fails with -1, as the shipped platform does."""

from typing import Any

from impl.errors import OTHER_ERROR, BusinessError

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, call_mapped

CLAUSE = "SD11"


def _minus_one(err: Any, value: Any) -> tuple[Any, Any]:
    if getattr(err, "code", None) == OTHER_ERROR:
        err = BusinessError(OTHER_ERROR, "broken on purpose")
        err.code = -1
    return err, value


class Broken(Wrapper):
    def send(self, data: Any, *args: Any) -> Any:
        return call_mapped(lambda *a: self.inner.send(data, *a), args, _minus_one)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
