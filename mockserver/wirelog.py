"""The wire log: every connection's handshake, frames both ways, closes and TCP end.

Bounded twice: payload capture per frame is capped, and old connections are evicted past
``max_logs``. The hot path (every frame, every message) only appends a tuple; the records
(text or base64, digests of small messages) are built when someone reads the log, once.
Thread-safe reads, because a suite may read the log from another thread than the server's.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import hashlib
import itertools
import threading
import time
from collections import OrderedDict
from typing import Any

from .frames import apply_mask, close_payload_fields, first_byte, header_fields


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


_hasher = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="wirelog-hash")


def _hexdigest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ConnectionLog:
    """One connection's entry; written only on the server's loop, read from anywhere."""

    def __init__(self, conn_id: str, tag: str | None, route: str, cap: int) -> None:
        self.cap = cap
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
        self._frames: list[tuple[float, str, int, bytes | None, int, bytes]] = []
        self._messages: list[tuple[float, str, str, int, bytes, Any]] = []
        self._built_frames: list[dict[str, Any]] = []
        self._built_messages: list[dict[str, Any]] = []
        self._build_lock = threading.Lock()

    def now(self) -> float:
        return round(time.monotonic() - self.t0, 6)

    @property
    def frame_count(self) -> int:
        return len(self._frames)

    def frame(
        self, direction: str, first: int, key: bytes | None, length: int, payload: bytes
    ) -> None:
        """One frame: its first byte, mask key, declared length and (capped, still masked)
        payload, as a tuple; the record is built when the log is read."""
        self._frames.append((self.now(), direction, first, key, length, payload[: self.cap]))
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
        digest: Any = _hasher.submit(_hexdigest, data) if len(data) > self.cap else None
        self._messages.append((self.now(), direction, kind, len(data), data[: self.cap], digest))

    def note(self, kind: str, detail: str) -> None:
        self.entry["notes"].append({"t": self.now(), "kind": kind, "detail": detail})

    def client_error(self, code: int | None, why: str, note: bool = True) -> None:
        """The client broke the protocol: the first such error, and a note for each."""
        if self.entry["client_error"] is None:
            self.entry["client_error"] = {"t": self.now(), "close_code": code, "why": why}
        if note:
            self.note("client_protocol_error", why if code is None else f"{code}: {why}")

    def records(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Frames and messages as JSON-ready records, built once each."""
        with self._build_lock:
            for t, direction, first, key, length, payload in self._frames[
                len(self._built_frames) :
            ]:
                record = {"t": t, "dir": direction, **header_fields(first, key, length)}
                if key is not None and direction == "in":
                    payload = apply_mask(payload, key)
                elif key is not None:  # a frame we masked by hand: the log holds it unmasked
                    record["mask_key"] = None
                record.update(payload_fields(payload, length, first & 0x0F, self.cap))
                self._built_frames.append(record)
            for t, direction, kind, length, data, digest in self._messages[
                len(self._built_messages) :
            ]:
                record = {
                    "t": t,
                    "dir": direction,
                    "kind": kind,
                    "len": length,
                    "sha256": _digest(data, digest),
                }
                record.update(payload_fields(data, length, 1 if kind == "text" else 2, self.cap))
                self._built_messages.append(record)
            return list(self._built_frames), list(self._built_messages)

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
    try:
        return str(pending.result(timeout=10))
    except (concurrent.futures.TimeoutError, concurrent.futures.CancelledError):
        return None


class WireLog:
    """All connections' logs, newest last, at most ``max_logs`` kept."""

    def __init__(self, max_logs: int = 1000, payload_cap: int = 4096) -> None:
        self.max_logs = max_logs
        self.payload_cap = payload_cap
        self._logs: OrderedDict[str, ConnectionLog] = OrderedDict()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def open(self, tag: str | None, route: str) -> ConnectionLog:
        log = ConnectionLog(str(next(self._ids)), tag, route, self.payload_cap)
        with self._lock:
            self._logs[log.entry["id"]] = log
            while len(self._logs) > self.max_logs:
                self._logs.popitem(last=False)
        return log

    def get(self, conn_id: str) -> dict[str, Any] | None:
        with self._lock:
            log = self._logs.get(conn_id)
        return None if log is None else _snapshot(log)

    def find(self, tag: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            logs = [log for log in self._logs.values() if tag is None or log.entry["tag"] == tag]
        return [_snapshot(log) for log in logs]

    def summary(self, tag: str | None = None) -> list[dict[str, Any]]:
        keys = ("id", "tag", "route", "script_id", "started", "ended", "done")
        with self._lock:
            logs = [log for log in self._logs.values() if tag is None or log.entry["tag"] == tag]
        return [{k: log.entry[k] for k in keys} | {"frames": log.frame_count} for log in logs]

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


def _snapshot(log: ConnectionLog) -> dict[str, Any]:
    """A copy safe to hand to another thread."""
    entry = dict(log.entry)
    entry["frames"], entry["messages"] = log.records()
    entry["notes"] = list(entry["notes"])
    entry["close"] = dict(entry["close"])
    entry["tcp"] = dict(entry["tcp"])
    return entry
