"""CN8: a connection that cannot be established still settles connect with success."""

from typing import Any

from impl.errors import OTHER_ERROR

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, call_mapped

CLAUSE = "CN8"


def _success_on_failure(err: Any, value: Any) -> tuple[Any, Any]:
    if err is not None and getattr(err, "code", None) == OTHER_ERROR:
        return None, True
    return err, value


class Broken(Wrapper):
    def connect(self, url: Any, *args: Any) -> Any:
        return call_mapped(lambda *a: self.inner.connect(url, *a), args, _success_on_failure)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
