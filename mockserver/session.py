"""The I/O under a script (``Connection``): failing the connection, writing, reading, logging.

The steps themselves are ``mockserver.steps.ScriptRun``, a ``Connection``.

The server runs with ``autoclose=False`` and ``autoping=False`` so that every close and pong it
writes is one this module chose and logged. A client frame that breaks RFC 6455 never reaches
aiohttp's parser (``FrameCheck``): the server fails the connection itself, at once (1002, or
1007 for bad UTF-8), logs its close frame and the client's error, waits briefly for the
client's close frame, and ends TCP.

Memory and the loop (``mockserver.limits``): a payload larger than one chunk is never made or
held whole. It is framed here and written a chunk (``WRITE_CHUNK``) at a time, each chunk made
(``Payload.chunks``) only once the client has taken all but ``WRITE_LOW_WATER`` bytes of what
was written before; the bytes written and not yet taken are drawn from the server's memory
budget. A client that takes nothing for ``WRITE_STALL`` seconds is dropped. Incoming bytes are
drawn from the budget as they arrive and given back when the script has read their message;
past the budget the connection is failed with 1013 (Try Again Later).
"""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import Iterable
from typing import Any

from aiohttp import WSMsgType, web

from .digests import digest_in_thread
from .frames import build_frame, frame_header, mask_from
from .limits import WRITE_CHUNK, WRITE_LOW_WATER, WRITE_STALL, Budget
from .script import Payload, Script
from .tap import TappedWebSocketResponse

END_WAIT = 30.0  # after the last step: how long to wait for the client's close
STALL_DEFAULT_MS = 30_000
FAIL_LINGER = 1.0  # after failing a client: how long to wait for its close frame, reading nothing


class WriteStalled(ConnectionError):
    """The client took none of what was written to it for ``WRITE_STALL`` seconds."""


class Connection:
    """One script over one connection. ``writes``: the server's budget for bytes written to
    clients and not yet taken by them (its own, unbounded, when None)."""

    def __init__(
        self,
        ws: TappedWebSocketResponse,
        request: web.Request,
        script: Script,
        writes: Budget | None = None,
    ):
        self.ws = ws
        self.request = request
        self.script = script
        self.log = ws.log
        self.writes = writes if writes is not None else Budget(1 << 62)
        self.write_held = 0  # bytes of ours in the transport's buffer, drawn from ``writes``
        self.stalled = False  # the client stopped taking what was written: drop, do not flush
        self._steps = 0
        self.closed = False  # the closing handshake is over (or TCP is gone)
        self.answer_pings = True  # False during ``ignore_pings``: a peer that never pongs
        self.client_gone = False
        self.close_sent = False
        self.last_payload = b""  # the last data message read, as bytes
        self.failed = False  # the server failed the connection (the client broke the protocol)
        self._failing: asyncio.Task[None] | None = None
        ws.on_violation = self._client_broke
        if ws.violation is not None:  # broken while the handshake's answer was being written
            self._client_broke(*ws.violation)

    # -- failing the connection (RFC 6455 §7.1.7) --------------------------------------------

    def _client_broke(self, code: int, why: str) -> None:
        self.failed = True
        if self._failing is None:
            self._failing = asyncio.get_running_loop().create_task(self._fail(code))

    async def _fail(self, code: int) -> None:
        """Our close frame (logged), a short wait for the client's, then TCP ends: a pending
        read sees the end of the stream."""
        try:
            if not self.close_sent:
                await self.send_close(code)
            if not self.ws.client_done.is_set():
                try:
                    await asyncio.wait_for(self.ws.client_done.wait(), FAIL_LINGER)
                except TimeoutError:
                    pass
        except ConnectionError:
            pass
        finally:
            self.closed = True
            transport = self.request.transport
            if transport is None or transport.is_closing():
                self.client_gone = True  # the client ended TCP before we did
            else:
                transport.close()

    # -- writing ---------------------------------------------------------------------------

    def _write_raw(self, data: bytes | memoryview) -> None:
        transport = self.request.transport
        if transport is None or transport.is_closing():
            raise ConnectionResetError("the client is gone")
        transport.write(data)

    def _settle(self) -> int:
        """What the transport still holds of ours; bytes the client took go back to the
        budget. Returns the bytes still waiting."""
        transport = self.request.transport
        waiting = 0 if transport is None else transport.get_write_buffer_size()
        if waiting < self.write_held:
            self.writes.give(self.write_held - waiting)
            self.write_held = waiting
        return waiting

    def release_writes(self) -> None:
        self.writes.give(self.write_held)
        self.write_held = 0

    async def _put(self, data: bytes | memoryview) -> None:
        """Write ``data`` once the client has taken all but WRITE_LOW_WATER bytes of what went
        before and the budget has room; WriteStalled when it takes nothing for WRITE_STALL s."""
        deadline = time.monotonic() + WRITE_STALL
        pause = 0.0
        before = self._settle()
        while before > WRITE_LOW_WATER or not self.writes.take(len(data)):
            transport = self.request.transport
            if transport is None or transport.is_closing():
                raise ConnectionResetError("the client is gone")
            if time.monotonic() > deadline:
                self.stalled = True
                raise WriteStalled(
                    f"the client took nothing of {before} bytes written to it for "
                    f"{WRITE_STALL:g} s: dropped"
                )
            await asyncio.sleep(pause)
            pause = min(0.05, pause * 2 or 0.001)
            now = self._settle()
            if now < before:
                deadline = time.monotonic() + WRITE_STALL  # it reads: wait on
            before = now
        self.write_held += len(data)
        try:
            self._write_raw(data)
        finally:
            self._settle()
        await asyncio.sleep(0)  # the kernel may take chunk after chunk: others get a turn

    async def _put_frame(
        self,
        opcode: int,
        payload: Payload,
        *,
        fin: bool = True,
        rsv: tuple[bool, bool, bool] = (False, False, False),
        key: bytes | None = None,
        length: int | None = None,
        chop: int | None = None,
        delay: float = 0.0,
    ) -> None:
        """One frame built here, its payload made and written a chunk at a time; with
        ``chop``, in writes of that many bytes with ``delay`` between them (a turn of the
        loop at least)."""
        declared = len(payload) if length is None else length
        header = frame_header(opcode, declared, fin, *rsv, key=key)
        pieces = _frame_pieces(header, payload, key)
        for n, (piece, new) in enumerate(_cut(pieces, chop, WRITE_CHUNK)):
            if n and new and chop is not None:
                await asyncio.sleep(delay)
            await self._put(piece)

    async def send_message(self, kind: str, payload: bytes | Payload) -> None:
        """One whole message: through aiohttp (``send_frame``) when it is small, else framed
        here and written a chunk at a time."""
        opcode = 1 if kind == "text" else 2
        if isinstance(payload, bytes) and len(payload) <= WRITE_CHUNK:
            await self.ws.send_frame(payload, WSMsgType.TEXT if opcode == 1 else WSMsgType.BINARY)
            self.log.sent(opcode, payload)
            self.log.message("out", kind, payload)
            return
        whole = Payload(inline=payload) if isinstance(payload, bytes) else payload
        await self._put_frame(opcode, whole)
        self._log_message(opcode, kind, whole)

    def _log_message(self, opcode: int, kind: str, payload: Payload, frame: bool = True) -> None:
        if frame:
            self.log.sent(opcode, payload.head(self.log.cap), length=len(payload))
        if payload.inline is not None:
            self.log.message("out", kind, payload.inline)
        else:  # generated: digested off the loop, from the pattern (nothing is held)
            self.log.message_of(
                "out", kind, len(payload), payload.head(self.log.cap), digest_in_thread(payload)
            )

    async def send_close(self, code: int | None, reason: str = "") -> None:
        payload = b"" if code is None else struct.pack("!H", code) + reason.encode("utf-8")
        self._write_raw(build_frame(8, payload))
        self.log.sent(8, payload)
        self.close_sent = True

    # -- reading ---------------------------------------------------------------------------

    async def read(self, timeout: float | None, pongs: bool = False) -> Any:
        """The next data message (or pong, with ``pongs``), handling control frames on the
        way; None when it ends."""
        while not self.closed:
            try:
                msg = await self.ws.receive(timeout=timeout)
            except TimeoutError:
                return None
            if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                self.ws.release_message()  # its bytes are ours now, not the budget's
            if msg.type is WSMsgType.TEXT:
                self.last_payload = msg.data.encode("utf-8")
                self.log.message("in", "text", self.last_payload)
                return msg
            if msg.type is WSMsgType.BINARY:
                self.last_payload = msg.data
                self.log.message("in", "binary", msg.data)
                return msg
            if msg.type is WSMsgType.PING:
                if self.answer_pings:
                    await self.ws.pong(msg.data)
                    self.log.sent(10, msg.data)
                continue
            if msg.type is WSMsgType.PONG:
                if pongs:
                    return msg
                continue
            if msg.type is WSMsgType.CLOSE:
                if not self.close_sent:  # the client closes first: echo its code
                    await self.send_close(msg.data or None)
                self.closed = True
                return msg
            if self.failed:  # the server failed the connection: ``_fail`` knows who ended TCP
                self.closed = True
                return None
            if msg.type is WSMsgType.ERROR:  # a limit aiohttp keeps (FrameCheck keeps RFC 6455)
                code = getattr(msg.data, "code", None)
                self.log.client_error(code, f"aiohttp: {msg.data!r}", note=False)
            # CLOSED / ERROR: TCP ended or the client broke the protocol
            if msg.type is WSMsgType.ERROR:
                self.log.note("client_protocol_error", repr(msg.data))
                self._log_aiohttp_close(msg.data)
            self.closed = True
            self.client_gone = True
            return None
        return None

    def _log_aiohttp_close(self, error: Any) -> None:
        """aiohttp answered a client's error with a close frame of its own (1009 past
        --max-message): it goes into the log like the frames this module writes."""
        code = getattr(error, "code", None)
        if isinstance(code, int) and not self.close_sent:
            self.log.sent(8, struct.pack("!H", code))
            self.close_sent = True


def _frame_pieces(
    header: bytes, payload: Payload, key: bytes | None
) -> Iterable[bytes | memoryview]:
    yield header
    offset = 0
    for chunk in payload.chunks():
        yield chunk if key is None else mask_from(chunk, key, offset)
        offset += len(chunk)


def rechunk(pieces: Iterable[bytes | memoryview], size: int) -> Iterable[bytes]:
    """The bytes of ``pieces`` again, in pieces of ``size`` (the last one shorter)."""
    for piece, _ in _cut(pieces, None, size):
        yield piece


def _cut(
    pieces: Iterable[bytes | memoryview], chop: int | None, limit: int
) -> Iterable[tuple[bytes, bool]]:
    """The bytes of ``pieces`` in writes of at most ``limit`` bytes that never cross a multiple
    of ``chop``; each with True when it starts a new piece of ``chop`` bytes."""
    limit = max(1, limit)
    pos = start = 0
    buffer = bytearray()
    for piece in pieces:
        view = memoryview(piece)
        while len(view):
            boundary = 1 << 62 if chop is None else (pos // chop + 1) * chop
            take = min(limit - len(buffer), boundary - pos, len(view))
            buffer += view[:take]
            view = view[take:]
            pos += take
            if len(buffer) == limit or pos == boundary:
                yield bytes(buffer), chop is None or start % chop == 0
                buffer.clear()
                start = pos
    if buffer:
        yield bytes(buffer), chop is None or start % chop == 0
