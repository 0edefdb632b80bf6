"""The proxy option is dropped: every connection goes direct."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "PX1"
API_FEATURES = reference.API_FEATURES


class Broken(Wrapper):
    def connect(self, url: Any, *args: Any) -> Any:
        if args and isinstance(args[0], dict) and "proxy" in args[0]:
            args = (_options(dict(args[0])), *args[1:])
        return self.inner.connect(url, *args)


def _options(options: dict[str, Any]) -> dict[str, Any]:
    options.pop("proxy")
    return options


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["API_FEATURES", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
