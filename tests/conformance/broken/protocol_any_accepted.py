"""SP3: any Sec-WebSocket-Protocol answer is taken, offered or not (aiohttp's own rule)."""

import impl.connection

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "SP3"
API_FEATURES = reference.API_FEATURES


def _anything(offered: tuple[str, ...], chosen: list[str]) -> str | None:
    return None


impl.connection.subprotocol_error = _anything  # type: ignore[assignment]


def createWebSocket() -> Wrapper:
    return Wrapper()


__all__ = ["API_FEATURES", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
