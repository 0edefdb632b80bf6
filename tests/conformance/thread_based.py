"""A port on a thread-based library: a good implementation whose connections live on an I/O
thread of its own, not on the caller's loop.

Every ``connect``/``send``/``close`` is handed to the library's thread (one asyncio loop
there, for the whole process), so impl runs on that loop: callbacks and subscribers are
called on the library's thread, and a subscriber's exception is logged there with
``logging.exception`` (impl's ``invoke``). A promise settles on the library's thread and is
relayed to the caller's loop (or handed over as a ``concurrent.futures.Future`` to a caller
without one). ``on``/``off`` register at once, from any thread.

The suite must judge it the same in-process and through ``conformance.drivers.python``:
EV10 (the exception is reported) holds whichever thread logged it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from typing import Any

from impl import webSocket as reference
from tests.conformance.broken._wrap import (
    WebSocketCloseOptions,
    WebSocketRequestOptions,
    split_callback,
)

__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]

CALL_TIMEOUT = 5.0  # how long a caller waits for the library's thread to take a call


class _IoThread:
    """The library's I/O thread: started on first use, a daemon, one loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=loop.run_forever, name="thread-based-io", daemon=True
                )
                self._thread.start()
                self._loop = loop
            return self._loop

    def here(self) -> bool:
        return self._thread is not None and threading.current_thread() is self._thread


_IO = _IoThread()


def _mark_retrieved(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


class ThreadBased:
    def __init__(self) -> None:
        self.inner = reference.createWebSocket()

    def on(self, *args: Any) -> Any:
        return self.inner.on(*args)

    def off(self, *args: Any) -> Any:
        return self.inner.off(*args)

    def connect(self, *args: Any) -> Any:
        return self._on_io_thread(self.inner.connect, args)

    def send(self, *args: Any) -> Any:
        return self._on_io_thread(self.inner.send, args)

    def close(self, *args: Any) -> Any:
        return self._on_io_thread(self.inner.close, args)

    @staticmethod
    def _on_io_thread(method: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        """Call ``method(*args)`` on the library's thread; raise what it raised there, and
        turn a promise of that loop into one the caller can await."""
        if _IO.here():  # a callback calling back in: already on the library's thread
            return method(*args)
        try:
            caller: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            caller = None
        _, callback = split_callback(args)
        taken: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def start() -> None:
            try:
                returned = method(*args)
            except BaseException as exc:  # raised at once: raise it to the caller
                taken.set_exception(exc)
                return
            if callback is not None or not asyncio.isfuture(returned):
                taken.set_result(returned)
                return
            relayed: concurrent.futures.Future[Any] = concurrent.futures.Future()

            def relay(done: asyncio.Future[Any]) -> None:
                if done.cancelled():
                    relayed.cancel()
                elif done.exception() is not None:
                    relayed.set_exception(done.exception())  # type: ignore[arg-type]
                else:
                    relayed.set_result(done.result())

            returned.add_done_callback(relay)
            taken.set_result(relayed)

        _IO.loop().call_soon_threadsafe(start)
        returned = taken.result(CALL_TIMEOUT)
        if isinstance(returned, concurrent.futures.Future) and caller is not None:
            promise = asyncio.wrap_future(returned, loop=caller)
            promise.add_done_callback(_mark_retrieved)  # an ignored rejection stays silent
            return promise
        return returned


def createWebSocket() -> ThreadBased:
    return ThreadBased()
