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


# -- text messages: UTF-8 checked as the bytes arrive (Autobahn 6.4.x) ---------------------------

# Autobahn 6.4.1's parts: κόσμε, then U+110000's would-be encoding (never UTF-8), then "edited".
PART1 = "κόσμε".encode()
PART2 = b"\xf4\x90\x80\x80"
PART3 = b"edited"


def test_valid_text_split_anywhere_passes_unchanged() -> None:
    text = ("αβγ 𝄞 €" * 40).encode()  # 2-, 3- and 4-byte sequences, cut at every kind of spot
    stream = b"".join(
        build_frame(1 if i == 0 else 0, text[i : i + 7], fin=i + 7 >= len(text))
        for i in range(0, len(text), 7)
    )
    stream += build_frame(1, text) + build_frame(8, b"\x03\xe8")
    for seed in range(20):
        guard = InboundGuard()
        assert feed_in_pieces(guard, stream, seed) == stream
        assert not guard.bad_text


def test_bad_fragment_completes_the_message_at_once() -> None:
    """6.4.1: the bad frame is not final; the guard adds an empty final continuation so aiohttp
    sees a whole (invalid) message now, and hands nothing more on."""
    guard = InboundGuard()
    first = build_frame(1, PART1, fin=False)
    bad = build_frame(0, PART2, fin=False)
    assert guard.feed(first) is first and not guard.bad_text
    assert guard.feed(bad) == bad + b"\x80\x00"
    assert guard.bad_text
    assert guard.feed(build_frame(0, PART3)) == b""
    assert guard.feed(build_frame(8, b"\x03\xe8")) == b""


def test_bad_byte_inside_one_frame_fails_before_the_frame_ends() -> None:
    """6.4.3: one frame sent in chops; the bad chop arrives while the frame's rest is pending:
    the rest is padded with bytes that are never UTF-8."""
    payload = PART1 + PART2 + PART3
    frame = build_frame(1, payload)
    header = frame[: len(frame) - len(payload)]
    guard = InboundGuard()
    assert guard.feed(header + PART1) == header + PART1
    out = guard.feed(PART2)
    assert guard.bad_text
    assert out == PART2 + b"\xff" * len(PART3)
    assert guard.feed(PART3) == b""


def test_bad_byte_found_in_any_chunking() -> None:
    stream = (
        build_frame(1, PART1, fin=False)
        + build_frame(9, b"ping inside")
        + build_frame(0, PART2 + PART3, fin=True)
    )
    for seed in range(20):
        guard = InboundGuard()
        out = feed_in_pieces(guard, stream, seed)
        assert guard.bad_text
        # what aiohttp got is the stream up to the bad byte at least, and no more than it
        assert out.startswith(stream[: len(stream) - len(PART2 + PART3)])
        assert len(out) == len(stream)  # the frame's rest was padded, nothing after it


def test_truncated_sequence_at_the_message_end_is_bad() -> None:
    guard = InboundGuard()
    stream = build_frame(1, PART1 + b"\xce")
    assert feed_in_pieces(guard, stream, 5) == stream  # whole: aiohttp fails it itself
    assert guard.bad_text


def test_binary_compressed_and_masked_frames_are_not_decoded() -> None:
    guard = InboundGuard()
    stream = (
        build_frame(2, PART2)
        + build_frame(1, PART2, rsv1=True)  # permessage-deflate bytes are not text yet
        + build_frame(1, b"\x00" + PART1, mask=True)  # a masked frame fails with 1002 instead
    )
    assert feed_in_pieces(guard, stream, 2) == stream
    assert not guard.bad_text and guard.masked_seen


def test_a_huge_frame_is_not_padded() -> None:
    guard = InboundGuard()
    header = b"\x81\x7f" + (1 << 30).to_bytes(8, "big")
    assert guard.feed(header + PART2) == header + PART2  # noted, left for aiohttp's own check
    assert guard.bad_text
    more = bytes(100)
    assert guard.feed(more) is more
