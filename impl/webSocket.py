"""The public API: ``createWebSocket()`` and the ``WebSocket`` object (contract M1–M2).

This module only resolves overloads and checks arguments; the connection's life is in
``connection``, loops and promises in ``runtime``, subscribers in ``events``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
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
    ClientCert,
    WebSocketCloseOptions,
    WebSocketRequestOptions,
    close_arguments,
    connect_options,
)
from .runtime import Call

__all__ = [
    "API_FEATURES",
    "CLOSE_TIMEOUT_S",
    "HANDSHAKE_TIMEOUT_S",
    "PARAMETER_ERROR",
    "BusinessError",
    "ClientCert",
    "CloseValue",
    "OpenValue",
    "WebSocket",
    "WebSocketCloseOptions",
    "WebSocketRequestOptions",
    "createWebSocket",
]

Callback = Callable[..., Any]

# The defaults, declared for whoever drives this module (a conformance driver's ``hello``):
# close() completes within CLOSE_TIMEOUT_S when the server never answers its close frame, and
# a handshake the server never answers fails within HANDSHAKE_TIMEOUT_S.
CLOSE_TIMEOUT_S = DEFAULT_CLOSE_TIMEOUT
HANDSHAKE_TIMEOUT_S = DEFAULT_HANDSHAKE_TIMEOUT
# The later API's optional features this implementation has (conformance/apifeatures.py names
# them), declared so a driver's hello can say so.
API_FEATURES = (
    "dataEnd",
    "headerReceive",
    "protocol",
    "skipServerCertVerification",
    "pingInterval",
    "caPath",
    "clientCert",
    "proxy",
)


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
        # Calls come from any thread; the connection lives on one loop. ``_lock`` makes the pair
        # (connection, the loop that owns it) change and be read as one: set by a connect, on
        # its loop, cleared there when that connection is over.
        self._lock = threading.Lock()
        self._connection: Connection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # owner of the live connection
        self._opening: asyncio.Event | None = None  # set once the connection's handshake is over

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
        call = self._call(callback)
        return call.start(self._connect, url, options)

    def send(self, data: Any, *args: Any) -> Any:
        """send(data, callback) | send(data): data is str or bytes-like (API 8)."""
        _, callback, error = _split_callback(args, most=0)
        if error is not None:
            return self._fail(error, callback)
        call = self._call(callback)
        return call.start(self._send, data)

    def close(self, *args: Any) -> Any:
        """close(callback) | close(options, callback) | close(options?)."""
        rest, callback, error = _split_callback(args, most=1)
        if error is not None:
            return self._fail(error, callback)
        options = rest[0] if rest else None
        call = self._call(callback)
        return call.start(self._close, options)

    def _fail(self, error: BusinessError, callback: Callback | None) -> Any:
        async def reject(call: Call) -> None:
            call.settle(error)

        return self._call(callback).start(reject)

    def _call(self, callback: Callback | None) -> Call:
        """A call on the loop that owns the connection (if any), chosen under the lock: that
        loop, if it is the library's own, is then held running until the call is over."""
        with self._lock:
            return Call(self._loop, callback)

    # -- the work, on the owner loop -------------------------------------------------------

    async def _connect(self, call: Call, url: object, options: object) -> None:
        try:
            checked_url = _check_url(url)
            checked = connect_options(options)
            connection = Connection(self._events.emit, self.close_timeout, self.handshake_timeout)
            opening = asyncio.Event()
            with self._lock:  # check and claim at once: two threads may connect together
                current, owner = self._connection, self._loop
                if (
                    current is not None
                    and current.state is not State.CLOSED
                    and not (owner is not None and owner.is_closed())
                ):
                    raise BusinessError(ALREADY_CONNECTED, "connecting or connected already")
                self._connection, self._loop, self._opening = connection, call.loop, opening
        except BusinessError as exc:
            call.settle(exc)
            return
        try:
            await connection.open(checked_url, checked)
        except BusinessError as exc:
            self._disown(connection)
            call.settle(exc)
            return
        except BaseException:  # cancelled, or discarded with its loop
            self._disown(connection)
            raise
        finally:
            opening.set()
        call.settle(None, True)  # after 'open' (CN12): a send right after connect works
        try:
            await connection.run()  # this call keeps a synchronous caller's loop alive
        finally:
            self._disown(connection)

    def _disown(self, connection: Connection) -> None:
        with self._lock:
            if self._connection is connection:
                self._loop = None

    def _live_connection(self) -> Connection:
        """The connection, if it lives on this loop. A call that chose its loop before a
        connect claimed another one comes before that connect: not connected."""
        with self._lock:
            connection, owner = self._connection, self._loop
        if connection is None:
            raise BusinessError(OTHER_ERROR, "not connected")
        if owner is not asyncio.get_running_loop():  # over, or owned by a loop claimed later
            raise BusinessError(OTHER_ERROR, "the connection is not open")
        return connection

    async def _send(self, call: Call, data: object) -> None:
        try:
            if not isinstance(data, (str, bytes, bytearray, memoryview)):
                raise parameter_error(f"data must be str or bytes-like, not {type(data)}")
            await self._live_connection().send(data)
        except BusinessError as exc:
            call.settle(exc)
            return
        call.settle(None, True)

    async def _close(self, call: Call, options: object) -> None:
        try:
            code, reason = close_arguments(options)
            connection = self._live_connection()
            opening = self._opening
            if connection.state is State.CONNECTING and opening is not None:
                # close() while connecting closes the connection once it is open (or fails
                # as "not open" if it never opens), rather than leave it open behind the call.
                await opening.wait()
            await connection.close(code, reason)
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
