"""The inbound guard: bytes pass through unchanged (whatever the chunking), masked frames are
flagged, a close frame with a non-UTF-8 reason gets code 0 (which aiohttp fails with 1002)."""

from __future__ import annotations

import random

from impl.inbound import InboundGuard
from mockserver.frames import build_frame


def feed_in_pieces(guard: InboundGuard, data: bytes, seed: int) -> bytes:
    rng = random.Random(seed)
    out, pos = b"", 0
    while pos < len(data):
        step = rng.randint(1, 40)
        out += guard.feed(data[pos : pos + step])
        pos += step
    return out


def test_stream_passes_unchanged_in_any_chunking() -> None:
    stream = (
        build_frame(1, b"hello")
        + build_frame(2, bytes(300))
        + build_frame(9, b"p")
        + build_frame(2, bytes(70000))
        + build_frame(8, b"\x03\xe8bye")
    )
    for seed in range(20):
        guard = InboundGuard()
        assert feed_in_pieces(guard, stream, seed) == stream
        assert not guard.masked_seen and not guard.bad_close_reason


def test_a_chunk_without_close_frame_is_the_same_object() -> None:
    chunk = build_frame(2, bytes(1000))
    assert InboundGuard().feed(chunk) is chunk


def test_masked_server_frame_is_flagged() -> None:
    guard = InboundGuard()
    feed_in_pieces(guard, build_frame(1, b"x") + build_frame(1, b"y", mask=True), 1)
    assert guard.masked_seen


def test_close_reason_not_utf8_gets_code_zero() -> None:
    guard = InboundGuard()
    frame = build_frame(8, b"\x03\xe8\xce\xba\xff\xfe")
    out = feed_in_pieces(guard, build_frame(1, b"a") + frame, 3)
    assert guard.bad_close_reason
    assert out.endswith(b"\x88\x06\x00\x00\xce\xba\xff\xfe")
