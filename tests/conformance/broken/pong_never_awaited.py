"""KA2: the heartbeat pings but never gives up on a server that does not answer."""

import asyncio

import aiohttp

import impl.connection
from impl.connection import Connection, State

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "KA2"
API_FEATURES = reference.API_FEATURES


async def _pings_only(self: Connection, ws: aiohttp.ClientWebSocketResponse) -> None:
    while self.state is State.OPEN:
        await asyncio.sleep(self._ping_interval)
        await ws.ping(b"")


impl.connection.Connection._keepalive = _pings_only  # type: ignore[method-assign]


def createWebSocket() -> Wrapper:
    return Wrapper()


__all__ = ["API_FEATURES", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
