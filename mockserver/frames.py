"""Frames built by hand (broken on purpose when asked) and a decoder that only watches.

aiohttp frames all well-formed traffic; these are for what it will not write: fragments,
raw/broken frames, an empty close payload. ``FrameTap`` reads a copy of the client's bytes and
logs each frame's header; ``FrameCheck`` holds the client's frames to RFC 6455 on the way (so
the server fails a broken one itself, at once, and logs it); aiohttp's own parser keeps doing
the real work on everything before it.
"""

from __future__ import annotations

import codecs
import os
import struct
from collections.abc import Callable

_mask_in_place: Callable[[bytes, bytearray], None] | None
try:  # aiohttp's own (C) unmasking, in place: private, aiohttp 3.11–3.14; pure Python otherwise
    from aiohttp._websocket.helpers import websocket_mask as _mask_in_place
except ImportError:  # pragma: no cover
    _mask_in_place = None


def apply_mask(data: bytes | memoryview, key: bytes) -> bytes:
    """XOR ``data`` with the 4-byte ``key`` (RFC 6455 §5.3): aiohttp's C loop when it has one
    (20x faster on 64 KiB: the text check unmasks every text payload), else a whole-int XOR."""
    if not data:
        return b""
    if _mask_in_place is not None:
        buffer = bytearray(data)
        _mask_in_place(key, buffer)
        return bytes(buffer)
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
    declared = len(payload) if length is None else length
    key = os.urandom(4) if mask else None
    header = frame_header(opcode, declared, fin, rsv1, rsv2, rsv3, key)
    if key is not None:
        return header + apply_mask(payload, key)
    return header + payload


def frame_header(
    opcode: int,
    length: int,
    fin: bool = True,
    rsv1: bool = False,
    rsv2: bool = False,
    rsv3: bool = False,
    key: bytes | None = None,
) -> bytes:
    """A frame's header saying ``length`` payload bytes follow (and the mask key, if any):
    for a payload written after it in pieces."""
    first = first_byte(opcode, fin, rsv1, rsv2, rsv3)
    mask_bit = 0x80 if key is not None else 0
    if length < 126:
        header = struct.pack("!BB", first, mask_bit | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", first, mask_bit | 126, length)
    else:
        header = struct.pack("!BBQ", first, mask_bit | 127, length)
    return header + (key or b"")


def mask_from(piece: bytes | memoryview, key: bytes, offset: int) -> bytes:
    """``piece`` masked as the bytes at ``offset`` of a payload masked with ``key``."""
    turn = offset % 4
    return apply_mask(piece, key[turn:] + key[:turn])


def header_text(raw: bytes) -> str:
    """A header name or value as text: UTF-8 when it is (what clients send), else Latin-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def first_byte(opcode: int, fin: bool, rsv1: bool, rsv2: bool, rsv3: bool) -> int:
    """A frame's first byte: the flags and the opcode."""
    flags = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | (0x20 if rsv2 else 0)
    return flags | (0x10 if rsv3 else 0) | (opcode & 0x0F)


# RFC 6455 §7.4.1 and IANA's registry: the codes a close frame may carry on the wire (1004,
# 1005, 1006 and 1015 are reserved: never sent; 1016–2999 unassigned; 3000–4999 registered or
# private; from 5000 up nothing).
CLOSE_CODES_SENT = frozenset(range(1000, 1004)) | frozenset(range(1007, 1015))
PROTOCOL_ERROR, INVALID_PAYLOAD = 1002, 1007

_utf8_decode = codecs.utf_8_decode  # (data, errors, final) -> (text, bytes used)


def close_code_valid(code: int) -> bool:
    return code in CLOSE_CODES_SENT or 3000 <= code <= 4999


class FrameCheck:
    """RFC 6455's rules for a client's frames, as a server enforces them (§5.1–§5.6, §7.4,
    §8.1); no extension is ever negotiated, so every RSV bit must be 0.

    ``FrameTap`` calls ``head`` as soon as a frame's first two bytes are in (aiohttp's parser
    checks those, too, and must never get that far), ``payload`` with each unmasked piece of a
    text or close frame's payload as it arrives (so bad UTF-8 fails at once, not at the
    message's end), and ``end`` when the frame is whole. The first violation stays in
    ``violation`` as ``(close code, why)``; nothing is checked after it.
    """

    def __init__(self) -> None:
        self.violation: tuple[int, str] | None = None
        self._fragmented: int | None = None  # opcode of the fragmented message in progress
        self._text = False  # a text message is in progress, being checked
        self._carry = b""  # its last bytes so far, when they end inside a UTF-8 sequence
        self._opcode = 0
        self._fin = True
        self._close = bytearray()  # a close frame's payload (at most 125 bytes)

    def wants_payload(self) -> bool:
        """The current frame's payload must be seen (unmasked): text, continued text, close."""
        return self._opcode == 8 or (self._text and self._opcode in (0, 1))

    def _fail(self, code: int, why: str) -> None:
        if self.violation is None:
            self.violation = (code, why)

    def head(self, first: int, second: int) -> None:
        fin, opcode, length = bool(first & 0x80), first & 0x0F, second & 0x7F
        self._opcode, self._fin = opcode, fin
        if first & 0x70:
            return self._fail(PROTOCOL_ERROR, f"reserved bits set (0x{first & 0x70:02x})")
        if opcode in (3, 4, 5, 6, 7) or opcode > 10:
            return self._fail(PROTOCOL_ERROR, f"reserved opcode {opcode}")
        if not second & 0x80:
            return self._fail(PROTOCOL_ERROR, f"unmasked client frame (opcode {opcode})")
        if opcode >= 8:
            if not fin:
                return self._fail(PROTOCOL_ERROR, f"fragmented control frame (opcode {opcode})")
            if length > 125:
                return self._fail(PROTOCOL_ERROR, f"control frame over 125 bytes ({opcode})")
            if opcode == 8:
                self._close = bytearray()
            return None
        if opcode == 0 and self._fragmented is None:
            return self._fail(PROTOCOL_ERROR, "continuation frame without a message to continue")
        if opcode != 0 and self._fragmented is not None:
            return self._fail(PROTOCOL_ERROR, f"opcode {opcode} inside a fragmented message")
        if opcode != 0:
            self._text, self._carry = opcode == 1, b""
        self._fragmented = None if fin else (self._fragmented or opcode)
        return None

    def length(self, length: int) -> None:
        if length >= 1 << 63:
            self._fail(PROTOCOL_ERROR, "payload length with its most significant bit set")

    def payload(self, piece: bytes) -> None:
        """The next unmasked piece of the current frame's payload."""
        if self._opcode == 8:
            self._close += piece
        elif self._text:
            self._decode(piece, final=False)

    def _decode(self, piece: bytes, final: bool) -> None:
        data = self._carry + piece if self._carry else piece
        try:
            used = _utf8_decode(data, "strict", final)[1]
        except UnicodeDecodeError as exc:
            self._text = False
            self._fail(INVALID_PAYLOAD, f"text message is not UTF-8 ({exc.reason})")
            return
        self._carry = data[used:] if used < len(data) else b""

    def end(self) -> None:
        """The frame is whole: a text message's end, a close frame's payload, are checked."""
        if self._text and self._fin and self._opcode in (0, 1):
            self._decode(b"", final=True)  # a sequence cut by the message's end
            self._text = False
        if self._opcode != 8:
            return
        payload = bytes(self._close)
        if len(payload) == 1:
            return self._fail(PROTOCOL_ERROR, "close frame with a 1-byte payload")
        if len(payload) >= 2:
            code = struct.unpack("!H", payload[:2])[0]
            if not close_code_valid(code):
                return self._fail(PROTOCOL_ERROR, f"close code {code} may not be sent")
            try:
                payload[2:].decode("utf-8")
            except UnicodeDecodeError:
                return self._fail(INVALID_PAYLOAD, "close reason is not UTF-8")
        return None


class FrameTap:
    """Incremental frame-header decoder over a copy of the incoming byte stream.

    Keeps at most ``cap`` payload bytes per frame, still masked, so a 4 MiB frame costs a
    counter, not a copy, and unmasking waits until someone reads the log.
    ``on_frame(first_byte, mask_key or None, length, captured)`` runs per frame.

    With a ``check`` (a ``FrameCheck``), ``feed`` also says how much of a chunk may go on to
    aiohttp's parser: ``None`` (all of it), or the number of bytes before the frame that broke
    the protocol (so aiohttp never completes that frame, and never answers it on its own).
    Only text and close payloads are unmasked for the check; the tap keeps logging after it.
    """

    def __init__(
        self,
        cap: int,
        on_frame: Callable[[int, bytes | None, int, bytes], None],
        check: FrameCheck | None = None,
    ) -> None:
        self._cap = cap
        self._on_frame = on_frame
        self._check = check
        self._buffer = b""
        self._first: int | None = None
        self._key: bytes | None = None
        self._length = 0
        self._remaining = 0
        self._captured = bytearray()
        self._head_checked = False  # the current header's first two bytes went to the check

    def feed(self, chunk: bytes) -> int | None:
        data = memoryview(chunk)  # slices of a view cost nothing: a chunk is never copied
        check = self._check if self._check is not None and self._check.violation is None else None
        allowed: int | None = None
        start = 0  # where the current frame began in this chunk (0: in an earlier one)
        while len(data):
            if self._first is None:
                if not self._buffer:
                    start = len(chunk) - len(data)
                head = self._buffer + bytes(data[:14])  # a header is at most 14 bytes
                if check is not None and not self._head_checked and len(head) >= 2:
                    self._head_checked = True
                    check.head(head[0], head[1])
                used = self._parse_header(head)
                if used is None:
                    self._buffer = head
                    if check is not None and check.violation is not None:
                        allowed = start
                    break
                data = data[used - len(self._buffer) :]
                self._buffer = b""
                self._head_checked = False
                if check is not None and self._length >> 63:
                    check.length(self._length)
                if self._remaining == 0:
                    if check is not None:
                        check.end()
                    self._emit()
            else:
                take = min(self._remaining, len(data))
                room = self._cap - len(self._captured)
                if room > 0:
                    self._captured += data[: min(take, room)]
                if check is not None and check.violation is None and check.wants_payload():
                    offset = self._length - self._remaining
                    check.payload(self._unmask(data[:take], offset))
                self._remaining -= take
                data = data[take:]
                if self._remaining == 0:
                    if check is not None:
                        check.end()
                    self._emit()
            if check is not None and check.violation is not None:
                allowed, check = start, None  # log the rest, check nothing more
        return allowed

    def _unmask(self, piece: memoryview, offset: int) -> bytes:
        if self._key is None:
            return bytes(piece)
        turn = offset % 4
        return apply_mask(piece, self._key[turn:] + self._key[:turn])

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
