"""CA1: caPath is dropped: only the default trust store is used."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "CA1"
API_FEATURES = reference.API_FEATURES


class Broken(Wrapper):
    def connect(self, url: Any, *args: Any) -> Any:
        if args and isinstance(args[0], dict) and "caPath" in args[0]:
            args = ({k: v for k, v in args[0].items() if k != "caPath"}, *args[1:])
        return self.inner.connect(url, *args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["API_FEATURES", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
