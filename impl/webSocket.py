"""The public API: ``createWebSocket()`` and the ``WebSocket`` object (contract M1–M2).

This module only resolves overloads and checks arguments; the connection's life is in
``connection``, loops and promises in ``runtime``, subscribers in ``events``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from yarl import URL

from .connection import (
    DEFAULT_CLOSE_TIMEOUT,
    DEFAULT_HANDSHAKE_TIMEOUT,
    CloseValue,
    Connection,
    OpenValue,
    State,
)
from .errors import (
    ALREADY_CONNECTED,
    OTHER_ERROR,
    PARAMETER_ERROR,
    URL_ERROR,
    BusinessError,
    parameter_error,
)
from .events import EventRegistry
from .options import (
    WebSocketCloseOptions,
    WebSocketRequestOptions,
    close_arguments,
    request_headers,
)
from .runtime import Call

__all__ = [
    "PARAMETER_ERROR",
    "BusinessError",
    "CloseValue",
    "OpenValue",
    "WebSocket",
    "WebSocketCloseOptions",
    "WebSocketRequestOptions",
    "createWebSocket",
]

Callback = Callable[..., Any]


def _split_callback(
    args: tuple[Any, ...], most: int
) -> tuple[list[Any], Callback | None, BusinessError | None]:
    """JS-style overloads: a trailing callable is the callback; at most ``most`` others."""
    rest = list(args)
    callback = rest.pop() if rest and callable(rest[-1]) else None
    if len(rest) > most:
        return rest, callback, parameter_error(f"unexpected arguments {rest[most:]!r}")
    return rest, callback, None


def _check_url(url: object) -> str:
    if not isinstance(url, str):
        raise parameter_error(f"url must be a string, not {type(url).__name__}")
    try:
        parsed = URL(url)
    except (ValueError, TypeError) as exc:
        raise BusinessError(URL_ERROR, f"cannot parse {url!r}") from exc
    if parsed.scheme not in ("ws", "wss") or not parsed.host:
        raise BusinessError(URL_ERROR, f"{url!r} is not a ws:// or wss:// URL")
    return url


class WebSocket:
    """A client WebSocket; one connection at a time, reconnectable after 'close' (CN11)."""

    def __init__(
        self,
        *,
        close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
        handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT,
    ) -> None:
        self.close_timeout = close_timeout
        self.handshake_timeout = handshake_timeout
        self._events = EventRegistry()
        self._connection: Connection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # owner of the live connection

    # -- subscriptions (errors raise at once: EV9) -----------------------------------------

    def on(self, type: str, callback: Callback) -> None:
        self._events.on(type, callback)

    def off(self, type: str, callback: Callback | None = None) -> None:
        self._events.off(type, callback)

    # -- calls (errors reach the callback or the promise) ----------------------------------

    def connect(self, url: Any, *args: Any) -> Any:
        """connect(url, callback) | connect(url, options, callback) | connect(url, options?)."""
        rest, callback, error = _split_callback(args, most=1)
        if error is not None:
            return self._fail(error, callback)
        options = rest[0] if rest else None
        call = Call(self._loop, callback)
        return call.start(lambda c: self._connect(c, url, options))

    def send(self, data: Any, *args: Any) -> Any:
        """send(data, callback) | send(data): data is str or bytes-like (API 8)."""
        _, callback, error = _split_callback(args, most=0)
        if error is not None:
            return self._fail(error, callback)
        call = Call(self._loop, callback)
        return call.start(lambda c: self._send(c, data))

    def close(self, *args: Any) -> Any:
        """close(callback) | close(options, callback) | close(options?)."""
        rest, callback, error = _split_callback(args, most=1)
        if error is not None:
            return self._fail(error, callback)
        options = rest[0] if rest else None
        call = Call(self._loop, callback)
        return call.start(lambda c: self._close(c, options))

    def _fail(self, error: BusinessError, callback: Callback | None) -> Any:
        async def reject(call: Call) -> None:
            call.settle(error)

        return Call(self._loop, callback).start(reject)

    # -- the work, on the owner loop -------------------------------------------------------

    def _emit(self, event: str, *args: Any) -> None:
        self._events.emit(event, *args)

    async def _connect(self, call: Call, url: object, options: object) -> None:
        try:
            checked_url = _check_url(url)
            headers = request_headers(options)
            if self._connection is not None and self._connection.state is not State.CLOSED:
                raise BusinessError(ALREADY_CONNECTED, "connecting or connected already")
        except BusinessError as exc:
            call.settle(exc)
            return
        connection = Connection(self._emit, self.close_timeout, self.handshake_timeout)
        self._connection = connection
        self._loop = call.loop
        try:
            await connection.open(checked_url, headers)
        except BusinessError as exc:
            self._loop = None
            call.settle(exc)
            return
        call.settle(None, True)  # after 'open' (CN12): a send right after connect works
        try:
            await connection.run()  # this call keeps a synchronous caller's loop alive
        finally:
            if self._connection is connection:
                self._loop = None

    def _live_connection(self) -> Connection:
        if self._connection is None:
            raise BusinessError(OTHER_ERROR, "not connected")
        return self._connection

    async def _send(self, call: Call, data: object) -> None:
        async def work() -> None:
            if not isinstance(data, (str, bytes, bytearray, memoryview)):
                raise parameter_error(f"data must be str or bytes-like, not {type(data)}")
            await self._live_connection().send(data)

        await _settle(call, work())

    async def _close(self, call: Call, options: object) -> None:
        async def work() -> None:
            code, reason = close_arguments(options)
            await self._live_connection().close(code, reason)

        await _settle(call, work())


async def _settle(call: Call, work: Awaitable[None]) -> None:
    """Settle ``call`` with True once ``work`` is done, or with the BusinessError it raised."""
    try:
        await work
    except BusinessError as exc:
        call.settle(exc)
        return
    call.settle(None, True)


def createWebSocket(
    *,
    close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
    handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT,
) -> WebSocket:
    """A new, independent WebSocket (M1). The keywords are this implementation's own knobs."""
    return WebSocket(close_timeout=close_timeout, handshake_timeout=handshake_timeout)
