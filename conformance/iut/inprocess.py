"""The in-process transport: the executor on a fresh asyncio loop thread, for one case.

A fresh loop per case, so an IUT that blocks its loop costs only that case: the session's
request times out, the loop thread is abandoned (a daemon, marked as no case's), and the next
case gets a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from types import ModuleType

from .api import IUTTimeout
from .capture import EscapeCapture, loop_error, mark_suite_thread
from .executor import Executor, Unsupported
from .trace import JSONObject, Sink


class InProcess:
    """The executor on a fresh asyncio loop in a daemon thread, for this case only."""

    _counter = 0

    def __init__(self, module: ModuleType, sink: Sink) -> None:
        InProcess._counter += 1
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(lambda loop, ctx: sink(loop_error(ctx)))
        name = f"iut-{os.getpid()}-{InProcess._counter}"
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()
        # Log records and uncaught exceptions of any thread but the suite's are this case's.
        self.escapes = EscapeCapture(sink, skip_suite_threads=True)
        self.executor = Executor(module, sink)
        self.hung = False

    def request(self, command: JSONObject, timeout: float) -> JSONObject:
        """Run ``command`` on the loop; ``IUTTimeout`` (and the loop abandoned) when it does not
        answer within ``timeout``, ``NotImplementedError`` for what the executor lacks."""
        if self.hung:
            raise IUTTimeout("the IUT's loop is blocked")
        future = asyncio.run_coroutine_threadsafe(self.executor.handle(command), self.loop)
        try:
            return future.result(timeout)
        except Unsupported as exc:
            raise NotImplementedError(str(exc)) from exc
        except TimeoutError as exc:
            self.hung = True
            mark_suite_thread(self.thread)  # abandoned: what it logs later is no case's
            raise IUTTimeout(f"no answer to {command.get('op')} within {timeout:.1f} s") from exc

    def end_case(self) -> None:
        """Cancel what the case left running on the loop (bounded), then stop and close it, so
        nothing of this case is torn down half-way by a closed loop (and prints about it)."""
        self.escapes.close()
        if not self.hung:
            drained = asyncio.run_coroutine_threadsafe(_cancel_the_rest(), self.loop)
            with contextlib.suppress(Exception):
                drained.result(2.0)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(2.0)
            if not self.thread.is_alive():
                self.loop.close()
        # a hung loop thread is a daemon: abandoned, it cannot stop the run


async def _cancel_the_rest(timeout: float = 1.5) -> None:
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=timeout)
