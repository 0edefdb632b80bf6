"""The script's steps over one connection (docs/mockserver.md, "Script document"): each op
``X`` is ``ScriptRun.step_X``; ``run`` runs them in order, then waits for the client's close.

A step that fails ends this connection only (a ``step_failed`` note); a client that stops
reading (``WriteStalled``) or goes away ends it with a note too. The I/O under the steps
(failing the connection, writing a chunk at a time, reading) is ``session.Connection``.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

from aiohttp import WSMsgType

from .frames import frame_header
from .frames import header_text as _text
from .limits import WRITE_CHUNK, YIELD_EVERY
from .records import is_close_frame
from .script import Payload, payload_bytes, step_payload
from .session import END_WAIT, STALL_DEFAULT_MS, Connection, WriteStalled, rechunk


class ScriptRun(Connection):
    """One script over one connection."""

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
        for piece in rechunk([data], WRITE_CHUNK):
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
