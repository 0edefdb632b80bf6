"""PR10: the server's close frame is never answered: the client drops TCP instead."""

from typing import Any

import aiohttp

from impl import connection

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper

CLAUSE = "PR10"
_on_peer_close = connection.Connection._on_peer_close


async def _drop_instead(
    self: connection.Connection, ws: aiohttp.ClientWebSocketResponse, code: int, reason: str
) -> Any:
    if self.state is connection.State.CLOSING:  # the answer to our own close: as impl does
        return await _on_peer_close(self, ws, code, reason)
    connection._release_transport(ws)
    return connection.CloseValue(code or 1005, reason), None


connection.Connection._on_peer_close = _drop_instead  # type: ignore[method-assign]


class Broken(Wrapper):
    pass


def createWebSocket() -> Broken:
    return Broken()


__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
