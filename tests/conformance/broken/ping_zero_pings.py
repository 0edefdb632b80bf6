"""pingInterval 0 does not disable the heartbeat: it pings every second."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "KA3"
API_FEATURES = reference.API_FEATURES


class Broken(Wrapper):
    def connect(self, url: Any, *args: Any) -> Any:
        if args and isinstance(args[0], dict):
            args = (_options(dict(args[0])), *args[1:])
        return self.inner.connect(url, *args)


def _options(options: dict[str, Any]) -> dict[str, Any]:
    if options.get("pingInterval") == 0:
        options["pingInterval"] = options["pongTimeout"] = 1
    return options


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["API_FEATURES", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
