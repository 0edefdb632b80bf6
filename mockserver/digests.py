"""SHA-256 digests of logged messages, off the server's loop when they are large.

A message up to ``HASH_INLINE`` bytes is digested at once (microseconds); a larger one on
one worker thread (hashlib releases the GIL), as a future, unless that thread's backlog would
pass ``HASH_BACKLOG`` bytes (then at once: the backlog never holds more alive). A reader gets
the hex digest with ``resolve`` (blocking, from any thread) or ``resolve_async`` (on a loop).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import threading
from typing import Protocol

from .limits import HASH_BACKLOG, HASH_INLINE

# A digest as the log holds it: None (digest the kept bytes when read), the hex digest, or
# the hashing thread's future of it.
Pending = str | concurrent.futures.Future[str] | None

DIGEST_WAIT = 10.0  # seconds a reader waits for the hashing thread before it logs no digest

_hashing_threads: set[int] = set()


def _hashing_thread_started() -> None:
    _hashing_threads.add(threading.get_ident())


_hasher = concurrent.futures.ThreadPoolExecutor(
    max_workers=1, thread_name_prefix="wirelog-hash", initializer=_hashing_thread_started
)


def hashing_threads() -> frozenset[int]:
    """The idents of the threads that digest large messages (besides the server's loop
    thread, the only threads the mock server runs): a caller that attributes log records and
    uncaught exceptions by thread tells the server's from its own with this."""
    return frozenset(_hashing_threads)


def hexdigest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Backlog:
    """Bytes waiting for the hashing thread (it runs while the loop writes more)."""

    def __init__(self) -> None:
        self.bytes = 0
        self.lock = threading.Lock()

    def add(self, n: int) -> None:
        with self.lock:
            self.bytes += n


_backlog = _Backlog()


def digest_later(data: bytes) -> str | concurrent.futures.Future[str]:
    """A message's SHA-256: now when small or when the backlog is full, else a future."""
    if len(data) <= HASH_INLINE or _backlog.bytes + len(data) > HASH_BACKLOG:
        return hexdigest(data)
    _backlog.add(len(data))
    future = _hasher.submit(hexdigest, data)
    future.add_done_callback(lambda _: _backlog.add(-len(data)))
    return future


class Digestible(Protocol):
    def sha256(self) -> str: ...


def digest_in_thread(payload: Digestible) -> concurrent.futures.Future[str]:
    """The SHA-256 of a payload that makes itself a chunk at a time (``script.Payload``), on
    the hashing thread: the loop neither hashes it nor holds it whole."""
    return _hasher.submit(payload.sha256)


def resolve(kept: bytes, pending: Pending) -> str | None:
    """The hex digest: of ``kept`` when nothing is pending; None if the thread is too slow."""
    if pending is None:
        return hexdigest(kept)
    if isinstance(pending, str):
        return pending
    try:
        return str(pending.result(timeout=DIGEST_WAIT))
    except (concurrent.futures.TimeoutError, concurrent.futures.CancelledError):
        return None


async def resolve_async(kept: bytes, pending: Pending) -> str | None:
    """``resolve`` on a loop: a pending digest is awaited, not waited for."""
    if not isinstance(pending, concurrent.futures.Future):
        return resolve(kept, pending)
    try:
        return await asyncio.wait_for(asyncio.wrap_future(pending), DIGEST_WAIT)
    except (TimeoutError, concurrent.futures.CancelledError):
        return None
