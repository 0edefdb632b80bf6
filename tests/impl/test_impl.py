"""impl against real servers on 127.0.0.1: what the suite cannot see from outside (the two
usage modes, promise objects, the knobs), plus the clauses, each named in the test."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from impl import webSocket
from impl.errors import BusinessError
from mockserver import MockServer

REPO = Path(__file__).resolve().parents[2]


def script(server: MockServer, steps: list[dict[str, Any]], **handshake: Any) -> str:
    doc: dict[str, Any] = {"steps": steps}
    if handshake:
        doc["handshake"] = handshake
    return server.ws_url + "/script?script=" + urllib.parse.quote(json.dumps(doc))


def record(ws: Any) -> list[tuple[str, Any]]:
    events: list[tuple[str, Any]] = []
    for name in ("open", "message", "close"):
        ws.on(name, lambda err, value, name=name: events.append((name, value)))
    ws.on("error", lambda err: events.append(("error", err)))
    return events


async def test_CN3_promise_is_a_future_started_at_the_call(mockserver: MockServer) -> None:
    ws = webSocket.createWebSocket()
    promise = ws.connect(mockserver.ws_url + "/echo")
    assert isinstance(promise, asyncio.Future)
    for _ in range(200):  # the handshake runs although nobody awaits yet
        if mockserver.wirelog.find():
            break
        await asyncio.sleep(0.01)
    assert mockserver.wirelog.find()
    assert await promise is True
    assert await ws.close() is True


def test_CN3_sync_callers_get_concurrent_futures(mockserver_thread: MockServer) -> None:
    ws = webSocket.createWebSocket()
    connected = ws.connect(mockserver_thread.ws_url + "/echo")
    assert isinstance(connected, concurrent.futures.Future)
    assert connected.result(5) is True
    assert ws.send("hi").result(5) is True
    assert ws.close().result(5) is True
    failed = ws.send("late")
    with pytest.raises(BusinessError) as info:
        failed.result(5)
    assert info.value.code == 2302999


async def test_ER3_unobserved_rejection_is_silent(mockserver: MockServer) -> None:
    loop = asyncio.get_running_loop()
    seen: list[Any] = []
    loop.set_exception_handler(lambda _, ctx: seen.append(ctx))
    ws = webSocket.createWebSocket()
    ws.send("never connected")  # a rejected promise nobody looks at
    await asyncio.sleep(0.05)
    import gc

    gc.collect()
    await asyncio.sleep(0)
    assert seen == []


async def test_CL2_defaults_on_the_wire(mockserver: MockServer) -> None:
    ws = webSocket.createWebSocket()
    await ws.connect(mockserver.ws_url + "/echo?tag=cl2")
    await ws.close()
    entry = await mockserver.wirelog.wait_done("cl2", 5)
    assert entry is not None and entry["close"]["in"]["payload_hex"] == "03e8"


async def test_CL6_forbidden_code_is_refused_before_the_wire(mockserver: MockServer) -> None:
    ws = webSocket.createWebSocket()
    await ws.connect(mockserver.ws_url + "/echo?tag=cl6")
    for options in ({"code": 1005}, {"code": 2999}, {"code": 5000}, {"reason": "x" * 124}):
        with pytest.raises(BusinessError) as info:
            await ws.close(options)
        assert info.value.code == 401
    assert mockserver.wirelog.find("cl6")[0]["close"]["in"] is None
    await ws.close({"code": 1014})


async def test_CL7_close_timeout_is_configurable(mockserver: MockServer) -> None:
    ws = webSocket.createWebSocket(close_timeout=0.3)
    events = record(ws)
    await ws.connect(script(mockserver, [{"op": "stall", "ms": 3000}]))
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await asyncio.wait_for(ws.close(), 3) is True
    assert loop.time() - started < 2
    assert events[-1][0] == "close" and events[-1][1].code == 1006


async def test_EV4_empty_close_payload_gives_1005(mockserver: MockServer) -> None:
    ws = webSocket.createWebSocket()
    events = record(ws)
    await ws.connect(mockserver.ws_url + "/close")
    for _ in range(100):
        if events and events[-1][0] == "close":
            break
        await asyncio.sleep(0.02)
    assert events[-1] == ("close", webSocket.CloseValue(1005, ""))


async def test_PR6_close_code_1006_from_the_server_is_answered_1002(
    mockserver: MockServer,
) -> None:
    ws = webSocket.createWebSocket()
    events = record(ws)
    url = script(
        mockserver,
        [{"op": "raw_frame", "opcode": 8, "b64": "A+4="}, {"op": "expect", "kind": "close"}],
    )
    await ws.connect(url + "&tag=pr6")
    entry = await mockserver.wirelog.wait_done("pr6", 5)
    assert entry is not None and entry["close"]["in"]["code"] == 1002
    await asyncio.sleep(0.05)
    kinds = [name for name, _ in events]
    assert kinds[-2:] == ["error", "close"]


async def test_CN13_header_injection_never_reaches_the_wire(mockserver: MockServer) -> None:
    ws = webSocket.createWebSocket()
    with pytest.raises(BusinessError) as info:
        await ws.connect(
            mockserver.ws_url + "/headers?tag=inj", {"header": {"X-A": "1\r\nX-Injected: 1"}}
        )
    assert info.value.code == 401
    assert mockserver.wirelog.find("inj") == []


async def test_EV10_callback_exception_is_logged(
    mockserver: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    ws = webSocket.createWebSocket()
    got: list[Any] = []
    ws.on("message", lambda err, value: 1 / 0)
    ws.on("message", lambda err, value: got.append(value))
    with caplog.at_level(logging.ERROR, logger="impl.webSocket"):
        await ws.connect(mockserver.ws_url + "/echo")
        await ws.send("x")
        for _ in range(100):
            if got:
                break
            await asyncio.sleep(0.01)
    assert got == ["x"]
    assert any("ZeroDivisionError" in (r.exc_text or "") for r in caplog.records)
    await ws.close()


async def test_EV9_on_raises_401_at_once() -> None:
    ws = webSocket.createWebSocket()
    for args in ((5, print), ("open", "not callable"), ("nope", print)):
        with pytest.raises(BusinessError) as info:
            ws.on(*args)
        assert info.value.code == 401


async def test_CN11_reconnect_after_close(mockserver: MockServer) -> None:
    ws = webSocket.createWebSocket()
    for _ in range(3):
        assert await ws.connect(mockserver.ws_url + "/echo") is True
        assert await ws.close() is True


@pytest.mark.parametrize("example", ["complete_example.py", "complete_example_async.py"])
def test_seed_complete_example_runs_and_exits(mockserver_thread: MockServer, example: str) -> None:
    """The seed's example prints open → message → close and exits by itself."""
    steps = [{"op": "expect", "kind": "text"}, {"op": "send_text", "data": "bye"}]
    url = script(mockserver_thread, steps)
    proc = subprocess.run(
        [sys.executable, str(REPO / "examples" / example), url],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    opened = next(i for i, line in enumerate(lines) if line.startswith("on open, status:101"))
    bye = lines.index("on message, message:bye")
    closed = next(i for i, line in enumerate(lines) if line.startswith("on close, code is"))
    assert opened < bye < closed
