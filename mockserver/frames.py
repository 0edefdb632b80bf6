"""Frames built by hand (broken on purpose when asked) and a decoder that only watches.

aiohttp frames all well-formed traffic; these are for what it will not write: fragments,
raw/broken frames, an empty close payload. ``FrameTap`` reads a copy of the client's bytes and
logs each frame's header; aiohttp's own parser keeps doing the real work.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from typing import Any


def apply_mask(data: bytes, key: bytes) -> bytes:
    """XOR ``data`` with the 4-byte ``key`` (RFC 6455 §5.3); whole-int XOR, no Python loop."""
    if not data:
        return b""
    repeated = (key * (len(data) // 4 + 1))[: len(data)]
    value = int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")
    return value.to_bytes(len(data), "big")


def build_frame(
    opcode: int,
    payload: bytes,
    *,
    fin: bool = True,
    rsv1: bool = False,
    rsv2: bool = False,
    rsv3: bool = False,
    mask: bool = False,
    length: int | None = None,
) -> bytes:
    """One frame's bytes. ``length`` lets a caller lie about the payload length."""
    first = first_byte(opcode, fin, rsv1, rsv2, rsv3)
    declared = len(payload) if length is None else length
    mask_bit = 0x80 if mask else 0
    if declared < 126:
        header = struct.pack("!BB", first, mask_bit | declared)
    elif declared < 1 << 16:
        header = struct.pack("!BBH", first, mask_bit | 126, declared)
    else:
        header = struct.pack("!BBQ", first, mask_bit | 127, declared)
    if mask:
        key = os.urandom(4)
        return header + key + apply_mask(payload, key)
    return header + payload


def header_text(raw: bytes) -> str:
    """A header name or value as text: UTF-8 when it is (what clients send), else Latin-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def close_payload_fields(payload: bytes) -> dict[str, Any]:
    """Code and reason of a close frame's payload, as the log shows them."""
    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
    reason = payload[2:].decode("utf-8", "replace")
    return {"code": code, "reason": reason, "payload_hex": payload.hex()}


def first_byte(opcode: int, fin: bool, rsv1: bool, rsv2: bool, rsv3: bool) -> int:
    """A frame's first byte: the flags and the opcode."""
    flags = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | (0x20 if rsv2 else 0)
    return flags | (0x10 if rsv3 else 0) | (opcode & 0x0F)


def header_fields(first: int, key: bytes | None, length: int) -> dict[str, Any]:
    """The log's view of a frame header."""
    return {
        "fin": bool(first & 0x80),
        "rsv1": bool(first & 0x40),
        "rsv2": bool(first & 0x20),
        "rsv3": bool(first & 0x10),
        "opcode": first & 0x0F,
        "masked": key is not None,
        "mask_key": None if key is None else key.hex(),
        "length": length,
    }


class FrameTap:
    """Incremental frame-header decoder over a copy of the incoming byte stream.

    Keeps at most ``cap`` payload bytes per frame, still masked, so a 4 MiB frame costs a
    counter, not a copy, and unmasking waits until someone reads the log.
    ``on_frame(first_byte, mask_key or None, length, captured)`` runs per frame.
    """

    def __init__(self, cap: int, on_frame: Callable[[int, bytes | None, int, bytes], None]) -> None:
        self._cap = cap
        self._on_frame = on_frame
        self._buffer = b""
        self._first: int | None = None
        self._key: bytes | None = None
        self._length = 0
        self._remaining = 0
        self._captured = bytearray()

    def feed(self, chunk: bytes) -> None:
        data = memoryview(chunk)  # slices of a view cost nothing: a chunk is never copied
        while len(data):
            if self._first is None:
                head = self._buffer + bytes(data[:14])  # a header is at most 14 bytes
                used = self._parse_header(head)
                if used is None:
                    self._buffer = head
                    return
                data = data[used - len(self._buffer) :]
                self._buffer = b""
                if self._remaining == 0:
                    self._emit()
                continue
            take = min(self._remaining, len(data))
            room = self._cap - len(self._captured)
            if room > 0:
                self._captured += data[: min(take, room)]
            self._remaining -= take
            data = data[take:]
            if self._remaining == 0:
                self._emit()

    def _parse_header(self, buf: bytes) -> int | None:
        """Reads one frame header from ``buf``; returns its length, None if incomplete."""
        if len(buf) < 2:
            return None
        length = buf[1] & 0x7F
        pos = 2
        if length == 126:
            if len(buf) < 4:
                return None
            length = struct.unpack("!H", buf[2:4])[0]
            pos = 4
        elif length == 127:
            if len(buf) < 10:
                return None
            length = struct.unpack("!Q", buf[2:10])[0]
            pos = 10
        key = None
        if buf[1] & 0x80:
            if len(buf) < pos + 4:
                return None
            key = buf[pos : pos + 4]
            pos += 4
        self._first, self._key, self._length = buf[0], key, length
        self._remaining = length
        self._captured = bytearray()
        return pos

    def _emit(self) -> None:
        assert self._first is not None
        first, self._first = self._first, None
        self._on_frame(first, self._key, self._length, bytes(self._captured))
