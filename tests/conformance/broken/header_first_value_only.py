"""HR2: a header the server sent more than once keeps only its first value (the shipped
platform's std::map)."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "HR2"
API_FEATURES = reference.API_FEATURES


class Broken(Wrapper):
    def on(self, event: Any, callback: Any) -> Any:
        if event == "headerReceive" and callable(callback):

            def first_only(headers: dict[str, Any]) -> None:
                callback({k: v[0] if isinstance(v, list) else v for k, v in headers.items()})

            return self.inner.on(event, first_only)
        return self.inner.on(event, callback)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["API_FEATURES", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
