"""PX2: ws:// goes to the proxy as an absolute-form GET (aiohttp's own way), not CONNECT."""

from typing import Any

import aiohttp

import impl.connection
import impl.proxy
from impl.connection import Connection
from impl.options import ConnectOptions

from ._wrap import WebSocketCloseOptions, WebSocketRequestOptions, Wrapper, reference

CLAUSE = "PX2"
API_FEATURES = reference.API_FEATURES
_new_session = Connection._new_session


class _ProxySession(aiohttp.ClientSession):
    proxy_url = ""

    def ws_connect(self, *args: Any, **kwargs: Any) -> Any:
        return super().ws_connect(*args, proxy=self.proxy_url, **kwargs)


async def _absolute_form(self: Connection, url: str, options: ConnectOptions) -> Any:
    via = impl.proxy.route(url, options.proxy)
    if via is None or not url.startswith("ws:"):
        return await _new_session(self, url, options)
    session = _ProxySession(
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.handshake_timeout),
        trace_configs=[self._parser_hook.trace_config],
    )
    session.proxy_url = f"http://{via.host}:{via.port}"
    return session


impl.connection.Connection._new_session = _absolute_form  # type: ignore[method-assign]


def createWebSocket() -> Wrapper:
    return Wrapper()


__all__ = ["API_FEATURES", "WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]
