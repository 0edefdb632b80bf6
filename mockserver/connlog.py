"""One connection's log as the server writes it: the hot path, and the records it makes.

Written only on the server's loop, read from anywhere. The hot path (every frame, every
message) appends a tuple; the typed records (``mockserver.records``) are made when someone
reads the log, off that path. Bounded (``mockserver.limits``): payload capture per frame is
capped, the first and last frames and messages are kept (frames of opcode 8 always, broken
or not) and the rest counted, and captured bytes come out of one shared ``Budget``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Literal

from .digests import Pending, digest_later, resolve
from .frames import apply_mask, first_byte
from .limits import LOG_NOTES, Budget, HeadTail
from .records import (
    DIRECTIONS,
    Captured,
    ClientError,
    CloseFields,
    CloseRecord,
    ConnectionEntry,
    ConnectionSummary,
    Direction,
    DirectionTotals,
    Dropped,
    Handshake,
    Note,
    TcpEnd,
    Totals,
    WireFrame,
    WireMessage,
    is_close_first_byte,
)

# (t, direction, first byte, mask key, declared length, captured payload: masked as it came)
FrameItem = tuple[float, Direction, int, bytes | None, int, bytes]
# (t, direction, kind, length, captured bytes, digest pending)
MessageItem = tuple[float, Direction, str, int, bytes, Pending]

EndedBy = Literal["client", "server", "unknown"]


class _Counts:
    """Frames and messages that went by one way, kept or not."""

    __slots__ = ("frame_bytes", "frames", "message_bytes", "messages")

    def __init__(self) -> None:
        self.frames = self.frame_bytes = self.messages = self.message_bytes = 0

    def record(self) -> DirectionTotals:
        return DirectionTotals(self.frames, self.frame_bytes, self.messages, self.message_bytes)


class ConnectionLog:
    """One connection's entry while it lives; ``entry()`` is its record at that moment."""

    def __init__(
        self, conn_id: str, tag: str | None, route: str, cap: int, budget: Budget | None = None
    ) -> None:
        self.id = conn_id
        self.tag = tag
        self.route = route
        self.cap = cap
        self.budget = budget if budget is not None else Budget()
        self.retained = 0  # captured payload bytes this log holds (taken from the budget)
        self.payload_dropped = 0  # frames and messages logged without payload (budget spent)
        self.notes_dropped = 0
        self.script_id: str | None = None
        self.started = time.time()
        self.ended: float | None = None
        self.handshake: Handshake | None = None
        self.close = CloseRecord()
        self.tcp = TcpEnd()
        self.client_error_record: ClientError | None = None
        self.notes: list[Note] = []
        self.t0 = time.monotonic()
        self._counts = {direction: _Counts() for direction in DIRECTIONS}
        self._done = threading.Event()
        self._frames: HeadTail[FrameItem] = HeadTail(
            pinned=lambda f: f[2] & 0x0F == 8  # frames of the close opcode stay, wherever
        )
        self._messages: HeadTail[MessageItem] = HeadTail()

    @property
    def done(self) -> bool:
        """Its TCP connection ended (``finish``)."""
        return self._done.is_set()

    def now(self) -> float:
        return round(time.monotonic() - self.t0, 6)

    @property
    def frame_count(self) -> int:
        return self._frames.total

    # -- the handshake ---------------------------------------------------------------------

    def handshake_request(self, handshake: Handshake) -> None:
        """The client's request, before the server answers it."""
        self.handshake = handshake

    def handshake_answer(
        self,
        status: int,
        reason: str | None,
        headers: tuple[tuple[str, str], ...] | None = None,
    ) -> None:
        """The server's answer (``headers``: None keeps those already logged)."""
        if self.handshake is not None:
            self.handshake = self.handshake.answered(status, reason, headers)

    def handshake_reason(self, reason: str | None) -> None:
        """The reason phrase of the 101, logged before the status line is written (the
        status itself once it is)."""
        if self.handshake is not None:
            self.handshake = replace(self.handshake, response_reason=reason)

    # -- frames and messages (the hot path) ------------------------------------------------------

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

    def _release(self, dropped_payload: bytes | None) -> None:
        if dropped_payload is not None:
            self.retained -= len(dropped_payload)
            self.budget.give(len(dropped_payload))

    def release_all(self) -> None:
        """This log leaves the wire log: its bytes go back to the budget."""
        self.budget.give(self.retained)
        self.retained = 0

    def frame(
        self, direction: Direction, first: int, key: bytes | None, length: int, payload: bytes
    ) -> None:
        """One frame: its first byte, mask key, declared length and (capped, still masked)
        payload; the first close frame each way (``records.is_close_frame``: a broken one
        is not) fills ``close``."""
        counts = self._counts[direction]
        counts.frames += 1
        counts.frame_bytes += length
        kept = self._capture(payload)
        dropped = self._frames.append((self.now(), direction, first, key, length, kept))
        self._release(None if dropped is None else dropped[5])
        if is_close_first_byte(first) and self.close.way(direction) is None:
            unmasked = payload if key is None else apply_mask(payload, key)
            fields = CloseFields.of(unmasked)
            first_by = self.close.first or ("client" if direction == "in" else "server")
            if direction == "in":
                self.close = replace(self.close, incoming=fields, first=first_by)
            else:
                self.close = replace(self.close, outgoing=fields, first=first_by)

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

    def message(self, direction: Direction, kind: str, data: bytes) -> None:
        """A whole message as aiohttp parsed it: length and digest prove it arrived intact.

        Small messages keep their bytes (they fit the cap) and are digested when read; large
        ones are digested on the hashing thread now."""
        digest: Pending = digest_later(data) if len(data) > self.cap else None
        kept = self._capture(data)
        if len(kept) < len(data) and digest is None:  # the budget is spent: digest it now
            digest = digest_later(data)
        self.message_of(direction, kind, len(data), kept, digest, captured=True)

    def message_of(
        self,
        direction: Direction,
        kind: str,
        length: int,
        head: bytes,
        digest: Pending,
        captured: bool = False,
    ) -> None:
        """A whole message never held whole (a generated payload): its length, its first
        bytes and its digest (a string, or a future of one)."""
        counts = self._counts[direction]
        counts.messages += 1
        counts.message_bytes += length
        kept = head if captured else self._capture(head)
        dropped = self._messages.append((self.now(), direction, kind, length, kept, digest))
        self._release(None if dropped is None else dropped[4])

    def note(self, kind: str, detail: str) -> None:
        if len(self.notes) >= LOG_NOTES:
            self.notes_dropped += 1
            return
        self.notes.append(Note(self.now(), kind, detail[:1000]))

    def client_error(self, code: int | None, why: str, note: bool = True) -> None:
        """The client broke the protocol: the first such error, and a note for each."""
        if self.client_error_record is None:
            self.client_error_record = ClientError(self.now(), code, why)
        if note:
            self.note("client_protocol_error", why if code is None else f"{code}: {why}")

    def finish(self, ended_by: EndedBy) -> None:
        """TCP ended: the entry is done (once; later calls change nothing)."""
        if self.done:
            return
        after_close = self.close.incoming is not None or self.close.outgoing is not None
        self.tcp = TcpEnd(ended_by, after_close)
        self.ended = time.time()
        self._done.set()

    def wait_sync(self, timeout: float) -> bool:
        return self._done.wait(timeout)

    # -- records (read from any thread) -----------------------------------------------------------

    def frame_record(self, seq: int, item: FrameItem) -> WireFrame:
        t, direction, first, key, length, payload = item
        mask_key = None if key is None or direction == "out" else key.hex()
        if key is not None and direction == "in":
            payload = apply_mask(payload, key)
        # a frame the server masked by hand: the log holds it unmasked, with no key
        return WireFrame(
            seq=seq,
            t=t,
            dir=direction,
            fin=bool(first & 0x80),
            rsv1=bool(first & 0x40),
            rsv2=bool(first & 0x20),
            rsv3=bool(first & 0x10),
            opcode=first & 0x0F,
            masked=key is not None,
            mask_key=mask_key,
            length=length,
            payload=Captured.of(payload, length, first & 0x0F, self.cap),
        )

    def message_record(self, seq: int, item: MessageItem, sha256: str | None) -> WireMessage:
        t, direction, kind, length, data, _ = item
        opcode = 1 if kind == "text" else 2
        return WireMessage(
            seq, t, direction, kind, length, sha256, Captured.of(data, length, opcode, self.cap)
        )

    def frame_records(self) -> Iterator[WireFrame]:
        """The frames kept, in wire order; ``seq`` numbers them in the whole stream."""
        return (self.frame_record(seq, item) for seq, item in self._frames.items())

    def message_items(self) -> list[tuple[int, MessageItem]]:
        """The messages kept, unresolved (a reader on the loop awaits their digests)."""
        return self._messages.items()

    def head(self) -> ConnectionEntry:
        """The entry without its frames and messages."""
        return ConnectionEntry(
            id=self.id,
            tag=self.tag,
            route=self.route,
            script_id=self.script_id,
            started=self.started,
            ended=self.ended,
            done=self.done,
            handshake=self.handshake,
            close=self.close,
            tcp=self.tcp,
            client_error=self.client_error_record,
            notes=tuple(self.notes),
            dropped=Dropped(
                self._frames.dropped,
                self._messages.dropped,
                self.payload_dropped,
                self.notes_dropped,
            ),
            totals=Totals(self._counts["in"].record(), self._counts["out"].record()),
        )

    def entry(self) -> ConnectionEntry:
        """The whole entry now (pending digests waited for, at most ``DIGEST_WAIT`` s)."""
        messages = tuple(
            self.message_record(seq, item, resolve(item[4], item[5]))
            for seq, item in self.message_items()
        )
        return replace(self.head(), frames=tuple(self.frame_records()), messages=messages)

    def summary(self) -> ConnectionSummary:
        return ConnectionSummary(
            self.id,
            self.tag,
            self.route,
            self.script_id,
            self.started,
            self.ended,
            self.done,
            self.frame_count,
        )
