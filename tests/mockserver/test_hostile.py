"""Hostile input: every reproduction of the "memory and time without bound" issue gets a clear
error or a bounded result, and the server keeps serving /echo after each."""

from __future__ import annotations

import asyncio
import json
import socket
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
    Budget,
    HeadTail,
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
        entry = await server.wirelog.wait_done("big", 5)
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

    from mockserver import wirelog

    gate = threading.Event()
    stuck = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    stuck.submit(gate.wait)  # the hashing thread is busy until the gate opens
    monkeypatch.setattr(wirelog, "_hasher", stuck)
    monkeypatch.setattr(wirelog, "HASH_BACKLOG", 4 << 20)
    log = WireLog(max_logs=2, payload_cap=16)
    conn = log.open("h", "/echo")
    data = bytes(range(256)) * 4096  # 1 MiB
    for _ in range(50):
        conn.message("in", "binary", data)
        assert wirelog._backlog.bytes <= 4 << 20
    gate.set()
    entry = log.find("h")[0]
    assert {m["sha256"] for m in entry["messages"]} == {hashlib.sha256(data).hexdigest()}
    stuck.shutdown()
    assert wirelog._backlog.bytes == 0


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
