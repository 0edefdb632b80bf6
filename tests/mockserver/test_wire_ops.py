"""The script ops the Autobahn wire cases need: chopped and generated raw frames, fragments of
a given size, waiting for a pong or for the client's close, marks, repeats."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from mockserver import MockServer, ScriptError, parse_script
from mockserver.script import generated_text


async def _connect(server: MockServer, steps: list[dict[str, Any]], tag: str) -> Any:
    session = aiohttp.ClientSession()
    path = server.add_script({"steps": steps})
    ws = await session.ws_connect(
        f"{server.ws_url}{path}?tag={tag}", autoping=False, autoclose=False
    )
    return session, ws


async def test_chopped_and_generated_raw_frames_arrive_whole(mockserver: MockServer) -> None:
    steps = [
        {"op": "raw_frame", "opcode": 1, "size": 3000, "chop": 7, "delay_ms": 0},
        {"op": "raw_frame", "opcode": 9, "b64": "aGk=", "chop": 1, "delay_ms": 1},
    ]
    session, ws = await _connect(mockserver, steps, "chop")
    try:
        message = await ws.receive()
        assert (message.type, message.data) == (aiohttp.WSMsgType.TEXT, generated_text(3000))
        ping = await ws.receive()
        assert (ping.type, ping.data) == (aiohttp.WSMsgType.PING, b"hi")
        await ws.close()
    finally:
        await session.close()
    entry = await mockserver.wirelog.wait_done("chop", 5)
    assert entry is not None
    out = [(f["opcode"], f["length"]) for f in entry["frames"] if f["dir"] == "out"]
    assert out[:2] == [(1, 3000), (9, 2)]  # one log record per frame, however it was written


async def test_send_fragmented_by_fragment_size(mockserver: MockServer) -> None:
    steps = [
        {"op": "send_fragmented", "kind": "binary", "size": 1000, "fragment_size": 300},
        {"op": "send_fragmented", "kind": "text", "size": 600, "fragment_size": 300, "frames": 3},
    ]
    session, ws = await _connect(mockserver, steps, "frag")
    try:
        message = await ws.receive()
        assert message.type is aiohttp.WSMsgType.BINARY and len(message.data) == 1000
        assert len((await ws.receive()).data) == 600
        await ws.close()
    finally:
        await session.close()
    entry = await mockserver.wirelog.wait_done("frag", 5)
    assert entry is not None
    out = [(f["opcode"], f["length"], f["fin"]) for f in entry["frames"] if f["dir"] == "out"]
    assert out[:4] == [(2, 300, False), (0, 300, False), (0, 300, False), (0, 100, True)]
    assert out[4:7] == [(1, 300, False), (0, 300, False), (0, 0, True)]  # padded to 3 frames


async def test_expect_pong_waits_for_the_pong_then_goes_on(mockserver: MockServer) -> None:
    steps = [
        {"op": "ping", "data": "p"},
        {"op": "expect", "kind": "pong", "timeout_ms": 5000},
        {"op": "send_text", "data": "after the pong"},
    ]
    session, ws = await _connect(mockserver, steps, "pong")
    try:
        assert (await ws.receive()).type is aiohttp.WSMsgType.PING
        await ws.pong(b"p")
        assert (await ws.receive()).data == "after the pong"
        await ws.close()
    finally:
        await session.close()
    entry = await mockserver.wirelog.wait_done("pong", 5)
    assert entry is not None and not entry["notes"]


async def test_wait_close_and_marks(mockserver: MockServer) -> None:
    """A mark is logged only when reached: the client's close ends the script first."""
    steps = [
        {"op": "wait_close", "ms": 50},
        {"op": "mark", "name": "A"},
        {"op": "send_text", "data": "close now"},
        {"op": "wait_close", "ms": 5000},
        {"op": "mark", "name": "B"},
    ]
    session, ws = await _connect(mockserver, steps, "marks")
    try:
        assert (await ws.receive()).data == "close now"
        await ws.close(code=1000)  # the server answers it while in wait_close
    finally:
        await session.close()
    entry = await mockserver.wirelog.wait_done("marks", 5)
    assert entry is not None
    assert [(n["kind"], n["detail"]) for n in entry["notes"]] == [("mark", "A")]
    assert entry["close"]["in"]["code"] == 1000 and entry["close"]["out"]["code"] == 1000


async def test_repeat_runs_its_steps_count_times(mockserver: MockServer) -> None:
    each = [{"op": "send_text", "size": 3}, {"op": "expect", "kind": "text", "timeout_ms": 5000}]
    session, ws = await _connect(mockserver, [{"op": "repeat", "count": 5, "steps": each}], "rep")
    try:
        for _ in range(5):
            message = await ws.receive()
            await ws.send_str(message.data)
        await ws.close()
    finally:
        await session.close()
    entry = await mockserver.wirelog.wait_done("rep", 5)
    assert entry is not None
    assert [m["dir"] for m in entry["messages"]] == ["out", "in"] * 5


@pytest.mark.parametrize(
    ("step", "why"),
    [
        ({"op": "raw_frame", "opcode": 1, "chop": 0}, "chop must be at least 1"),
        ({"op": "raw_frame", "opcode": 1, "delay_ms": -1}, "must not be negative"),
        ({"op": "send_fragmented", "kind": "text", "data": "x"}, "'frames' or 'fragment_size'"),
        ({"op": "send_fragmented", "kind": "text", "fragment_size": 0}, "at least 1"),
        ({"op": "expect", "kind": "ping"}, "kind must be"),
        ({"op": "mark"}, "needs 'name'"),
        ({"op": "wait_close"}, "needs 'ms'"),
        ({"op": "repeat", "count": 2, "steps": [{"op": "nope"}]}, "unknown op"),
        ({"op": "repeat", "count": 2, "steps": "x"}, "steps must be list"),
        ({"op": "repeat", "count": 2_000_000, "steps": [{"op": "drop"}]}, "unrolled"),
        (
            {
                "op": "repeat",
                "count": 1000,
                "steps": [{"op": "repeat", "count": 1001, "steps": []}],
            },
            "unrolled",
        ),
    ],
)
def test_bad_new_ops_are_refused(step: dict[str, Any], why: str) -> None:
    with pytest.raises(ScriptError, match=why):
        parse_script({"steps": [step]})
