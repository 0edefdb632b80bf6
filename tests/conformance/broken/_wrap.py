"""A transparent wrapper around impl's WebSocket; each broken module overrides one thing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import aiohttp

from impl import webSocket as reference
from impl.webSocket import WebSocketCloseOptions, WebSocketRequestOptions

__all__ = [
    "ConnectTracking",
    "OpenTracking",
    "Relaying",
    "WebSocketCloseOptions",
    "WebSocketRequestOptions",
    "Wrapper",
    "call_mapped",
    "force_ws_connect",
    "reference",
    "remap_close_code",
    "resolving",
    "settle_now",
    "split_callback",
]


class Wrapper:
    def __init__(self) -> None:
        self.inner = reference.createWebSocket()

    def connect(self, *args: Any) -> Any:
        return self.inner.connect(*args)

    def send(self, *args: Any) -> Any:
        return self.inner.send(*args)

    def close(self, *args: Any) -> Any:
        return self.inner.close(*args)

    def on(self, *args: Any) -> Any:
        return self.inner.on(*args)

    def off(self, *args: Any) -> Any:
        return self.inner.off(*args)


def resolving(result: Any, value: Any) -> Any:
    """A promise that settles when ``result`` does but resolves ``value`` (not a future: as is)."""
    if not asyncio.isfuture(result):
        return result
    out = result.get_loop().create_future()

    def settle(done: asyncio.Future[Any]) -> None:
        if done.cancelled():
            out.cancel()
        elif done.exception() is not None:
            out.set_exception(done.exception())  # type: ignore[arg-type]
        else:
            out.set_result(value)

    result.add_done_callback(settle)
    return out


def split_callback(args: tuple[Any, ...]) -> tuple[tuple[Any, ...], Any]:
    """``(rest, callback)``: the trailing callable of a call's arguments, if any."""
    if args and callable(args[-1]):
        return args[:-1], args[-1]
    return args, None


Mapper = Callable[[Any, Any], tuple[Any, Any]]


def call_mapped(method: Callable[..., Any], args: tuple[Any, ...], mapper: Mapper) -> Any:
    """Call ``method`` in callback style, pass its ``(err, value)`` through ``mapper``, and
    answer in the caller's style (the caller's callback, or a promise on its loop)."""
    rest, callback = split_callback(args)
    if callback is not None:
        method(*rest, lambda err=None, value=None: callback(*mapper(err, value)))
        return None
    future = asyncio.get_running_loop().create_future()

    def settle(err: Any = None, value: Any = None) -> None:
        err, value = mapper(err, value)
        if future.done():
            return
        if err is not None:
            future.set_exception(err)
        else:
            future.set_result(value)

    method(*rest, settle)
    return future


EVENTS = ("open", "message", "close", "error", "dataEnd", "headerReceive")


class Relaying(Wrapper):
    """Keeps the caller's subscriptions itself (in order) and gives impl one relay per event
    type, so a broken module can change how events are delivered by overriding ``deliver``.
    Exceptions in callbacks are logged, as impl does (EV10)."""

    def __init__(self) -> None:
        super().__init__()
        self.subs: dict[str, list[Any]] = {}
        self._relayed: set[str] = set()

    def on(self, event: Any, callback: Any) -> Any:
        if event not in EVENTS or not callable(callback):
            return self.inner.on(event, callback)  # impl's own argument errors
        if event not in self._relayed:
            self._relayed.add(event)
            self.inner.on(event, lambda *args: self.deliver(event, args))
        listeners = self.subs.setdefault(event, [])
        if callback not in listeners:
            listeners.append(callback)
        return None

    def off(self, event: Any, callback: Any = None) -> Any:
        if event not in EVENTS or (callback is not None and not callable(callback)):
            return self.inner.off(event, callback)
        listeners = self.subs.get(event, [])
        listeners[:] = [] if callback is None else [c for c in listeners if c != callback]
        return None

    def deliver(self, event: str, args: tuple[Any, ...]) -> None:
        for callback in list(self.subs.get(event, [])):
            self.call(callback, args)

    @staticmethod
    def call(callback: Any, args: tuple[Any, ...]) -> None:
        try:
            callback(*args)
        except Exception:
            logging.getLogger("impl.webSocket").exception("a callback raised")


def settle_now(args: tuple[Any, ...], err: Any, value: Any = None) -> Any:
    """Answer a call at once with ``(err, value)``, in the caller's style."""
    return call_mapped(lambda *a: a[-1](err, value), args, lambda e, v: (e, v))


class OpenTracking(Wrapper):
    """A wrapper that knows whether its connection is open (from impl's own events)."""

    def __init__(self) -> None:
        super().__init__()
        self.is_open = False
        self.closed_once = False
        self.inner.on("open", lambda err, value: setattr(self, "is_open", True))
        self.inner.on("close", lambda err, value: self._closed())

    def _closed(self) -> None:
        self.is_open = False
        self.closed_once = True


def force_ws_connect(**forced: Any) -> None:
    """Every ``aiohttp.ClientSession.ws_connect`` of this process gets ``forced`` keywords
    (the broken modules run each in a process of their own)."""
    original = aiohttp.ClientSession.ws_connect

    def patched(self: aiohttp.ClientSession, *args: Any, **kwargs: Any) -> Any:
        return original(self, *args, **{**kwargs, **forced})

    aiohttp.ClientSession.ws_connect = patched  # type: ignore[method-assign]


def remap_close_code(wrong: int, right: int) -> None:
    """aiohttp's own failing of a connection closes with ``right`` where it would say ``wrong``."""
    original = aiohttp.ClientWebSocketResponse.close

    async def close(self: aiohttp.ClientWebSocketResponse, *, code: int = 1000, **kw: Any) -> bool:
        return await original(self, code=right if code == wrong else code, **kw)

    aiohttp.ClientWebSocketResponse.close = close  # type: ignore[method-assign,assignment]


class ConnectTracking(Wrapper):
    """A wrapper that knows when its connection is connecting (after ``connect`` of a URL
    impl accepts, before ``'open'``, ``'error'`` or ``'close'``), and can run a step once it
    opens (``when_open``) or fails."""

    def __init__(self) -> None:
        super().__init__()
        self.connecting = False
        self._waiting: list[Callable[[bool], None]] = []
        self.inner.on("open", lambda err, value: self._settled(True))
        self.inner.on("error", lambda err: self._settled(False))
        self.inner.on("close", lambda err, value: self._settled(False))

    def _settled(self, opened: bool) -> None:
        self.connecting = False
        waiting, self._waiting = self._waiting, []
        for step in waiting:
            step(opened)

    def connect(self, url: Any, *args: Any) -> Any:
        if isinstance(url, str) and url.startswith(("ws://", "wss://")):
            self.connecting = True
        return self.inner.connect(url, *args)

    def when_open(self, step: Callable[[bool], None]) -> None:
        self._waiting.append(step)
