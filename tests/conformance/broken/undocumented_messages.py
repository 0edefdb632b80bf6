"""ER2: error messages are not the documented texts."""

import impl.errors

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "ER2"

for code in impl.errors.MESSAGES:
    impl.errors.MESSAGES[code] = f"error {code}"


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
