"""Hostile input: every reproduction of the "memory and time without bound" issue gets a clear
error or a bounded result, and the server keeps serving /echo after each."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
import urllib.parse
from typing import Any

import aiohttp
import pytest

from mockserver import MockServer, ScriptError, parse_script, run_mockserver
from mockserver.__main__ import main as mockserver_main
from mockserver.limits import (
    LOG_HEAD,
    LOG_TAIL,
    MAX_FRAMES,
    WRITE_CHUNK,
    WRITE_LOW_WATER,
    Budget,
    HeadTail,
    MemoryBudget,
    ScriptStore,
    control_refusal,
)
from mockserver.script import load_script_text
from mockserver.wirelog import WireLog


async def assert_echo_serves(server: MockServer) -> None:
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(server.ws_url + "/echo")
        await ws.send_str("still here")
        assert (await ws.receive()).data == "still here"
        await ws.close()


async def post(server: MockServer, body: Any, **kwargs: Any) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(server.base_url + "/_scripts", data=body, **kwargs) as response,
    ):
        text = await response.text()
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, text


JSON = {"Content-Type": "application/json"}


# -- the wire log ------------------------------------------------------------------------------


async def test_a_long_connection_keeps_head_tail_and_closes_and_counts_the_rest(
    mockserver: MockServer,
) -> None:
    count = LOG_HEAD + LOG_TAIL + 300
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(mockserver.ws_url + "/echo?tag=long")
        for i in range(count):
            await ws.send_str(f"m{i}")
            assert (await ws.receive()).data == f"m{i}"
        await ws.close()
    entry = await mockserver.wirelog.wait_done("long", 5)
    assert entry is not None
    frames = entry["frames"]
    total = 2 * count + 2  # both ways, and the two close frames
    assert len(frames) == LOG_HEAD + LOG_TAIL
    assert entry["totals"]["in"]["frames"] == count + 1
    assert entry["totals"]["out"]["frames"] == count + 1
    assert entry["dropped"]["frames"] == total - len(frames)
    assert frames[0]["seq"] == 0 and frames[0]["text"] == "m0"
    assert frames[-1]["seq"] == total - 1 and frames[-1]["opcode"] == 8
    assert [f["opcode"] for f in frames].count(8) == 2
    assert entry["close"]["in"]["code"] == 1000
    assert len(entry["messages"]) == LOG_HEAD + LOG_TAIL
    assert entry["messages"][-1]["text"] == f"m{count - 1}"
    await assert_echo_serves(mockserver)


def test_close_frames_stay_even_when_many_frames_follow() -> None:
    kept: HeadTail[int] = HeadTail(head=2, tail=2, pinned=lambda n: n == 8)
    for n in [1, 1, 1, 8, *[1] * 50]:
        kept.append(n)
    items = kept.items()
    assert [n for _, n in items] == [1, 1, 8, 1, 1]
    assert [seq for seq, _ in items] == sorted(seq for seq, _ in items)
    assert kept.total == 54 and kept.dropped == 49


def test_captured_payloads_share_one_budget_and_say_what_they_dropped() -> None:
    log = WireLog(max_logs=10, payload_cap=100, budget=Budget(limit=250))
    conn = log.open("b", "/echo")
    for _ in range(5):
        conn.sent(1, b"x" * 100)
    entry = log.find("b")[0]
    assert [f["text"] for f in entry["frames"]] == ["x" * 100] * 2 + [""] * 3
    assert entry["dropped"]["payloads"] == 3
    assert log.budget.used == 200
    for i in range(12):  # evicted logs give their bytes back
        log.open(str(i), "/echo")
    assert log.budget.used == 0


@pytest.mark.parametrize(("max_logs", "payload_cap"), [(-1, 10), (0, 10), (10, -1)])
def test_wirelog_refuses_bounds_that_make_no_sense(max_logs: int, payload_cap: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        WireLog(max_logs=max_logs, payload_cap=payload_cap)


def test_notes_are_bounded() -> None:
    log = WireLog(max_logs=2)
    conn = log.open("n", "/echo")
    for _ in range(1000):
        conn.note("expect_mismatch", "x" * 5000)
    entry = log.find("n")[0]
    assert len(entry["notes"]) < 1000 and entry["dropped"]["notes"] == 1000 - len(entry["notes"])
    assert all(len(n["detail"]) <= 1000 for n in entry["notes"])


async def test_reading_a_log_entry_is_json_with_its_bounds(mockserver: MockServer) -> None:
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(mockserver.ws_url + "/echo?tag=rd")
        await ws.send_bytes(b"\x00" * 100_000)
        await ws.receive()
        await ws.close()
        await mockserver.wirelog.wait_done("rd", 5)
        conn_id = mockserver.wirelog.find("rd")[0]["id"]
        async with session.get(mockserver.base_url + f"/_log/{conn_id}") as response:
            entry = await response.json()
    assert entry["totals"]["in"]["message_bytes"] == 100_000
    assert entry["messages"][0]["truncated"] is True and entry["messages"][0]["sha256"]


# -- messages, scripts and handshakes ----------------------------------------------------------


async def test_a_message_over_max_message_is_closed_with_1009() -> None:
    async with run_mockserver(max_message=1000) as server:
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(server.ws_url + "/echo?tag=big")
            await ws.send_bytes(b"\x01" * 5000)
            msg = await ws.receive()
            assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == 1009
            await ws.close()
        entry = await server.wirelog.wait_done("big", 10)
        assert entry is not None and entry["close"]["out"]["code"] == 1009
        await assert_echo_serves(server)


async def test_delay_ms_is_capped(mockserver: MockServer) -> None:
    status, body = await post(
        mockserver, json.dumps({"handshake": {"delay_ms": 10**9}}), headers=JSON
    )
    assert status == 400 and "delay_ms" in body["error"]
    await assert_echo_serves(mockserver)


def test_a_delayed_handshake_ends_when_its_client_leaves(mockserver_thread: MockServer) -> None:
    doc = {"handshake": {"delay_ms": 120_000}}
    path = "/script?tag=gone-early&script=" + urllib.parse.quote(json.dumps(doc))
    sock = socket.create_connection(("127.0.0.1", mockserver_thread.port), timeout=5)
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade"
        "\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    assert mockserver_thread.wirelog.wait_done_sync("gone-early", 0.2) is None  # still waiting
    sock.close()
    entry = mockserver_thread.wait_done_sync("gone-early", 30)  # far less than the 120 s delay
    assert entry is not None and entry["tcp"]["ended_by"] == "client"


BAD = [
    ({"steps": [{"op": "send_fragmented", "kind": "text", "frames": 10**6}]}, 0, "frames"),
    ({"steps": [{"op": "ping", "data": "p" * 126}]}, 0, "125"),
    ({"steps": [{"op": "pong", "data": "é" * 63}]}, 0, "125"),
    ({"steps": [{"op": "raw_frame", "opcode": 1, "length": 1 << 64}]}, 0, "length"),
    ({"handshake": {"subprotocol": "chat\r\nX-Injected: 1"}}, None, "token"),
    ({"handshake": {"subprotocol": ""}}, None, "token"),
    ({"handshake": {"headers": {"X Bad": "1"}}}, None, "header name"),
    ({"handshake": {"headers": {"": "1"}}}, None, "header name"),
    ({"handshake": {"headers": {"X-A": "a\x01b"}}}, None, "CR/LF"),
]


@pytest.mark.parametrize(("document", "step", "why"), BAD)
async def test_fields_that_would_break_the_wire_get_400(
    mockserver: MockServer, document: Any, step: int | None, why: str
) -> None:
    status, body = await post(mockserver, json.dumps(document), headers=JSON)
    assert status == 400 and body["step"] == step and why in body["error"], body
    with pytest.raises(ScriptError):
        parse_script(document)
    await assert_echo_serves(mockserver)


HOSTILE_JSON = [
    ('{"steps": [{"op": "wait", "ms": ' + "9" * 5000 + "}]}", "not JSON"),
    ("[" * 100_000 + "]" * 100_000, "nested"),
    ('{"steps": [{"op": "send_text", "data": "\\ud800"}]}', "surrogate"),
    ('{"handshake": {"headers": {"X-\\udfff": "v"}}}', "surrogate"),
    (b'{"steps": "\xff"}', "UTF-8"),
]


@pytest.mark.parametrize(("body", "why"), HOSTILE_JSON)
async def test_hostile_json_is_400_not_500(mockserver: MockServer, body: Any, why: str) -> None:
    status, answer = await post(mockserver, body, headers=JSON)
    assert status == 400 and why in answer["error"], answer
    with pytest.raises(ScriptError):
        load_script_text(body)
    await assert_echo_serves(mockserver)


async def test_hostile_json_in_the_query_is_400(mockserver: MockServer) -> None:
    script = urllib.parse.quote('{"steps": [{"op": "send_text", "data": "\\ud800"}]}')
    async with (
        aiohttp.ClientSession() as session,
        session.get(mockserver.base_url + "/script?script=" + script) as response,
    ):
        assert response.status == 400 and "surrogate" in (await response.json())["error"]


def test_stored_scripts_are_bounded_oldest_first() -> None:
    store = ScriptStore(max_scripts=3, max_bytes=1000)
    ids = [store.add(object(), 10) for _ in range(5)]
    assert len(store) == 3 and store.get(ids[0]) is None and store.get(ids[4]) is not None
    big = [store.add(object(), 400) for _ in range(3)]
    assert store.bytes <= 1000 and store.get(big[0]) is None and store.get(big[2]) is not None


HANDSHAKES = [
    ("", 400, "Upgrade: websocket"),
    ("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n", 400, "Key"),
    (
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 99\r\n"
        "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n",
        426,
        "not supported",
    ),
    (
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: short\r\n",
        400,
        "16 bytes",
    ),
]


@pytest.mark.parametrize(("headers", "status", "why"), HANDSHAKES)
def test_a_bad_handshake_gets_an_http_answer(
    mockserver_thread: MockServer, headers: str, status: int, why: str
) -> None:
    sock = socket.create_connection(("127.0.0.1", mockserver_thread.port), timeout=5)
    sock.sendall(f"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(4096)
        assert chunk, f"no HTTP answer: {answer!r}"
        answer += chunk
    sock.close()
    head = answer.decode("latin-1")
    assert head.startswith(f"HTTP/1.1 {status}"), head
    if status == 426:
        assert "Sec-WebSocket-Version: 13" in head
    sock = socket.create_connection(("127.0.0.1", mockserver_thread.port), timeout=5)
    sock.sendall(f"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode())
    rest = b""
    while len(rest) < 4096:
        chunk = sock.recv(4096)
        if not chunk:
            break
        rest += chunk
        if b"}" in rest:
            break
    sock.close()
    assert why in rest.decode("latin-1")


# -- exposure ----------------------------------------------------------------------------------


async def test_control_routes_refuse_web_pages_and_rebound_names(mockserver: MockServer) -> None:
    script = json.dumps({"steps": []})
    status, body = await post(mockserver, script, headers={"Content-Type": "text/plain"})
    assert status == 415 and "application/json" in body["error"]
    status, body = await post(mockserver, script, headers={**JSON, "Origin": "http://evil.test"})
    assert status == 403 and "cross-origin" in body["error"]
    status, body = await post(mockserver, script, headers={**JSON, "Host": "evil.test:9001"})
    assert status == 403 and "loopback" in body["error"]
    async with aiohttp.ClientSession() as session:
        for path in ("/_log", "/_log/1"):
            async with session.get(
                mockserver.base_url + path, headers={"Host": "rebound.test"}
            ) as response:
                assert response.status == 403
    for host in ("127.0.0.1:1", "localhost", "[::1]:80"):
        status, body = await post(mockserver, script, headers={**JSON, "Host": host})
        assert status == 200 and body["path"].startswith("/_scripts/"), (host, body)
    await assert_echo_serves(mockserver)


def test_listening_elsewhere_lets_other_host_names_in_but_no_other_origin() -> None:
    assert control_refusal("box.lan:9001", None, loopback_only=False) is None
    assert control_refusal("box.lan:9001", "http://box.lan:9001", loopback_only=False) is None
    assert control_refusal("box.lan:9001", "http://evil.test", loopback_only=False) is not None
    assert control_refusal("box.lan:9001", None, loopback_only=True) is not None
    assert control_refusal("127.0.0.2:9", None, loopback_only=True) is None


# -- the command line --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--max-logs", "-1"], "--max-logs"),
        (["--payload-cap", "-1"], "--payload-cap"),
        (["--port", "70000"], "--port"),
        (["--port", "x"], "--port"),
        (["--max-message", "0"], "--max-message"),
        (["--host", "no-such-host.invalid", "--port", "0"], "--host"),
    ],
)
def test_bad_options_are_one_line(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        mockserver_main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and words in err
    assert len([line for line in err.splitlines() if "error:" in line]) == 1


def test_a_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        with pytest.raises(SystemExit) as info:
            mockserver_main(["--port", str(taken.getsockname()[1])])
    finally:
        taken.close()
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "cannot listen" in err and "--port" in err and "Traceback" not in err


async def test_run_mockserver_refuses_bad_values() -> None:
    for kwargs in ({"max_logs": -1}, {"payload_cap": -1}, {"max_message": 0}, {"port": -5}):
        with pytest.raises(ValueError, match="must be"):
            async with run_mockserver(**kwargs):  # type: ignore[arg-type]
                pass
    await asyncio.sleep(0)


def test_fragments_are_capped() -> None:
    with pytest.raises(ScriptError, match="frames"):
        parse_script(
            {"steps": [{"op": "send_fragmented", "kind": "binary", "frames": MAX_FRAMES + 1}]}
        )
    parse_script({"steps": [{"op": "send_fragmented", "kind": "binary", "frames": MAX_FRAMES}]})


def test_the_hashing_backlog_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large messages wait for the hashing thread; past HASH_BACKLOG they are hashed at once,
    so a slow hasher never keeps an unbounded number of messages alive."""
    import concurrent.futures
    import hashlib
    import threading

    from mockserver import digests

    gate = threading.Event()
    stuck = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    stuck.submit(gate.wait)  # the hashing thread is busy until the gate opens
    monkeypatch.setattr(digests, "_hasher", stuck)
    monkeypatch.setattr(digests, "HASH_BACKLOG", 4 << 20)
    log = WireLog(max_logs=2, payload_cap=16)
    conn = log.open("h", "/echo")
    data = bytes(range(256)) * 4096  # 1 MiB
    for _ in range(50):
        conn.message("in", "binary", data)
        assert digests._backlog.bytes <= 4 << 20
    gate.set()
    entry = log.find("h")[0]
    assert {m["sha256"] for m in entry["messages"]} == {hashlib.sha256(data).hexdigest()}
    stuck.shutdown()
    assert digests._backlog.bytes == 0


async def test_a_log_entry_is_streamed_record_by_record_as_the_same_json() -> None:
    log = WireLog(max_logs=2, payload_cap=64)
    conn = log.open("j", "/echo")
    for _ in range(30):
        conn.sent(1, 'é\\"x'.encode())
        conn.message("out", "text", 'é\\"x'.encode())
    conn.message("in", "binary", b"\x00" * 1000)
    conn.note("n", "d")
    entry = log.find("j")[0]
    streamed = "".join([piece async for piece in log.entry_json(entry["id"])])
    assert json.loads(streamed) == json.loads(json.dumps(entry))
    summary = "".join([piece async for piece in log.summary_json()])
    assert json.loads(summary) == log.summary()
    assert [piece async for piece in log.entry_json("nope")] == []


# -- round 2 (issue 18): work, bytes and memory, bad HTTP, numbers -------------------------------


async def _handshake(port: int, path: str, rcvbuf: int | None = None) -> socket.socket:
    """A raw client that completes the opening handshake and then reads nothing more."""
    sock = socket.socket()
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, ("127.0.0.1", port))
    await loop.sock_sendall(
        sock,
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode(),
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = await loop.sock_recv(sock, 1)
        assert chunk, head
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


@pytest.mark.parametrize(
    "document",
    [
        {"steps": [{"op": "repeat", "count": 10**18, "steps": []}]},
        {
            "steps": [
                {
                    "op": "repeat",
                    "count": 1000,
                    "steps": [{"op": "repeat", "count": 1001, "steps": []}],
                }
            ]
        },
        {"steps": [{"op": "repeat", "count": 1000, "steps": [{"op": "mark", "name": "m"}] * 1001}]},
        {"steps": [{"op": "send_binary", "size": 64 << 20}] * 17},
        {"steps": [{"op": "raw_frame", "opcode": 2, "size": 1 << 20, "chop": 1}]},
        {
            "steps": [{"op": "send_fragmented", "kind": "binary", "size": 64 << 20, "frames": 1}]
            * 17
        },
    ],
)
async def test_scripts_past_the_work_or_byte_bound_are_refused_at_once(
    mockserver: MockServer, document: Any
) -> None:
    status, body = await post(mockserver, json.dumps(document), headers=JSON)
    assert status == 400 and body["step"] in (None, 0), body
    assert any(w in body["error"] for w in ("unrolled", "out of range")), body
    query = urllib.parse.quote(json.dumps(document))
    async with (
        aiohttp.ClientSession() as session,
        session.get(mockserver.base_url + "/script?script=" + query) as response,
    ):
        assert response.status == 400
    await assert_echo_serves(mockserver)


def test_validation_generates_no_payload() -> None:
    """16 x 64 MiB (the byte bound) and a 64 MiB one-off: accepted without making a byte."""
    import tracemalloc

    documents = [
        {"steps": [{"op": "send_binary", "size": 64 << 20}] * 16},
        {"steps": [{"op": "raw_frame", "opcode": 1, "size": 64 << 20, "mask": True}]},
        {"steps": [{"op": "send_fragmented", "kind": "text", "size": 64 << 20, "frames": 9}]},
    ]
    tracemalloc.start()
    try:
        for document in documents:
            parse_script(document)
            load_script_text(json.dumps(document))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20, peak


async def test_a_million_steps_leave_the_loop_free(mockserver: MockServer) -> None:
    document = {
        "steps": [{"op": "repeat", "count": 500_000, "steps": [{"op": "mark", "name": "m"}]}]
    }
    status, body = await post(mockserver, json.dumps(document), headers=JSON)
    assert status == 200, body
    async with aiohttp.ClientSession() as session:
        busy = await session.ws_connect(mockserver.ws_url + body["path"] + "?tag=busy")
        while (
            not mockserver.wirelog.find("busy") or not mockserver.wirelog.find("busy")[0]["notes"]
        ):
            await asyncio.sleep(0.001)
        await assert_echo_serves(mockserver)
        # the echo came back while the million steps were still running
        assert mockserver.wirelog.find("busy")[0]["dropped"]["notes"] < 1_000_000 - 200
        await busy.close()


def _sample(server: MockServer, seconds: float) -> int:
    peak, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        peak = max(peak, server.memory.used)
        time.sleep(0.01)
    return peak


STALL_SCRIPTS = [
    {"steps": [{"op": "raw_frame", "opcode": 2, "size": 64 << 20}]},
    {"steps": [{"op": "send_binary", "size": 64 << 20}]},
    {"steps": [{"op": "raw_frame", "opcode": 1, "size": 64 << 20, "mask": True, "chop": 1000}]},
    {"steps": [{"op": "send_fragmented", "kind": "binary", "size": 64 << 20, "frames": 3}]},
]


async def test_eight_stalled_clients_on_64_mib_frames_hold_a_few_chunks(
    mockserver: MockServer,
) -> None:
    paths = []
    for document in STALL_SCRIPTS:
        status, body = await post(mockserver, json.dumps(document), headers=JSON)
        assert status == 200, body
        paths.append(body["path"])
    clients = [
        await _handshake(mockserver.port, f"{paths[i % 4]}?tag=stalled-{i}", rcvbuf=4096)
        for i in range(8)
    ]
    try:
        window = 8 * (WRITE_LOW_WATER + WRITE_CHUNK)
        for _ in range(50):  # 0.5 s: each connection wrote until the client stopped taking
            await asyncio.sleep(0.01)
            assert mockserver.memory.writes.used <= window, mockserver.memory.as_json()
        assert mockserver.memory.writes.used > 0  # they are stuck writing, not done
        assert mockserver.memory.used <= window + mockserver.memory.log.used
        await assert_echo_serves(mockserver)
    finally:
        for sock in clients:
            sock.close()
    for i in range(8):
        assert await mockserver.wirelog.wait_done(f"stalled-{i}", 10) is not None
    assert mockserver.memory.writes.used == 0 and mockserver.memory.incoming.used == 0


async def test_a_client_that_takes_nothing_is_dropped(
    mockserver: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mockserver import session as session_module

    monkeypatch.setattr(session_module, "WRITE_STALL", 0.3)
    status, body = await post(mockserver, json.dumps(STALL_SCRIPTS[0]), headers=JSON)
    assert status == 200, body
    sock = await _handshake(mockserver.port, body["path"] + "?tag=taker", rcvbuf=4096)
    try:
        entry = await mockserver.wirelog.wait_done("taker", 10)
    finally:
        sock.close()
    assert entry is not None and entry["tcp"]["ended_by"] == "server"
    assert [n["kind"] for n in entry["notes"]] == ["client_not_reading"]
    assert mockserver.memory.writes.used == 0
    await assert_echo_serves(mockserver)


async def test_past_the_memory_budget_a_connection_is_refused_in_one_line() -> None:
    budget = 16 << 20
    async with run_mockserver(memory_budget=budget) as server:
        script = urllib.parse.quote(json.dumps({"steps": [{"op": "wait", "ms": 2000}]}))
        async with aiohttp.ClientSession() as session:
            holder = await session.ws_connect(server.ws_url + f"/script?tag=hold&script={script}")
            await holder.send_bytes(b"\x01" * (budget - (200 << 10)))  # read by nobody
            while not server.memory.spent():
                await asyncio.sleep(0.01)
            async with session.get(server.base_url + "/echo") as response:
                answer = await response.json()
                assert response.status == 503
            assert "memory budget" in answer["error"] and "--memory-budget" in answer["error"]
            assert "\n" not in answer["error"]
            await holder.close()
            assert await server.wirelog.wait_done("hold", 10) is not None
        assert server.memory.incoming.used == 0
        await assert_echo_serves(server)


async def test_an_incoming_message_past_the_budget_fails_its_connection_with_1013() -> None:
    budget = 16 << 20
    async with run_mockserver(memory_budget=budget) as server:
        script = urllib.parse.quote(json.dumps({"steps": [{"op": "wait", "ms": 2000}]}))
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(server.ws_url + f"/script?tag=big&script={script}")
            with contextlib.suppress(ConnectionError):
                await ws.send_bytes(b"\x01" * (budget + (1 << 20)))
            msg = await ws.receive()
            assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == 1013, msg
            await ws.close()
        entry = await server.wirelog.wait_done("big", 10)
        assert entry is not None and entry["client_error"]["close_code"] == 1013
        assert "memory budget" in entry["client_error"]["why"]
        assert server.memory.incoming.used == 0
        await assert_echo_serves(server)


def test_the_budget_refuses_past_its_limit_and_its_accounts() -> None:
    memory = MemoryBudget(16 << 20)
    assert memory.log.limit == 4 << 20 and memory.scripts.limit == 2 << 20
    assert memory.log.take(4 << 20) and not memory.log.take(1)
    assert memory.writes.take(12 << 20) and not memory.incoming.take(1)
    assert memory.used == 16 << 20 and memory.spent()
    memory.writes.give(12 << 20)
    memory.log.give(4 << 20)
    assert memory.used == 0 and not memory.spent()
    store = ScriptStore(budget=memory.scripts)
    ids = [store.add(object(), 1 << 20) for _ in range(3)]
    assert store.get(ids[0]) is None and memory.scripts.used == 2 << 20
    with pytest.raises(MemoryError):
        store.add(object(), 3 << 20)
    with pytest.raises(ValueError, match="memory_budget"):
        MemoryBudget(1)


BAD_REQUESTS = [
    b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 9000 + b"\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost x\r\n\r\n",
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    b"POST /_scripts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n",
    b"GET http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /_scripts HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
    b"Content-Type: application/json\r\n\r\nzz\r\n",
]


@pytest.mark.parametrize("request_bytes", BAD_REQUESTS, ids=range(len(BAD_REQUESTS)))
async def test_bad_http_gets_400_and_one_quiet_line(
    mockserver: MockServer, request_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    from mockserver._aiohttp_compat import quiet_logger

    before = quiet_logger.quieted
    reader, writer = await asyncio.open_connection("127.0.0.1", mockserver.port)
    writer.write(request_bytes)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    assert answer.split(b"\r\n")[0].split(b" ")[1] == b"400", answer[:200]
    for _ in range(100):
        if quiet_logger.quieted > before:
            break
        await asyncio.sleep(0.01)
    assert quiet_logger.quieted == before + 1
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
    lines = [r.getMessage() for r in caplog.records if r.name == "mockserver.access"]
    assert len(lines) == 1 and "400 bad request" in lines[0] and "\n" not in lines[0]
    await assert_echo_serves(mockserver)


async def test_a_script_body_cut_short_is_quiet(
    mockserver: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    from mockserver._aiohttp_compat import quiet_logger

    before = quiet_logger.quieted
    _, writer = await asyncio.open_connection("127.0.0.1", mockserver.port)
    writer.write(
        b"POST /_scripts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b'Content-Length: 1000\r\n\r\n{"steps": ['
    )
    await writer.drain()
    writer.close()
    for _ in range(200):
        if quiet_logger.quieted > before:
            break
        await asyncio.sleep(0.01)
    assert quiet_logger.quieted == before + 1
    assert not [r for r in caplog.records if r.exc_info]
    await assert_echo_serves(mockserver)


def test_the_quiet_hook_fails_loudly_when_aiohttp_moves(monkeypatch: pytest.MonkeyPatch) -> None:
    from aiohttp import web_protocol

    from mockserver import _aiohttp_compat

    _aiohttp_compat.check()  # as installed: it holds
    monkeypatch.setattr(web_protocol.RequestHandler, "log_exception", lambda self, *a, **k: None)
    with pytest.raises(_aiohttp_compat.AiohttpIncompatible, match=r"logger\.exception"):
        _aiohttp_compat.check()
    monkeypatch.delattr(web_protocol.RequestHandler, "log_exception")
    with pytest.raises(_aiohttp_compat.AiohttpIncompatible, match="gone"):
        _aiohttp_compat.check()


HUGE = int("9" * 401)


@pytest.mark.parametrize(
    "step",
    [
        {"op": "wait", "ms": HUGE},
        {"op": "send_text", "size": HUGE},
        {"op": "send_fragmented", "kind": "text", "frames": HUGE},
        {"op": "send_fragmented", "kind": "text", "size": 10, "fragment_size": HUGE},
        {"op": "raw_frame", "opcode": HUGE},
        {"op": "raw_frame", "opcode": 1, "chop": HUGE},
        {"op": "raw_frame", "opcode": 1, "length": -HUGE},
        {"op": "expect", "timeout_ms": HUGE},
        {"op": "echo", "count": HUGE},
        {"op": "close", "code": HUGE},
        {"op": "stall", "ms": -1},
        {"op": "repeat", "count": -HUGE, "steps": []},
    ],
)
async def test_every_number_in_a_script_is_range_checked(
    mockserver: MockServer, step: dict[str, Any]
) -> None:
    with pytest.raises(ScriptError) as info:
        parse_script({"steps": [step]})
    assert "out of range" in info.value.why or "must" in info.value.why
    assert len(info.value.why) < 200  # a 401-digit number is not echoed back
    status, body = await post(mockserver, json.dumps({"steps": [step]}), headers=JSON)
    assert status == 400 and body["step"] == 0, body
    await assert_echo_serves(mockserver)


async def test_query_values_are_range_checked(mockserver: MockServer) -> None:
    async with aiohttp.ClientSession() as session:
        for path in (
            "/echo?tag=" + "t" * 1000,
            "/close?code=" + "9" * 401,
            "/close?code=" + "9" * 5000,
            "/status/" + "9" * 401,
            "/_scripts/" + "9" * 401,
        ):
            async with session.get(mockserver.base_url + path) as response:
                assert response.status == 400, path
                assert "error" in await response.json()
        async with session.get(mockserver.base_url + "/_log/" + "9" * 401) as response:
            assert response.status == 404
    await assert_echo_serves(mockserver)


def test_a_taken_tls_port_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        status = mockserver_main(["--port", "0", "--tls", "--tls-port", str(port)])
    finally:
        taken.close()
    assert status == 2
    err = capsys.readouterr().err
    assert "--tls-port" in err and f":{port}" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("argv", "words"), [(["--memory-budget", "1"], "--memory-budget")])
def test_a_memory_budget_out_of_range_is_one_line(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        mockserver_main(argv)
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
