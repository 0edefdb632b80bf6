"""Running a script over one accepted WebSocket: the steps, the closing handshake, the log.

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
past the budget the connection is failed with 1013 (Try Again Later). A script lets the loop
serve others at least every ``YIELD_EVERY`` steps.
"""

from __future__ import annotations

import asyncio
import json
import os
import struct
import time
from collections.abc import Iterable
from typing import Any

from aiohttp import WSMsgType, web

from .digests import digest_in_thread
from .frames import build_frame, frame_header, mask_from
from .frames import header_text as _text
from .limits import WRITE_CHUNK, WRITE_LOW_WATER, WRITE_STALL, YIELD_EVERY, Budget
from .records import is_close_frame
from .script import Payload, Script, payload_bytes, step_payload
from .tap import TappedWebSocketResponse

END_WAIT = 30.0  # after the last step: how long to wait for the client's close
STALL_DEFAULT_MS = 30_000
FAIL_LINGER = 1.0  # after failing a client: how long to wait for its close frame, reading nothing


class WriteStalled(ConnectionError):
    """The client took none of what was written to it for ``WRITE_STALL`` seconds."""


class ScriptRun:
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

    # -- the steps ---------------------------------------------------------------------------

    async def _tick(self) -> None:
        """Every YIELD_EVERY steps the loop serves others (a step may not await at all)."""
        self._steps += 1
        if self._steps % YIELD_EVERY == 0:
            await asyncio.sleep(0)

    async def run(self) -> None:
        try:
            await self._run()
        finally:
            self.ws.release_all()

    async def _run(self) -> None:
        for index, step in enumerate(self.script.steps):
            if self.closed:
                break
            try:
                await self._tick()
                await getattr(self, f"step_{step['op']}")(step)
            except WriteStalled as exc:
                self.log.note("client_not_reading", f"step {index} ({step['op']}): {exc}")
                break
            except (ConnectionResetError, ConnectionError) as exc:
                if not self.failed:
                    self.log.note("client_gone", f"step {index} ({step['op']}): {exc}")
                    self.client_gone = True
                break
            except Exception as exc:  # a step that fails ends this connection only
                self.log.note("step_failed", f"step {index} ({step['op']}): {exc!r}")
                break
        else:
            try:
                await self._wait_for_close()
            except ConnectionError:
                if not self.failed:
                    self.client_gone = True
        if self._failing is not None:
            await self._failing  # our close frame is out and logged before the log ends

    async def _wait_for_close(self) -> None:
        deadline = time.monotonic() + END_WAIT
        while not self.closed and time.monotonic() < deadline:
            await self.read(timeout=max(0.01, deadline - time.monotonic()))

    async def step_send_text(self, step: dict[str, Any]) -> None:
        await self.send_message("text", _small_or_lazy(step_payload(step)))

    async def step_send_binary(self, step: dict[str, Any]) -> None:
        await self.send_message("binary", _small_or_lazy(step_payload(step)))

    async def step_send_headers(self, step: dict[str, Any]) -> None:
        headers = [[_text(k), _text(v)] for k, v in self.request.raw_headers]
        await self.send_message("text", json.dumps(headers).encode("utf-8"))

    async def step_send_fragmented(self, step: dict[str, Any]) -> None:
        """aiohttp writes only whole messages, so the fragments are framed here; many small
        frames go out in writes of about WRITE_CHUNK bytes, a large one a chunk at a time."""
        payload = step_payload(step)
        total = len(payload)
        if "fragment_size" in step:  # frames of that size, padded with empty ones to `frames`
            size = step["fragment_size"]
            count = max(1, -(-total // size), step.get("frames", 0))
        else:
            count = step["frames"]
            size = max(1, -(-total // count))
        pending = bytearray()
        for i in range(count):
            start, end = min(i * size, total), min((i + 1) * size, total)
            opcode = (1 if step["kind"] == "text" else 2) if i == 0 else 0
            fin = i == count - 1
            pending += frame_header(opcode, end - start, fin)
            head = bytearray()
            for piece in payload.chunks(start=start, end=end):
                if len(head) < self.log.cap:
                    head += piece[: self.log.cap - len(head)]
                pending += piece
                if len(pending) >= WRITE_CHUNK:
                    await self._put(bytes(pending))
                    pending.clear()
            self.log.sent(opcode, bytes(head), fin=fin, length=end - start)
            if len(pending) >= WRITE_CHUNK or fin:
                await self._put(bytes(pending))
                pending.clear()
            if i % YIELD_EVERY == YIELD_EVERY - 1:
                await asyncio.sleep(0)
        self._log_message(0, step["kind"], payload, frame=False)

    async def step_ping(self, step: dict[str, Any]) -> None:
        data = step.get("data", "").encode("utf-8")
        await self.ws.ping(data)
        self.log.sent(9, data)

    async def step_pong(self, step: dict[str, Any]) -> None:
        data = step.get("data", "").encode("utf-8")
        await self.ws.pong(data)
        self.log.sent(10, data)

    async def step_raw_frame(self, step: dict[str, Any]) -> None:
        payload = step_payload(step)
        flags = {k: step.get(k, k == "fin") for k in ("fin", "rsv1", "rsv2", "rsv3")}
        mask = step.get("mask", False)
        key = os.urandom(4) if mask else None
        self.log.sent(
            step["opcode"],
            payload.head(self.log.cap),
            masked=mask,
            length=step.get("length", len(payload)),
            **flags,
        )
        await self._put_frame(
            step["opcode"],
            payload,
            fin=flags["fin"],
            rsv=(flags["rsv1"], flags["rsv2"], flags["rsv3"]),
            key=key,
            length=step.get("length"),
            chop=step.get("chop"),
            delay=step.get("delay_ms", 0) / 1000,
        )
        if is_close_frame(step["opcode"], **flags):
            self.close_sent = True  # a close frame (one with RSV bits or no FIN is just broken)

    async def step_raw_bytes(self, step: dict[str, Any]) -> None:
        data = payload_bytes(step)  # inline: at most the script's own size
        for piece in _rechunk([data], WRITE_CHUNK):
            await self._put(piece)
        self.log.note("raw_bytes", data[:100].hex())

    async def step_wait(self, step: dict[str, Any]) -> None:
        await asyncio.sleep(step["ms"] / 1000)

    async def step_wait_close(self, step: dict[str, Any]) -> None:
        """Read (logging messages, answering pings and the close) until the client's close
        frame or the end of TCP, for at most ``ms``; the script goes on either way."""
        deadline = time.monotonic() + step["ms"] / 1000
        while not self.closed and (left := deadline - time.monotonic()) > 0:
            await self.read(timeout=left)

    async def step_ignore_pings(self, step: dict[str, Any]) -> None:
        """As ``wait_close``, but the client's pings go unanswered (they are still logged, with
        their times): a peer whose pongs never come, for keep-alive timeouts."""
        self.answer_pings = False
        try:
            await self.step_wait_close(step)
        finally:
            self.answer_pings = True

    async def step_expect(self, step: dict[str, Any]) -> bool:
        """Wait for the client's message; False (and a note) when it did not come or differs."""
        kind = step.get("kind", "any")
        msg = await self.read(timeout=step.get("timeout_ms", 5000) / 1000, pongs=kind == "pong")
        if msg is None:
            self.log.note("expect_mismatch", f"expected {kind}, got nothing (timeout or end)")
            return False
        got = {WSMsgType.TEXT: "text", WSMsgType.BINARY: "binary", WSMsgType.PONG: "pong"}.get(
            msg.type, "close"
        )
        if kind not in ("any", got):
            self.log.note("expect_mismatch", f"expected {kind}, got {got}")
            return False
        if "data" in step or "b64" in step:
            want = payload_bytes(step)
            have = msg.data.encode("utf-8") if isinstance(msg.data, str) else msg.data
            if got not in ("close", "pong") and have != want:
                self.log.note("expect_mismatch", f"expected {want[:64]!r}, got {have[:64]!r}")
                return False
        return True

    async def step_echo(self, step: dict[str, Any]) -> None:
        remaining = step.get("count")
        while remaining is None or remaining > 0:
            msg = await self.read(timeout=None if remaining is None else END_WAIT)
            if msg is None or msg.type is WSMsgType.CLOSE:
                return
            kind = "text" if msg.type is WSMsgType.TEXT else "binary"
            await self.send_message(kind, self.last_payload)
            if remaining is not None:
                remaining -= 1

    async def step_mark(self, step: dict[str, Any]) -> None:
        """A named point of the script, noted in the log when reached (Autobahn's "timeout A":
        the steps before it ran and the connection was still open)."""
        self.log.note("mark", step["name"])

    async def step_repeat(self, step: dict[str, Any]) -> None:
        """The steps ``count`` times; an ``expect`` in it that is not met ends the repeat (so
        a client that stopped answering costs one timeout, not one per round)."""
        for _ in range(step["count"]):
            await self._tick()  # a round of an empty repeat is a step too
            for inner in step["steps"]:
                if self.closed:
                    return
                await self._tick()
                if await getattr(self, f"step_{inner['op']}")(inner) is False:
                    return

    async def step_close(self, step: dict[str, Any]) -> None:
        code = None if step.get("empty") else step.get("code", 1000)
        await self.send_close(code, step.get("reason", ""))
        if step.get("wait", True):
            deadline = time.monotonic() + END_WAIT
            while not self.closed and time.monotonic() < deadline:
                await self.read(timeout=max(0.01, deadline - time.monotonic()))
        self.closed = True

    async def step_drop(self, step: dict[str, Any]) -> None:
        transport = self.request.transport
        if transport is not None:
            transport.close()
        self.closed = True

    async def step_stall(self, step: dict[str, Any]) -> None:
        """Stop reading: the client's frames pile up unread (and unanswered)."""
        transport = self.request.transport
        if transport is None:
            return
        transport.pause_reading()
        deadline = time.monotonic() + step.get("ms", STALL_DEFAULT_MS) / 1000
        try:
            while time.monotonic() < deadline and not transport.is_closing():
                await asyncio.sleep(0.02)
        finally:
            if not transport.is_closing():
                transport.resume_reading()


def _small_or_lazy(payload: Payload) -> bytes | Payload:
    """A payload of at most a chunk as bytes (aiohttp sends it), a larger one as it is."""
    return payload.whole() if len(payload) <= WRITE_CHUNK else payload


def _frame_pieces(
    header: bytes, payload: Payload, key: bytes | None
) -> Iterable[bytes | memoryview]:
    yield header
    offset = 0
    for chunk in payload.chunks():
        yield chunk if key is None else mask_from(chunk, key, offset)
        offset += len(chunk)


def _rechunk(pieces: Iterable[bytes | memoryview], size: int) -> Iterable[bytes]:
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
