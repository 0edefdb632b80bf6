"""CN10: a URL that is not ws:// fails with 2302999, not 2302001."""

from typing import Any

from impl.errors import OTHER_ERROR, URL_ERROR, BusinessError

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, call_mapped

CLAUSE = "CN10"


def _other(err: Any, value: Any) -> tuple[Any, Any]:
    if getattr(err, "code", None) == URL_ERROR:
        return BusinessError(OTHER_ERROR, "broken on purpose"), value
    return err, value


class Broken(Wrapper):
    def connect(self, url: Any, *args: Any) -> Any:
        return call_mapped(lambda *a: self.inner.connect(url, *a), args, _other)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
