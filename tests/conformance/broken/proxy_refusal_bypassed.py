"""PX5: when the proxy refuses the tunnel, the connection goes direct instead of failing."""

import asyncio
import socket

import impl.proxy
from impl.errors import BusinessError
from impl.proxy import ProxyChoice

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "PX5"
API_FEATURES = reference.API_FEATURES
_tunnel = impl.proxy.open_tunnel


async def _or_direct(proxy: ProxyChoice, host: str, port: int) -> socket.socket:
    try:
        return await _tunnel(proxy, host, port)
    except BusinessError:
        sock = socket.socket()
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (host, port))
        return sock


impl.proxy.open_tunnel = _or_direct  # type: ignore[assignment]


def createWebSocket() -> Wrapper:
    return Wrapper()


__all__ = ["API_FEATURES", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
