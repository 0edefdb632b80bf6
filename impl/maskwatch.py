"""Spotting masked server frames, which aiohttp's client accepts silently.

RFC 6455 §5.1: a client MUST close the connection when a server frame is masked (PR4).
aiohttp unmasks such frames and delivers them. We read a copy of the incoming bytes and walk
the frame headers only (no payload copies); the connection checks the flag before it
delivers anything. This wraps aiohttp's private parser slot (``_payload_parser`` on the
connection's protocol, aiohttp 3.10–3.14); when it is missing the watch stays off.
"""

from __future__ import annotations

import struct
from typing import Any


class MaskWatch:
    def __init__(self) -> None:
        self.masked_seen = False
        self._header = b""
        self._skip = 0

    def feed(self, data: bytes) -> None:
        while data and not self.masked_seen:
            if self._skip:
                step = min(self._skip, len(data))
                self._skip -= step
                data = data[step:]
                continue
            buf = self._header + data
            parsed = _parse_header(buf)
            if parsed is None:
                self._header = buf
                return
            header_len, payload_len, masked = parsed
            self.masked_seen = masked
            self._header = b""
            self._skip = payload_len
            data = buf[header_len:]


def _parse_header(buf: bytes) -> tuple[int, int, bool] | None:
    if len(buf) < 2:
        return None
    masked = bool(buf[1] & 0x80)
    length = buf[1] & 0x7F
    pos = 2
    if length == 126:
        if len(buf) < 4:
            return None
        length, pos = struct.unpack("!H", buf[2:4])[0], 4
    elif length == 127:
        if len(buf) < 10:
            return None
        length, pos = struct.unpack("!Q", buf[2:10])[0], 10
    if masked:
        pos += 4
        if len(buf) < pos:
            return None
    return pos, length, masked


class _TeeParser:
    def __init__(self, inner: Any, watch: MaskWatch) -> None:
        self._inner = inner
        self._watch = watch

    def feed_data(self, data: bytes) -> Any:
        self._watch.feed(data)
        return self._inner.feed_data(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def install(ws: Any) -> MaskWatch:
    """Tee the connection's incoming bytes into a new MaskWatch (best effort)."""
    watch = MaskWatch()
    connection = getattr(getattr(ws, "_response", None), "connection", None)
    protocol = getattr(connection, "protocol", None)
    inner = getattr(protocol, "_payload_parser", None)
    if inner is not None:
        protocol._payload_parser = _TeeParser(inner, watch)  # type: ignore[union-attr]
    return watch
