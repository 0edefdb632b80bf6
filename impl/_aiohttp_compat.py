"""Every use of a name aiohttp does not promise to keep, in one place, each one checked.

impl needs two things aiohttp's public API does not offer:

- **The parser hook** (``aiohttp.client_proto.ResponseHandler.set_parser``). The inbound guard
  (PR4 masked server frames, PR6 close reasons that are not UTF-8) must see the server's bytes
  before aiohttp's WebSocket parser does, from the first byte. A public trace hook
  (``on_request_end``) runs after the handshake response and before ``ws_connect`` hands the
  connection's protocol its WebSocket parser; the hook wraps that protocol's ``set_parser`` so
  the parser aiohttp installs is wrapped in turn.
- **The response** (``ClientWebSocketResponse._response``): to end TCP once the closing
  handshake is over without aiohttp writing another close frame, and for the reason phrase of
  the status line that the ``'open'`` value carries.

- **A connection over a socket impl opened** (``TCPConnector._create_connection``,
  ``_get_ssl_context``, ``_wrap_existing_connection``, ``_factory``): for the ``proxy``
  option (API 12) impl opens the ``CONNECT`` tunnel itself, for ws:// too (aiohttp sends ws://
  to a proxy as an absolute-form request, not the CONNECT RFC 6455 §4.1 asks for), and hands
  aiohttp the tunnel's socket.

If a new aiohttp renames any of these, the guard would silently not run and PR4/PR6 would be
gone without a word. So nothing here is best effort: ``check()`` runs at import and before each
connect, ``ParserHook.verify`` and ``response`` after each handshake, and a miss raises
``AiohttpIncompatible`` naming the aiohttp version and the name that is missing.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import client_proto

from .errors import OTHER_ERROR, BusinessError

AIOHTTP_VERSION: str = aiohttp.__version__
TESTED = "aiohttp 3.14.2 (the oldest the range allows) and 3.14.5"


class AiohttpIncompatible(BusinessError):
    """The installed aiohttp lacks a private name impl relies on (code 2302999)."""

    def __init__(self, what: str) -> None:
        self.aiohttp_version = AIOHTTP_VERSION
        super().__init__(
            OTHER_ERROR,
            f"impl cannot run on aiohttp {AIOHTTP_VERSION}: {what}. Without it the checks of "
            f"RFC 6455 that aiohttp's client skips (masked server frames, close reasons that "
            f"are not UTF-8: PR4, PR6) would be off. Tested with {TESTED}.",
        )


def check() -> None:
    """The names exist (cheap; at import, and again before each connect)."""
    handler = getattr(client_proto, "ResponseHandler", None)
    if handler is None:
        raise AiohttpIncompatible("aiohttp.client_proto.ResponseHandler is gone")
    if getattr(handler, "set_parser", None) is None:
        raise AiohttpIncompatible("aiohttp.client_proto.ResponseHandler.set_parser is gone")
    for name in ("_create_connection", "_get_ssl_context", "_wrap_existing_connection"):
        if not callable(getattr(aiohttp.TCPConnector, name, None)):
            raise AiohttpIncompatible(f"aiohttp.TCPConnector.{name} is gone")


class TunnelConnector(aiohttp.TCPConnector):
    """A connector whose one connection runs over ``sock``, a socket impl already connected
    (a proxy tunnel): TLS, when the URL asks for it, is made over it as aiohttp makes it."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__(force_close=True, limit=1)
        self._tunnel: socket.socket | None = sock
        if not callable(getattr(self, "_factory", None)):
            sock.close()
            raise AiohttpIncompatible("aiohttp.TCPConnector has no _factory")

    async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> Any:
        sock, self._tunnel = self._tunnel, None
        if sock is None:
            raise aiohttp.ClientConnectionError("the proxy tunnel was used already")
        try:
            sslcontext = self._get_ssl_context(req)
            _, proto = await self._wrap_existing_connection(
                self._factory,
                timeout=timeout,
                ssl=sslcontext,
                sock=sock,
                server_hostname=(
                    (req.server_hostname or req.host).rstrip(".") if sslcontext else None
                ),
                req=req,
            )
        except BaseException:  # failed or cancelled before a transport owned it (or after)
            sock.close()
            raise
        return proto

    async def close(self, *args: Any, **kwargs: Any) -> Any:
        if self._tunnel is not None:  # never used (the request failed before connecting)
            self._tunnel.close()
            self._tunnel = None
        return await super().close(*args, **kwargs)


Wrap = Callable[[Any], Any]


class ParserHook:
    """Hands the WebSocket parser aiohttp installs for one connection to ``wrap`` first."""

    def __init__(self, wrap: Wrap) -> None:
        self._wrap = wrap
        self.hooked = False  # the trace hook found set_parser on the connection's protocol
        self.took = False  # aiohttp called it: the wrapped parser is the one in use
        self.trace_config = aiohttp.TraceConfig()
        self.trace_config.on_request_end.append(self._on_request_end)

    async def _on_request_end(self, _: Any, __: Any, params: aiohttp.TraceRequestEndParams) -> None:
        connection = getattr(params.response, "connection", None)
        protocol = getattr(connection, "protocol", None)
        original = getattr(protocol, "set_parser", None)
        if original is None:
            return  # verify() says what is missing

        def set_parser(parser: Any, *args: Any, **kwargs: Any) -> Any:
            self.took = True
            return original(self._wrap(parser), *args, **kwargs)

        protocol.set_parser = set_parser  # type: ignore[union-attr]
        self.hooked = True

    def verify(self) -> None:
        """After ``ws_connect``: the parser in use is the wrapped one, or AiohttpIncompatible."""
        if not self.hooked:
            raise AiohttpIncompatible(
                "the on_request_end trace hook did not run, or the response's "
                "connection.protocol has no set_parser"
            )
        if not self.took:
            raise AiohttpIncompatible(
                "ws_connect did not install its WebSocket parser through the protocol's set_parser"
            )


def response(ws: aiohttp.ClientWebSocketResponse) -> aiohttp.ClientResponse:
    """The handshake response behind ``ws`` (private ``_response``), or AiohttpIncompatible."""
    found = getattr(ws, "_response", None)
    if not isinstance(found, aiohttp.ClientResponse):
        raise AiohttpIncompatible("ClientWebSocketResponse._response is gone")
    return found


def release_transport(ws: aiohttp.ClientWebSocketResponse) -> None:
    """End the TCP connection without another close frame.

    aiohttp has no public call for "the closing handshake is done, drop the socket": its
    ``close()`` always writes a close frame first. ``response`` was checked at connect.
    """
    response(ws).close()


def abort_transport(ws: aiohttp.ClientWebSocketResponse) -> None:
    """Drop the connection at once, unflushed: for a peer that stopped answering (CL7).

    ``release_transport`` closes politely, and over TLS a polite close waits for the peer's
    close_notify, which a peer that stopped reading never sends: the close timeout would not
    hold. ``ClientResponse.connection`` and ``Connection.transport`` are public.
    """
    connection = response(ws).connection
    transport = connection.transport if connection is not None else None
    if transport is not None:
        transport.abort()
    release_transport(ws)


check()
