"""CL1: close(callback) reports an error even when the close succeeded."""

from typing import Any

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "CL1"


class Broken(Wrapper):
    def close(self, *args: Any) -> Any:
        if args and callable(args[-1]):
            callback = args[-1]

            def with_error(err: Any = None, value: Any = None) -> None:
                callback(err if err is not None else RuntimeError("closed"), value)

            return self.inner.close(*args[:-1], with_error)
        return self.inner.close(*args)


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
