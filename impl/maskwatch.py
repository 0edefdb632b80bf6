"""Spotting masked server frames, which aiohttp's client accepts silently.

RFC 6455 §5.1: a client MUST close the connection when a server frame is masked (PR4).
aiohttp unmasks such frames and delivers them. We read a copy of the incoming bytes and walk
the frame headers only (no payload copies); the connection checks the flag before it
delivers anything.

The tee must be in place before aiohttp hands the WebSocket parser the bytes that came in
with the 101 response, so it goes in from a (public) request-end trace hook that wraps the
connection protocol's ``set_parser`` for this one connection. If a future aiohttp moves that,
``install`` falls back to wrapping the private ``_payload_parser`` slot after the handshake.
"""

from __future__ import annotations

import struct
from typing import Any

import aiohttp


class MaskWatch:
    def __init__(self) -> None:
        self.installed = False
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


def trace_config(watch: MaskWatch) -> aiohttp.TraceConfig:
    """A trace hook that tees the WebSocket parser's input into ``watch`` from the start."""
    config = aiohttp.TraceConfig()

    async def on_request_end(_: Any, __: Any, params: aiohttp.TraceRequestEndParams) -> None:
        protocol = getattr(params.response.connection, "protocol", None)
        original = getattr(protocol, "set_parser", None)
        if original is None:
            return

        def set_parser(parser: Any, *args: Any, **kwargs: Any) -> Any:
            watch.installed = True
            return original(_TeeParser(parser, watch), *args, **kwargs)

        protocol.set_parser = set_parser  # type: ignore[union-attr]

    config.on_request_end.append(on_request_end)
    return config


def install(ws: Any, watch: MaskWatch) -> None:
    """Fallback when the trace hook could not run: tee from now on (best effort)."""
    if watch.installed:
        return
    connection = getattr(getattr(ws, "_response", None), "connection", None)
    protocol = getattr(connection, "protocol", None)
    inner = getattr(protocol, "_payload_parser", None)
    if inner is not None:
        protocol._payload_parser = _TeeParser(inner, watch)  # type: ignore[union-attr]
        watch.installed = True
