"""impl fails a text message that is not UTF-8 as soon as the bad byte arrives (RFC 6455 §8.1,
Autobahn 6.4.1–6.4.4): 1007 on the wire, then 'error', then 'close', while the server still
holds the message's rest back."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import urllib.parse
from typing import Any

import pytest

from impl import webSocket
from mockserver import MockServer

PART1 = "κόσμε".encode()
PART2 = b"\xf4\x90\x80\x80"  # never UTF-8
PART3 = b"edited"
HOLD_MS = 3000  # the server waits this long before the message's rest


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def url(server: MockServer, steps: list[dict[str, Any]], tag: str) -> str:
    doc = json.dumps({"steps": steps})
    return f"{server.ws_url}/script?tag={tag}&script={urllib.parse.quote(doc)}"


def in_frames() -> list[dict[str, Any]]:
    """6.4.1: three frames; the second makes the message invalid."""
    return [
        {"op": "raw_frame", "opcode": 1, "fin": False, "b64": b64(PART1)},
        {"op": "wait", "ms": 100},
        {"op": "raw_frame", "opcode": 0, "fin": False, "b64": b64(PART2)},
        {"op": "wait", "ms": HOLD_MS},
        {"op": "raw_frame", "opcode": 0, "fin": True, "b64": b64(PART3)},
        {"op": "expect", "kind": "close"},
    ]


def in_chops() -> list[dict[str, Any]]:
    """6.4.3: one frame, written in three chops; the second holds the bad bytes."""
    payload = PART1 + PART2 + PART3
    header = bytes([0x81, len(payload)])
    return [
        {"op": "raw_bytes", "b64": b64(header + PART1)},
        {"op": "wait", "ms": 100},
        {"op": "raw_bytes", "b64": b64(PART2)},
        {"op": "wait", "ms": HOLD_MS},
        {"op": "raw_bytes", "b64": b64(PART3)},
        {"op": "expect", "kind": "close"},
    ]


@pytest.mark.parametrize("steps", [in_frames, in_chops], ids=["frames", "chops"])
async def test_PR5_bad_utf8_fails_before_the_message_ends(
    mockserver: MockServer, steps: Any
) -> None:
    ws = webSocket.createWebSocket()
    events: list[tuple[str, Any]] = []
    closed = asyncio.Event()
    ws.on("message", lambda err, value: events.append(("message", value)))
    ws.on("error", lambda err: events.append(("error", err)))

    def on_close(err: Any, value: Any) -> None:
        events.append(("close", value))
        closed.set()

    ws.on("close", on_close)
    tag = f"utf8-{steps.__name__}"
    started = time.monotonic()
    await ws.connect(url(mockserver, steps(), tag))
    await asyncio.wait_for(closed.wait(), HOLD_MS / 1000 * 2)
    elapsed = time.monotonic() - started
    assert elapsed < HOLD_MS / 1000 / 2, f"failed only after {elapsed:.2f}s: at the message's end"
    assert [name for name, _ in events] == ["error", "close"]
    assert events[1][1].code == 1007
    assert "UTF-8" in str(events[0][1])
    entry = await mockserver.wirelog.wait_done(tag, 10)
    assert entry is not None
    assert entry["close"]["in"]["code"] == 1007
    assert entry["close"]["first"] == "client"
