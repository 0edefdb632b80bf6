"""A guard on the server's bytes, for RFC 6455 rules aiohttp's client parser lets pass.

- §5.1: a client MUST fail the connection when a server frame is masked; aiohttp unmasks it and
  delivers it. The guard flags it; the connection checks the flag before delivering anything.
- §7.1.6/§8.1: a close frame's reason must be UTF-8, and the contract (PR6) wants a bad one
  answered with 1002; aiohttp answers 1007 from inside its parser, before any of our code runs.
  The guard holds each (small: at most 125 bytes) close frame until it is whole and, if its
  reason is not UTF-8, turns its code into 0, which aiohttp itself fails with 1002.
- §8.1: a text message that is not UTF-8 fails the connection (1007) *as soon as* the bad byte
  arrives (Autobahn 6.4.x calls failing only at the message's end NON-STRICT); aiohttp decodes
  a text message only once it is whole. The guard runs an incremental UTF-8 decoder over each
  text message's payload as its bytes pass (frame by frame, chunk by chunk); at the first bad
  byte it completes the broken message for aiohttp's parser (the rest of the frame as 0xFF
  bytes, then an empty final continuation frame if the frame was not final), so aiohttp fails
  it with 1007 right away, through its own path, and hands nothing more to the parser. A frame
  whose rest is over ``PAD_LIMIT`` is not padded: aiohttp still fails it at its end.
  Binary, compressed (RSV1) and masked frames are not decoded. (Text payloads are the only
  payload bytes the guard reads; a chunk with bad text is the other chunk it changes.)

The guard reads frame headers only and passes every other byte on untouched: a chunk with no
close frame in it is handed on as the very same object. It sits in front of aiohttp's parser
from the first byte, through ``_aiohttp_compat.ParserHook`` (a public trace hook that wraps the
connection protocol's ``set_parser``); the connection verifies after each handshake that it took.
"""

from __future__ import annotations

import codecs
import struct
import time
from typing import Any

from . import _aiohttp_compat

CONTINUATION, TEXT, CLOSE = 0x0, 0x1, 0x8
PAD_LIMIT = 1 << 24  # bytes of padding the guard writes at most to fail a text message early
_utf8_decode = codecs.utf_8_decode  # (data, errors, final) -> (text, bytes used): no copy


class InboundGuard:
    def __init__(self) -> None:
        self.installed = False
        self.last_received = time.monotonic()  # when the server's last bytes came (keep-alive)
        self.masked_seen = False
        self.bad_close_reason = False
        self._header = bytearray()  # the current frame's header, as far as seen
        self._remaining = 0  # payload bytes of the current frame still to come
        self._hold: bytearray | None = None  # a close frame being held back
        self.bad_text = False  # a text message was not UTF-8 (found as its bytes arrived)
        self._text = False  # a text message is in progress, being checked
        self._carry = b""  # its last bytes so far, when they end inside a UTF-8 sequence
        self._checking = False  # the current frame's payload is UTF-8-checked
        self._fin = False  # the current frame ends its message
        self._failed = False  # a bad text message was completed for aiohttp: pass nothing more

    def feed(self, chunk: bytes) -> bytes:
        """Watch ``chunk``; return the bytes to hand to the parser (usually ``chunk`` itself)."""
        self.last_received = time.monotonic()
        if self._failed:
            return b""
        if self._hold is not None or self._header:
            return self._walk(chunk)
        # Fast path, per frame rather than per byte: skip payloads, read whole headers.
        pos, end = 0, len(chunk)
        while True:
            if self._remaining:
                take = min(self._remaining, end - pos)
                self._remaining -= take
                if self._checking and not self._check(memoryview(chunk)[pos : pos + take]):
                    return chunk[: pos + take] + self._fail()
                pos += take
            if pos >= end:
                return chunk
            length = _header_length(chunk[pos : pos + 14])
            if chunk[pos] & 0x0F == CLOSE or length is None:
                break  # a close frame to hold, or a header cut by the chunk's end
            self._start(chunk[pos], chunk[pos + 1])
            pos += length[0]
            self._remaining = length[1]
            if not self._remaining and self._checking and not self._check(b""):
                return chunk[:pos] + self._fail()
        rest = self._walk(chunk[pos:])
        return chunk[:pos] + rest

    def _start(self, first: int, second: int) -> None:
        """A frame's header is whole: note a mask; decide whether its payload is decoded."""
        if second & 0x80:
            self.masked_seen = True
        opcode = first & 0x0F
        if opcode & 0x08:  # a control frame may sit inside a fragmented message
            self._checking = False
            return
        if opcode == TEXT:  # a compressed (RSV1) message cannot be checked as it arrives
            self._text, self._carry = not first & 0x40, b""
        elif opcode != CONTINUATION:
            self._text = False
        self._checking = self._text and not second & 0x80
        self._fin = bool(first & 0x80)

    def _check(self, piece: bytes | memoryview) -> bool:
        """Decode the next piece of a text frame's payload; False: fail the connection now."""
        final = self._fin and not self._remaining
        data = self._carry + piece if self._carry else piece
        try:
            used = _utf8_decode(data, "strict", final)[1]
        except UnicodeDecodeError:
            self.bad_text = True
            self._text = self._checking = False
            # Too much to pad: let the message run to its end, where aiohttp fails it.
            return self._remaining > PAD_LIMIT
        self._carry = bytes(data[used:]) if used < len(data) else b""
        if final:
            self._text = self._checking = False
        return True

    def _fail(self) -> bytes:
        """The bytes that complete the broken text message for aiohttp's parser (whose UTF-8
        check then fails it with 1007 at once); nothing more of the stream reaches it."""
        self._failed = True
        rest = b"\xff" * self._remaining  # never UTF-8: the message stays invalid
        self._remaining = 0
        return rest if self._fin else rest + b"\x80\x00"  # + an empty final continuation

    def _walk(self, chunk: bytes) -> bytes:
        """The byte-by-byte walk, for headers cut across chunks and close frames."""
        view = memoryview(chunk)
        out: list[Any] = []
        touched = self._hold is not None
        pos = 0
        while pos < len(view):
            if self._remaining:
                take = min(self._remaining, len(view) - pos)
                piece = view[pos : pos + take]
                self._pass(out, piece)
                pos += take
                self._remaining -= take
                if self._checking and not self._check(piece):
                    out.append(self._fail())
                    return b"".join(out)
                if not self._remaining and self._hold is not None:
                    out.append(self._release())
                continue
            byte = view[pos : pos + 1]
            pos += 1
            if not self._header and byte[0] & 0x0F == CLOSE:
                self._hold = bytearray()
                touched = True
            self._header += byte
            self._pass(out, byte)
            length = _header_length(self._header)
            if length is not None and len(self._header) == length[0]:
                self._start(self._header[0], self._header[1])
                self._remaining = length[1]
                self._header = bytearray()
                if not self._remaining and self._hold is not None:
                    out.append(self._release())
                elif not self._remaining and self._checking and not self._check(b""):
                    out.append(self._fail())
                    return b"".join(out)
        if not touched:
            return chunk
        return b"".join(out)

    def _pass(self, out: list[Any], piece: memoryview) -> None:
        if self._hold is not None:
            self._hold += piece
        else:
            out.append(piece)

    def _release(self) -> bytes:
        assert self._hold is not None
        frame, self._hold = bytes(self._hold), None
        header_len = _header_length(frame)
        start = header_len[0] if header_len else len(frame)
        payload = frame[start:]
        if len(payload) > 2 and not frame[1] & 0x80:
            try:
                payload[2:].decode("utf-8")
            except UnicodeDecodeError:
                self.bad_close_reason = True
                return frame[:start] + b"\x00\x00" + payload[2:]
        return frame


def _header_length(header: bytes | bytearray) -> tuple[int, int] | None:
    """(header length, payload length) once both are known from ``header``'s bytes."""
    if len(header) < 2:
        return None
    mask = 4 if header[1] & 0x80 else 0
    length = header[1] & 0x7F
    if length == 126:
        if len(header) < 4:
            return None
        return 4 + mask, struct.unpack("!H", bytes(header[2:4]))[0]
    if length == 127:
        if len(header) < 10:
            return None
        return 10 + mask, struct.unpack("!Q", bytes(header[2:10]))[0]
    return 2 + mask, length


class _GuardedParser:
    def __init__(self, inner: Any, guard: InboundGuard) -> None:
        self._inner = inner
        self._guard = guard

    def feed_data(self, data: bytes) -> Any:
        return self._inner.feed_data(self._guard.feed(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def parser_hook(guard: InboundGuard) -> _aiohttp_compat.ParserHook:
    """Puts ``guard`` in front of the WebSocket parser before its first byte; after the
    handshake, ``verify()`` the hook or the connection must not go on."""

    def wrap(parser: Any) -> _GuardedParser:
        guard.installed = True
        return _GuardedParser(parser, guard)

    return _aiohttp_compat.ParserHook(wrap)
