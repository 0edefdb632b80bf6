"""What an implementation lets escape, from any thread or loop it runs: the one place that
hooks logging and ``threading.excepthook`` for it.

- A log record at WARNING and above becomes a ``log`` entry (EV10: a callback's exception
  is reported), whichever thread logged it: an implementation may run callbacks on a thread
  of its own (a thread-based library), and log there.
- An ERROR record of the ``asyncio`` logger is what a loop's default exception handler writes
  when an exception escapes into that loop ("Task exception was never retrieved", "Exception
  in callback", an unclosed transport): it becomes a ``loop_error`` entry (ER3), the same as an
  escape into the loop the executor runs on (whose handler reports it directly).
- An exception nothing caught in a thread (``threading.excepthook``) becomes a ``loop_error``
  entry (ER3).
- What the executor's own loop hands its exception handler becomes a ``loop_error`` entry
  (``loop_error``, installed by whoever owns that loop).

In-process, the suite shares the process with the implementation: records and exceptions of
the suite's own threads (the main thread, the threads alive before the implementation was
loaded, the mock server's, a hung earlier case's loop) are not the implementation's and are
left alone. A driver process runs nothing but the implementation: it keeps everything.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any

from mockserver.wirelog import hashing_threads

from .trace import Sink, TraceEntry

# ident -> the marked thread. An ident is reused once its thread ends, so a mark holds only
# while the very thread it was made for is alive (a new thread with the same ident is not it).
_suite_threads: dict[int, weakref.ref[threading.Thread]] = {}
_lock = threading.Lock()


def mark_suite_thread(thread: threading.Thread | None) -> None:
    """``thread`` is the suite's (or no longer the current case's): its records and uncaught
    exceptions are never attributed to a case."""
    if thread is not None and thread.ident is not None:
        with _lock:
            _suite_threads[thread.ident] = weakref.ref(thread)


def mark_suite_threads_alive() -> None:
    """Every thread alive now is the suite's: call it before the implementation is imported
    (pytest's threads, pytest-xdist's, the plugin's)."""
    for thread in threading.enumerate():
        mark_suite_thread(thread)


def is_suite_thread(ident: int | None) -> bool:
    if ident is None:
        return False
    if ident == threading.main_thread().ident or ident in hashing_threads():
        return True
    with _lock:
        marked = _suite_threads.get(ident)
        thread = None if marked is None else marked()
        if thread is None or not thread.is_alive():
            _suite_threads.pop(ident, None)  # ended: a thread with its ident now is another
            return False
        return True


def exc_text(exc: BaseException | None) -> str | None:
    return None if exc is None else f"{type(exc).__name__}: {exc}"[:300]


def loop_error(context: dict[str, Any]) -> TraceEntry:
    """What a loop's exception handler got (an exception escaped into the loop) as an entry:
    the in-process transport's loop and the Python driver's report it alike (ER3)."""
    return TraceEntry(
        kind="loop_error",
        message=str(context.get("message")),
        exc=repr(context.get("exception"))[:300],
    )


class LogForwarder(logging.Handler):
    """Log records at WARNING and above become ``log`` entries, asyncio's ERROR records
    ``loop_error`` entries; records from a thread ``skip`` names are dropped."""

    def __init__(self, sink: Sink, skip: Callable[[int | None], bool] | None = None) -> None:
        super().__init__(logging.WARNING)
        self._sink = sink
        self._skip = skip

    def emit(self, record: logging.LogRecord) -> None:
        if self._skip is not None and self._skip(record.thread):
            return
        exc = record.exc_info[1] if record.exc_info else None
        message = record.getMessage()
        if record.levelno >= logging.ERROR and (
            record.name == "asyncio" or record.name.startswith("asyncio.")
        ):
            self._sink(
                TraceEntry(
                    kind="loop_error",
                    message=f"{message.splitlines()[0] if message else ''} "
                    f"(in a loop on thread {record.threadName})"[:500],
                    exc=exc_text(exc),
                )
            )
            return
        self._sink(
            TraceEntry(
                kind="log",
                level=record.levelname,
                logger=record.name,
                message=message[:500],
                exc=exc_text(exc),
            )
        )


class EscapeCapture:
    """The hooks for one case (in-process) or one driver process: installed at creation,
    taken out by ``close`` (which leaves alone a hook someone installed after this one)."""

    def __init__(self, sink: Sink, skip_suite_threads: bool) -> None:
        self._sink = sink
        self._skip = is_suite_thread if skip_suite_threads else None
        self._handler = LogForwarder(sink, self._skip)
        logging.getLogger().addHandler(self._handler)
        self._closed = False
        self._previous = threading.excepthook
        self._hook = self._thread_exception
        threading.excepthook = self._hook

    def _thread_exception(self, args: threading.ExceptHookArgs) -> None:
        thread = args.thread
        if (
            self._closed  # still called as a later hook's "previous": pass it on
            or args.exc_type is SystemExit
            or (self._skip is not None and self._skip(None if thread is None else thread.ident))
        ):
            self._previous(args)
            return
        name = "?" if thread is None else thread.name
        self._sink(
            TraceEntry(
                kind="loop_error",
                message=f"uncaught exception in thread {name!r}",
                exc=exc_text(args.exc_value),
            )
        )

    def close(self) -> None:
        self._closed = True
        logging.getLogger().removeHandler(self._handler)
        if threading.excepthook is self._hook:
            threading.excepthook = self._previous
