"""HR3: 'headerReceive' gives header names capitalised (X-Api-Case), not lower-case."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "HR3"
API_FEATURES = reference.API_FEATURES


class Broken(Wrapper):
    def on(self, event: Any, callback: Any) -> Any:
        if event == "headerReceive" and callable(callback):

            def capitalised(headers: dict[str, Any]) -> None:
                callback({k.title(): v for k, v in headers.items()})

            return self.inner.on(event, capitalised)
        return self.inner.on(event, callback)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["API_FEATURES", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
