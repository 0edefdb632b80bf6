"""The wire log: every connection's handshake, frames both ways, closes and TCP end.

``WireLog`` keeps the connections' logs (``mockserver.connlog.ConnectionLog``), newest last:
at most ``max_logs``, their captured payloads sharing one budget (past half of it, finished
connections' logs are evicted oldest first). It hands them out as typed records
(``entries``, ``entry``, ``wait_entry*``: ``mockserver.records.ConnectionEntry``), or in their
JSON form (``find``, ``get``, ``wait_done*``, and ``entry_json`` for ``/_log``), which is
always the records' ``to_json``: one writer. Thread-safe reads, because a suite may read the
log from another thread than the server's.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator

from .connlog import ConnectionLog
from .digests import digest_in_thread, hashing_threads, resolve_async
from .limits import (
    DEFAULT_MAX_LOGS,
    DEFAULT_PAYLOAD_CAP,
    MAX_LOGS_LIMIT,
    MAX_PAYLOAD_CAP,
    READ_SLICE,
    Budget,
    check_option,
)
from .records import ConnectionEntry, JsonDict

__all__ = ["ConnectionLog", "WireLog", "digest_in_thread", "hashing_threads"]


class WireLog:
    """All connections' logs, newest last, at most ``max_logs`` kept; their captured payloads
    share ``budget`` (past half of it, finished connections' logs are evicted oldest first)."""

    def __init__(
        self,
        max_logs: int = DEFAULT_MAX_LOGS,
        payload_cap: int = DEFAULT_PAYLOAD_CAP,
        budget: Budget | None = None,
    ) -> None:
        check_option("max_logs", max_logs, 1, MAX_LOGS_LIMIT, "the connections' logs kept")
        check_option("payload_cap", payload_cap, 0, MAX_PAYLOAD_CAP, "payload bytes logged")
        self.max_logs = max_logs
        self.payload_cap = payload_cap
        self.budget = budget if budget is not None else Budget()
        self._logs: OrderedDict[str, ConnectionLog] = OrderedDict()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def open(self, tag: str | None, route: str) -> ConnectionLog:
        log = ConnectionLog(str(next(self._ids)), tag, route, self.payload_cap, self.budget)
        with self._lock:
            self._logs[log.id] = log
            while len(self._logs) > self.max_logs:
                self._logs.popitem(last=False)[1].release_all()
            if self.budget.used > self.budget.limit // 2:
                self._evict_done()
        return log

    def _evict_done(self) -> None:
        """Finished connections' logs, oldest first, until the budget is back under half."""
        for conn_id in [i for i, log in self._logs.items() if log.done]:
            if self.budget.used <= self.budget.limit // 2:
                break
            self._logs.pop(conn_id).release_all()

    def _tagged(self, tag: str | None) -> list[ConnectionLog]:
        with self._lock:
            return [log for log in self._logs.values() if tag is None or log.tag == tag]

    def _first(self, tag: str) -> ConnectionLog | None:
        with self._lock:
            return next((log for log in self._logs.values() if log.tag == tag), None)

    # -- typed records ------------------------------------------------------------------------

    def entry(self, conn_id: str) -> ConnectionEntry | None:
        with self._lock:
            log = self._logs.get(conn_id)
        return None if log is None else log.entry()

    def entries(self, tag: str | None = None) -> list[ConnectionEntry]:
        """The entries with ``tag`` (all when None), oldest first."""
        return [log.entry() for log in self._tagged(tag)]

    def wait_entry_sync(self, tag: str, timeout: float = 5.0) -> ConnectionEntry | None:
        """The first entry with ``tag`` once its TCP connection ended; None on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            log = self._first(tag)
            remaining = deadline - time.monotonic()
            if log is not None and log.wait_sync(max(0.0, remaining)):
                return log.entry()
            if remaining <= 0:
                return None
            if log is None:
                time.sleep(min(0.01, remaining))

    async def wait_entry(self, tag: str, timeout: float = 5.0) -> ConnectionEntry | None:
        """Async form of ``wait_entry_sync``; polls, so it works from any loop or thread."""
        deadline = time.monotonic() + timeout
        while True:
            log = self._first(tag)
            if log is not None and log.done:
                return log.entry()
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(0.005)

    # -- the JSON form (the records' ``to_json``) -----------------------------------------------

    def get(self, conn_id: str) -> JsonDict | None:
        entry = self.entry(conn_id)
        return None if entry is None else entry.to_json()

    def find(self, tag: str | None = None) -> list[JsonDict]:
        """``entries`` in JSON form (what a case file stores)."""
        return [entry.to_json() for entry in self.entries(tag)]

    def summary(self, tag: str | None = None) -> list[JsonDict]:
        return [log.summary().to_json() for log in self._tagged(tag)]

    def wait_done_sync(self, tag: str, timeout: float = 5.0) -> JsonDict | None:
        """``wait_entry_sync`` in JSON form."""
        entry = self.wait_entry_sync(tag, timeout)
        return None if entry is None else entry.to_json()

    async def wait_done(self, tag: str, timeout: float = 5.0) -> JsonDict | None:
        """``wait_entry`` in JSON form."""
        entry = await self.wait_entry(tag, timeout)
        return None if entry is None else entry.to_json()

    async def summary_json(self, tag: str | None = None) -> AsyncIterator[str]:
        """``summary`` as JSON pieces, built on the server's loop a slice at a time."""
        logs = self._tagged(tag)
        yield "["
        for start in range(0, len(logs), READ_SLICE * 8):
            chunk = logs[start : start + READ_SLICE * 8]
            yield (", " if start else "") + ", ".join(
                json.dumps(log.summary().to_json()) for log in chunk
            )
            await asyncio.sleep(0)
        yield "]"

    async def entry_json(self, conn_id: str) -> AsyncIterator[str]:
        """One entry as JSON pieces (the same document as ``get``), built on the server's
        loop a few records at a time, so a read never holds the loop longer than READ_SLICE
        records take; nothing when there is no such entry. Pending digests are awaited."""
        with self._lock:
            log = self._logs.get(conn_id)
        if log is None:
            return
        text = json.dumps(log.head().head_json())
        yield text[:-1] + ', "frames": ['
        for i, frame in enumerate(log.frame_records()):
            yield (", " if i else "") + json.dumps(frame.to_json())
            if i % READ_SLICE == READ_SLICE - 1:
                await asyncio.sleep(0)
        yield '], "messages": ['
        for i, (seq, item) in enumerate(log.message_items()):
            sha256 = await resolve_async(item[4], item[5])
            yield (", " if i else "") + json.dumps(log.message_record(seq, item, sha256).to_json())
            if i % READ_SLICE == READ_SLICE - 1:
                await asyncio.sleep(0)
        yield "]}"
