"""Which event loop runs a call, and what a promise is in Python.

Inside a running asyncio loop the API behaves like asyncio code: work runs on that loop and a
promise is an ``asyncio.Future``. From plain synchronous code (the seed's complete example as a
script) there is no loop, so the library runs one in a thread of its own. That thread is not a
daemon: like Node keeping a process alive while a socket is open, it holds the interpreter
open while any connection or call is in flight, and it stops itself as soon as nothing is.

Every call that runs on the library's loop holds it (a lease, counted under a lock) from the
moment the call chooses it until its work is over, whichever thread the call came from; so
no call is ever handed to a loop that is stopping. A call's work is a task of its loop:
eager on Python 3.12+, a plain task on 3.11 (``_start_task``); none is stepped by hand.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
import threading
import weakref
from collections.abc import Callable, Coroutine
from typing import Any

from .events import invoke


def running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class _BackgroundLoop:
    """The library's own loop thread for synchronous callers; lives only while busy."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._busy = 0
        self._past: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()

    def acquire(self) -> asyncio.AbstractEventLoop:
        """A running background loop, kept alive until the matching ``release``."""
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()
                thread = threading.Thread(
                    target=self._run, args=(loop, ready), name="impl.webSocket-loop"
                )
                thread.start()
                ready.wait(5.0)
                self._loop = loop
                self._past.add(loop)
            self._busy += 1
            return self._loop

    def lease(self, loop: asyncio.AbstractEventLoop) -> bool | None:
        """Keep ``loop`` alive until ``release`` if it is the running background loop (True).

        None: ``loop`` is not the library's. False: it was, and is stopping or stopped; a call
        sent there would never run.
        """
        with self._lock:
            if loop is self._loop:
                self._busy += 1
                return True
            return False if loop in self._past else None

    def release(self) -> None:
        with self._lock:
            self._busy -= 1
            if self._busy == 0 and self._loop is not None:
                loop, self._loop = self._loop, None
                loop.call_soon_threadsafe(loop.stop)

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


background = _BackgroundLoop()


def _mark_retrieved(future: asyncio.Future[Any]) -> None:
    """A rejected promise nobody awaited must not print 'exception was never retrieved'."""
    if not future.cancelled():
        future.exception()


class Call:
    """One API call: the loop it runs on, and how its outcome reaches the caller."""

    def __init__(
        self, owner: asyncio.AbstractEventLoop | None, callback: Callable[..., Any] | None
    ):
        caller = running_loop()
        self.callback = callback
        self._held = False
        loop = None
        for candidate in (owner, caller):
            if candidate is None or candidate.is_closed():
                continue
            held = background.lease(candidate)  # the library's own loop: keep it running
            if held is not False:
                loop, self._held = candidate, bool(held)
                break
        if loop is None:
            loop, self._held = background.acquire(), True
        self.loop: asyncio.AbstractEventLoop = loop
        self._caller = caller
        self.eager = False  # True while the work runs synchronously inside the API call
        self._async_future: asyncio.Future[Any] | None = None
        self._thread_future: concurrent.futures.Future[Any] | None = None
        self.returned: Any = None
        if callback is None:
            if caller is self.loop:
                self._async_future = self.loop.create_future()
                self.returned = self._async_future
            else:
                self._thread_future = concurrent.futures.Future()
                if caller is not None:  # a second loop awaits a call owned by another loop
                    wrapped = asyncio.wrap_future(self._thread_future, loop=caller)
                    wrapped.add_done_callback(_mark_retrieved)
                    self.returned = wrapped
                else:
                    self.returned = self._thread_future

    def start(self, work: Callable[..., Coroutine[Any, Any, None]], *args: Any) -> Any:
        """Run ``work(self, *args)`` on the call's loop; returns the promise (or None).

        On the caller's own loop the work is a task of that loop (eager on Python 3.12+: it
        runs at once, up to its first real wait; see ``_start_task``); on another loop (the
        owner's, or the library's own) it is handed over thread-safely.
        """
        coro = work(self, *args)
        if self._held:
            coro = self._guarded(coro)
        if self.loop is self._caller:
            _start_task(self.loop, coro, self)
        else:
            asyncio.run_coroutine_threadsafe(coro, self.loop)
        return self.returned

    async def _guarded(self, work: Coroutine[Any, Any, None]) -> None:
        """``work``, then let the library's loop go (it stops once nothing holds it)."""
        try:
            await work
        finally:
            self._held = False
            background.release()

    def settle(self, err: BaseException | None, value: Any = None) -> None:
        """Deliver the outcome once: to the callback (on this loop) or to the promise."""
        if self.callback is not None:
            callback, self.callback = self.callback, None
            if self.eager:  # still inside the API call: the callback must come later
                self.loop.call_soon(invoke, callback, err, value)
            else:
                invoke(callback, err, value)
            return
        if self._async_future is not None and not self._async_future.done():
            if err is None:
                self._async_future.set_result(value)
            else:
                self._async_future.set_exception(err)
                # A rejected promise nobody awaits must stay silent ("exception was never
                # retrieved"); asking for it here does that without a done-callback, which
                # would cost every call an extra turn of the loop.
                self._async_future.exception()
        elif self._thread_future is not None and not self._thread_future.done():
            if err is None:
                self._thread_future.set_result(value)
            else:
                self._thread_future.set_exception(err)


def _start_task(
    loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, None], call: Call
) -> None:
    """Run ``coro`` as a task of ``loop`` (the running loop, in this thread).

    Python 3.12+: an eager task. It runs at once, inside the API call, up to its first real
    wait, with ``current_task()`` set to itself (``asyncio.timeout`` and friends work); a send
    the transport takes at once is on the wire, and its promise settled, before ``send``
    returns. ``call.eager`` is True meanwhile, so a callback is still called later, from the
    loop. Python 3.11 has no eager tasks: a plain task, which starts on the next loop turn.
    """
    if sys.version_info >= (3, 12):
        call.eager = True
        try:
            task = asyncio.Task(coro, loop=loop, eager_start=True)
        finally:
            call.eager = False
    else:
        task = loop.create_task(coro)
    if not task.done():
        tasks = _tasks.get(loop)
        if tasks is None:
            tasks = _tasks[loop] = set()
        tasks.add(task)
        task.add_done_callback(tasks.discard)


_tasks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, set[asyncio.Task[None]]] = (
    weakref.WeakKeyDictionary()
)
"""Strong references to running calls (asyncio keeps only weak ones), per loop: a loop that
is closed and dropped with calls still pending takes them along instead of leaking them."""
