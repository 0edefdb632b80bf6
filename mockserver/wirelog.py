"""The wire log: every connection's handshake, frames both ways, closes and TCP end.

Bounded (``mockserver.limits``): payload capture per frame is capped, a connection keeps its
first and last frames and messages (close frames always) and counts the rest, captured bytes
share one budget, and old connections are evicted past ``max_logs``. The hot path (every
frame, every message) only appends a tuple; the records (text or base64, digests of small
messages) are built when someone reads the log, off the server's loop.
Thread-safe reads, because a suite may read the log from another thread than the server's.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import hashlib
import itertools
import json
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any, Protocol

from .frames import apply_mask, close_payload_fields, first_byte, header_fields
from .limits import (
    DEFAULT_MAX_LOGS,
    DEFAULT_PAYLOAD_CAP,
    HASH_BACKLOG,
    HASH_INLINE,
    LOG_NOTES,
    MAX_LOGS_LIMIT,
    MAX_PAYLOAD_CAP,
    READ_SLICE,
    Budget,
    HeadTail,
    check_option,
)


def payload_fields(payload: bytes, length: int, opcode: int, cap: int) -> dict[str, Any]:
    """How a frame's (captured) payload shows in the log: text when it decodes, else base64."""
    captured = payload[:cap]
    fields: dict[str, Any] = {"text": None, "b64": None, "truncated": length > len(captured)}
    if opcode in (1, 0, 8, 9, 10):
        try:
            fields["text"] = captured.decode("utf-8")
            return fields
        except UnicodeDecodeError:
            pass
    fields["b64"] = base64.b64encode(captured).decode("ascii")
    return fields


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


def _hexdigest(data: bytes) -> str:
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


def _digest_later(data: bytes) -> Any:
    """A message's SHA-256: now when small (under HASH_INLINE: microseconds), or when the
    hashing thread's backlog is full (HASH_BACKLOG: so it never holds more than that many
    bytes alive); else on that thread, as a future."""
    if len(data) <= HASH_INLINE or _backlog.bytes + len(data) > HASH_BACKLOG:
        return _hexdigest(data)
    _backlog.add(len(data))
    future = _hasher.submit(_hexdigest, data)
    future.add_done_callback(lambda _: _backlog.add(-len(data)))
    return future


class _Digestible(Protocol):
    def sha256(self) -> str: ...


def digest_in_thread(payload: _Digestible) -> concurrent.futures.Future[str]:
    """The SHA-256 of a payload that makes itself a chunk at a time (``script.Payload``), on
    the hashing thread: the loop neither hashes it nor holds it whole."""
    return _hasher.submit(payload.sha256)


class ConnectionLog:
    """One connection's entry; written only on the server's loop, read from anywhere."""

    def __init__(
        self, conn_id: str, tag: str | None, route: str, cap: int, budget: Budget | None = None
    ) -> None:
        self.cap = cap
        self.budget = budget if budget is not None else Budget()
        self.retained = 0  # captured payload bytes this log holds (taken from the budget)
        self.payload_dropped = 0  # frames and messages logged without payload (budget spent)
        self.notes_dropped = 0
        self._counts = {"in": [0, 0, 0, 0], "out": [0, 0, 0, 0]}  # frames, bytes, messages, bytes
        self.t0 = time.monotonic()
        self.entry: dict[str, Any] = {
            "id": conn_id,
            "tag": tag,
            "route": route,
            "script_id": None,
            "started": time.time(),
            "ended": None,
            "done": False,
            "handshake": None,
            "close": {"in": None, "out": None, "first": None},
            "tcp": {"ended_by": "unknown", "after_close": False},
            "client_error": None,
            "notes": [],
        }
        self._done = threading.Event()
        self._frames: HeadTail[tuple[float, str, int, bytes | None, int, bytes]] = HeadTail(
            pinned=lambda f: f[2] & 0x0F == 8  # close frames stay, wherever they fall
        )
        self._messages: HeadTail[tuple[float, str, str, int, bytes, Any]] = HeadTail()

    def now(self) -> float:
        return round(time.monotonic() - self.t0, 6)

    @property
    def frame_count(self) -> int:
        return self._frames.total

    def _capture(self, payload: bytes) -> bytes:
        """At most ``cap`` bytes of a payload, if the shared budget has room; else none."""
        kept = payload[: self.cap]
        if not kept:
            return b""
        if not self.budget.take(len(kept)):
            self.payload_dropped += 1
            return b""
        self.retained += len(kept)
        return bytes(kept)

    def _release(self, dropped: Any, payload_index: int) -> None:
        if dropped is not None:
            size = len(dropped[payload_index])
            self.retained -= size
            self.budget.give(size)

    def release_all(self) -> None:
        """This log leaves the wire log: its bytes go back to the budget."""
        self.budget.give(self.retained)
        self.retained = 0

    def frame(
        self, direction: str, first: int, key: bytes | None, length: int, payload: bytes
    ) -> None:
        """One frame: its first byte, mask key, declared length and (capped, still masked)
        payload, as a tuple; the record is built when the log is read."""
        counts = self._counts[direction]
        counts[0] += 1
        counts[1] += length
        kept = self._capture(payload)
        self._release(self._frames.append((self.now(), direction, first, key, length, kept)), 5)
        if first & 0x0F == 8:
            close = self.entry["close"]
            if close[direction] is None:
                unmasked = payload if key is None else apply_mask(payload, key)
                close[direction] = close_payload_fields(unmasked)
                if close["first"] is None:
                    close["first"] = "client" if direction == "in" else "server"

    def sent(
        self,
        opcode: int,
        payload: bytes,
        *,
        fin: bool = True,
        rsv1: bool = False,
        rsv2: bool = False,
        rsv3: bool = False,
        masked: bool = False,
        length: int | None = None,
    ) -> None:
        """Log a frame the server wrote (through aiohttp or by hand), unmasked payload."""
        first = first_byte(opcode, fin, rsv1, rsv2, rsv3)
        declared = len(payload) if length is None else length
        self.frame("out", first, b"\0\0\0\0" if masked else None, declared, payload)

    def message(self, direction: str, kind: str, data: bytes) -> None:
        """A whole message as aiohttp parsed it: length and digest prove it arrived intact.

        Small messages keep their bytes (they fit the cap) and are digested when read; large
        ones are digested on a worker thread now (hashlib releases the GIL)."""
        digest: Any = _digest_later(data) if len(data) > self.cap else None
        counts = self._counts[direction]
        counts[2] += 1
        counts[3] += len(data)
        kept = self._capture(data)
        if len(kept) < len(data) and digest is None:  # the budget is spent: digest it now
            digest = _digest_later(data)
        item = (self.now(), direction, kind, len(data), kept, digest)
        self._release(self._messages.append(item), 4)

    def message_of(self, direction: str, kind: str, length: int, head: bytes, digest: Any) -> None:
        """A whole message never held whole (a generated payload): its length, its first
        bytes and its digest (a string, or a future of one)."""
        counts = self._counts[direction]
        counts[2] += 1
        counts[3] += length
        kept = self._capture(head)
        item = (self.now(), direction, kind, length, kept, digest)
        self._release(self._messages.append(item), 4)

    def note(self, kind: str, detail: str) -> None:
        if len(self.entry["notes"]) >= LOG_NOTES:
            self.notes_dropped += 1
            return
        self.entry["notes"].append({"t": self.now(), "kind": kind, "detail": detail[:1000]})

    def bounds(self) -> tuple[dict[str, int], dict[str, Any]]:
        """What the log left out (``dropped``) and what went by (``totals``)."""
        dropped = {
            "frames": self._frames.dropped,
            "messages": self._messages.dropped,
            "payloads": self.payload_dropped,
            "notes": self.notes_dropped,
        }
        totals = {
            direction: {
                "frames": c[0],
                "frame_bytes": c[1],
                "messages": c[2],
                "message_bytes": c[3],
            }
            for direction, c in self._counts.items()
        }
        return dropped, totals

    def client_error(self, code: int | None, why: str, note: bool = True) -> None:
        """The client broke the protocol: the first such error, and a note for each."""
        if self.entry["client_error"] is None:
            self.entry["client_error"] = {"t": self.now(), "close_code": code, "why": why}
        if note:
            self.note("client_protocol_error", why if code is None else f"{code}: {why}")

    def records(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Frames and messages as JSON-ready records (at most LOG_HEAD + LOG_TAIL of each, and
        the close frames); ``seq`` numbers them in the whole stream, so a gap shows."""
        frames = [self.frame_record(seq, item) for seq, item in self._frames.items()]
        messages = [
            self.message_record(seq, item, _digest(item[4], item[5]))
            for seq, item in self._messages.items()
        ]
        return frames, messages

    def frame_record(self, seq: int, item: tuple[Any, ...]) -> dict[str, Any]:
        t, direction, first, key, length, payload = item
        record = {"seq": seq, "t": t, "dir": direction, **header_fields(first, key, length)}
        if key is not None and direction == "in":
            payload = apply_mask(payload, key)
        elif key is not None:  # a frame we masked by hand: the log holds it unmasked
            record["mask_key"] = None
        record.update(payload_fields(payload, length, first & 0x0F, self.cap))
        return record

    def message_record(self, seq: int, item: tuple[Any, ...], sha256: str | None) -> dict[str, Any]:
        t, direction, kind, length, data, _ = item
        record = {"seq": seq, "t": t, "dir": direction, "kind": kind, "len": length}
        record["sha256"] = sha256
        record.update(payload_fields(data, length, 1 if kind == "text" else 2, self.cap))
        return record

    def finish(self, ended_by: str) -> None:
        if self.entry["done"]:
            return
        tcp = self.entry["tcp"]
        tcp["ended_by"] = ended_by
        close = self.entry["close"]
        tcp["after_close"] = close["in"] is not None or close["out"] is not None
        self.entry["ended"] = time.time()
        self.entry["done"] = True
        self._done.set()

    def wait_sync(self, timeout: float) -> bool:
        return self._done.wait(timeout)


def _digest(data: bytes, pending: Any) -> str | None:
    if pending is None:
        return _hexdigest(data)
    if isinstance(pending, str):
        return pending
    try:
        return str(pending.result(timeout=10))
    except (concurrent.futures.TimeoutError, concurrent.futures.CancelledError):
        return None


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
            self._logs[log.entry["id"]] = log
            while len(self._logs) > self.max_logs:
                self._logs.popitem(last=False)[1].release_all()
            if self.budget.used > self.budget.limit // 2:
                self._evict_done()
        return log

    def _evict_done(self) -> None:
        """Finished connections' logs, oldest first, until the budget is back under half."""
        for conn_id in [i for i, log in self._logs.items() if log.entry["done"]]:
            if self.budget.used <= self.budget.limit // 2:
                break
            self._logs.pop(conn_id).release_all()

    def get(self, conn_id: str) -> dict[str, Any] | None:
        with self._lock:
            log = self._logs.get(conn_id)
        return None if log is None else _snapshot(log)

    def find(self, tag: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            logs = [log for log in self._logs.values() if tag is None or log.entry["tag"] == tag]
        return [_snapshot(log) for log in logs]

    def summary(self, tag: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            logs = [log for log in self._logs.values() if tag is None or log.entry["tag"] == tag]
        return [_summary(log) for log in logs]

    async def summary_json(self, tag: str | None = None) -> AsyncIterator[str]:
        """``summary`` as JSON pieces, built on the server's loop a slice at a time."""
        with self._lock:
            logs = [log for log in self._logs.values() if tag is None or log.entry["tag"] == tag]
        yield "["
        for start in range(0, len(logs), READ_SLICE * 8):
            chunk = logs[start : start + READ_SLICE * 8]
            yield (", " if start else "") + ", ".join(json.dumps(_summary(log)) for log in chunk)
            await asyncio.sleep(0)
        yield "]"

    async def entry_json(self, conn_id: str) -> AsyncIterator[str]:
        """One entry as JSON pieces, built on the server's loop a few records at a time, so a
        read never holds the loop longer than READ_SLICE records take; nothing when there is
        no such entry. Pending digests are awaited, not waited for."""
        with self._lock:
            log = self._logs.get(conn_id)
        if log is None:
            return
        head = dict(log.entry)
        head["notes"] = list(head["notes"])
        head["dropped"], head["totals"] = log.bounds()
        text = json.dumps(head)
        yield text[:-1] + ', "frames": ['
        for i, (seq, item) in enumerate(log._frames.items()):
            yield (", " if i else "") + json.dumps(log.frame_record(seq, item))
            if i % READ_SLICE == READ_SLICE - 1:
                await asyncio.sleep(0)
        yield '], "messages": ['
        for i, (seq, message) in enumerate(log._messages.items()):
            pending = message[5]
            if isinstance(pending, concurrent.futures.Future):
                sha256 = await _await_digest(pending)
            else:
                sha256 = _digest(message[4], pending)
            yield (", " if i else "") + json.dumps(log.message_record(seq, message, sha256))
            if i % READ_SLICE == READ_SLICE - 1:
                await asyncio.sleep(0)
        yield "]}"

    def _first(self, tag: str) -> ConnectionLog | None:
        with self._lock:
            return next((log for log in self._logs.values() if log.entry["tag"] == tag), None)

    def wait_done_sync(self, tag: str, timeout: float = 5.0) -> dict[str, Any] | None:
        """The first entry with ``tag`` once its TCP connection ended; None on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            log = self._first(tag)
            remaining = deadline - time.monotonic()
            if log is not None and log.wait_sync(max(0.0, remaining)):
                return _snapshot(log)
            if remaining <= 0:
                return None
            if log is None:
                time.sleep(min(0.01, remaining))

    async def wait_done(self, tag: str, timeout: float = 5.0) -> dict[str, Any] | None:
        """Async form of ``wait_done_sync``; polls, so it works from any loop or thread."""
        deadline = time.monotonic() + timeout
        while True:
            log = self._first(tag)
            if log is not None and log.entry["done"]:
                return _snapshot(log)
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(0.005)


def _summary(log: ConnectionLog) -> dict[str, Any]:
    keys = ("id", "tag", "route", "script_id", "started", "ended", "done")
    return {k: log.entry[k] for k in keys} | {"frames": log.frame_count}


async def _await_digest(pending: concurrent.futures.Future[str]) -> str | None:
    try:
        return await asyncio.wait_for(asyncio.wrap_future(pending), 10)
    except (TimeoutError, concurrent.futures.CancelledError):
        return None


def _snapshot(log: ConnectionLog) -> dict[str, Any]:
    """A copy safe to hand to another thread."""
    entry = dict(log.entry)
    entry["frames"], entry["messages"] = log.records()
    entry["notes"] = list(entry["notes"])
    entry["dropped"], entry["totals"] = log.bounds()
    entry["close"] = dict(entry["close"])
    entry["tcp"] = dict(entry["tcp"])
    return entry
