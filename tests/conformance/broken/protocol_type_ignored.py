"""SP5: a protocol option that is not a string is dropped instead of refused with 401."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "SP5"
API_FEATURES = reference.API_FEATURES


class Broken(Wrapper):
    def connect(self, url: Any, *args: Any) -> Any:
        if args and isinstance(args[0], dict) and "protocol" in args[0]:
            if not isinstance(args[0]["protocol"], str):
                args = ({k: v for k, v in args[0].items() if k != "protocol"}, *args[1:])
        return self.inner.connect(url, *args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["API_FEATURES", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
