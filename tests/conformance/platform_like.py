"""An in-process stand-in for the shipped platform's timing: ``connect`` settles ``True`` at
the call, before the handshake (CN8/CN12), and ``send``/``close`` made while connecting are
queued until ``'open'`` (what communication_netstack does), failing if the connection fails.

Everything else is impl's. The suite must judge it without a single FAILED: a case that
talks on ``connect``'s settlement instead of on ``'open'`` races the handshake here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from yarl import URL

from tests.conformance.broken._wrap import (
    WebSocketCloseOptions,
    WebSocketRequestOptions,
    Wrapper,
    settle_now,
    split_callback,
)

__all__ = ["WebSocketCloseOptions", "WebSocketRequestOptions", "createWebSocket"]


class PlatformLike(Wrapper):
    def __init__(self) -> None:
        super().__init__()
        self.connecting = False
        self.queued: list[Callable[[bool], None]] = []
        self.inner.on("open", lambda err, value: self._flush(True))
        self.inner.on("error", lambda err: self._flush(False))
        self.inner.on("close", lambda err, value: self._flush(False))

    def _flush(self, opened: bool) -> None:
        self.connecting = False
        queued, self.queued = self.queued, []
        for run in queued:
            run(opened)

    def connect(self, url: Any, *args: Any) -> Any:
        rest, callback = split_callback(args)
        if not _valid_ws_url(url):  # refused at the call, as impl does
            return self.inner.connect(url, *args)
        self.connecting = True
        self.inner.connect(url, *rest, lambda err=None, value=None: None)
        return settle_now((callback,) if callback else (), None, True)

    def _later(self, method: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        """Run ``method(*args)`` once the connection opens; settle the caller then."""
        rest, callback = split_callback(args)
        future = None if callback else asyncio.get_running_loop().create_future()

        def settle(err: Any = None, value: Any = None) -> None:
            if callback is not None:
                callback(err, value)
            elif future is not None and not future.done():
                future.set_result(value) if err is None else future.set_exception(err)

        def run(opened: bool) -> None:
            # Opened: it goes out now. Failed: impl refuses it as "not open", as it should.
            method(*rest, settle)

        self.queued.append(run)
        return future

    def send(self, *args: Any) -> Any:
        if self.connecting:
            return self._later(self.inner.send, args)
        return self.inner.send(*args)

    def close(self, *args: Any) -> Any:
        if self.connecting:
            return self._later(self.inner.close, args)
        return self.inner.close(*args)


def _valid_ws_url(url: Any) -> bool:
    if not isinstance(url, str):
        return False
    try:
        parsed = URL(url)
    except ValueError:
        return False
    return parsed.scheme in ("ws", "wss") and bool(parsed.host)


def createWebSocket() -> PlatformLike:
    return PlatformLike()
