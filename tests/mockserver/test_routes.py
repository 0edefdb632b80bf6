"""Every route and step, driven by aiohttp's client; raw sockets where the bytes matter."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from typing import Any

import aiohttp
import pytest

from mockserver import MockServer, ScriptError, parse_script
from mockserver.wirelog import WireLog


async def ws_session(url: str, **kwargs: Any) -> tuple[aiohttp.ClientSession, Any]:
    session = aiohttp.ClientSession()
    ws = await session.ws_connect(url, autoclose=False, autoping=False, **kwargs)
    return session, ws


class RawSocket(socket.socket):
    """A client socket that keeps the handshake response and the bytes read after it."""

    head: bytes = b""
    rest: bytes = b""


def raw_handshake(port: int, path: str) -> RawSocket:
    """A WebSocket opened by hand, so a test sees the server's bytes exactly."""
    sock = RawSocket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(4096)
    head, _, rest = response.partition(b"\r\n\r\n")
    sock.head, sock.rest = head, rest
    return sock


def read_exactly(sock: socket.socket, n: int, buffered: bytes) -> bytes:
    data = buffered
    while len(data) < n:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


async def test_echo_text_binary_and_close_code(mockserver: MockServer) -> None:
    session, ws = await ws_session(mockserver.ws_url + "/echo?tag=e")
    await ws.send_str("héllo")
    assert (await ws.receive()).data == "héllo"
    await ws.send_bytes(b"\x00\x01")
    assert (await ws.receive()).data == b"\x00\x01"
    await ws.close(code=4321)
    await session.close()
    entry = await mockserver.wirelog.wait_done("e", 5)
    assert entry is not None
    assert entry["close"]["in"]["code"] == 4321 and entry["close"]["out"]["code"] == 4321
    directions = [(f["dir"], f["opcode"]) for f in entry["frames"]]
    assert directions == [("in", 1), ("out", 1), ("in", 2), ("out", 2), ("in", 8), ("out", 8)]
    assert all(f["masked"] for f in entry["frames"] if f["dir"] == "in")
    assert entry["handshake"]["method"] == "GET" and entry["handshake"]["version"] == "HTTP/1.1"


def test_close_without_code_sends_an_empty_payload(mockserver_thread: MockServer) -> None:
    sock = raw_handshake(mockserver_thread.port, "/close")
    frame = read_exactly(sock, 2, sock.rest)
    assert frame[:2] == b"\x88\x00"
    sock.close()


def test_close_with_code_and_reason_on_the_wire(mockserver_thread: MockServer) -> None:
    sock = raw_handshake(
        mockserver_thread.port, "/close?code=4000&reason=" + urllib.parse.quote("再见")
    )
    frame = read_exactly(sock, 10, sock.rest)
    assert frame[:2] == b"\x88\x08" and frame[2:10] == b"\x0f\xa0" + "再见".encode()
    sock.close()


async def test_headers_route_reports_headers_in_order(mockserver: MockServer) -> None:
    session, ws = await ws_session(mockserver.ws_url + "/headers", headers={"X-Probe": "p"})
    names = json.loads((await ws.receive()).data)
    assert ["X-Probe", "p"] in names
    assert [n for n, _ in names].index("Host") < [n for n, _ in names].index("X-Probe")
    await ws.close()
    await session.close()


@pytest.mark.parametrize("status", [403, 404, 500])
async def test_status_refuses_the_handshake(mockserver: MockServer, status: int) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await session.ws_connect(mockserver.ws_url + f"/status/{status}")
    assert info.value.status == status


@pytest.mark.parametrize("path", ["/status/abc", "/status/101", "/status/99", "/close?code=x"])
async def test_bad_route_values_get_400(mockserver: MockServer, path: str) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            mockserver.base_url + path, headers={"Upgrade": "websocket", "Connection": "Upgrade"}
        ) as response,
    ):
        assert response.status == 400
        assert "error" in await response.json()


def test_drop_ends_tcp_without_a_close_frame(mockserver_thread: MockServer) -> None:
    sock = raw_handshake(mockserver_thread.port, "/drop?tag=d")
    rest = sock.rest
    assert rest == b"" and sock.recv(10) == b""
    sock.close()
    entry = mockserver_thread.wait_done_sync("d", 5)
    assert entry is not None and entry["close"]["out"] is None
    assert entry["tcp"]["ended_by"] == "server"


async def test_post_script_and_run_it(mockserver: MockServer) -> None:
    document = {
        "steps": [
            {"op": "send_text", "size": 30},
            {"op": "send_binary", "size": 300},
            {"op": "ping", "data": "p"},
            {"op": "pong", "data": "q"},
            {"op": "expect", "kind": "text", "data": "nope", "timeout_ms": 2000},
            {"op": "echo", "count": 1},
            {"op": "close", "code": 3001},
        ]
    }
    async with aiohttp.ClientSession() as session:
        async with session.post(mockserver.base_url + "/_scripts", json=document) as response:
            created = await response.json()
        ws = await session.ws_connect(
            mockserver.ws_url + created["path"] + "?tag=s", autoping=False, autoclose=False
        )
        text = await ws.receive()
        binary = await ws.receive()
        ping = await ws.receive()
        pong = await ws.receive()
        assert text.data == ("abcdefghijklmnopqrstuvwxyz" * 2)[:30]
        assert binary.data == bytes(i % 251 for i in range(300))
        assert (ping.type, ping.data) == (aiohttp.WSMsgType.PING, b"p")
        assert (pong.type, pong.data) == (aiohttp.WSMsgType.PONG, b"q")
        await ws.send_str("yes")  # the expect step wanted "nope": a note, the script goes on
        await ws.send_str("echo me")
        assert (await ws.receive()).data == "echo me"
        closing = await ws.receive()
        assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, 3001)
        await ws.close()
    entry = await mockserver.wirelog.wait_done("s", 5)
    assert entry is not None and entry["script_id"] == created["id"]
    assert [n["kind"] for n in entry["notes"]] == ["expect_mismatch"]


def test_fragmented_and_raw_frames_are_written_as_asked(mockserver_thread: MockServer) -> None:
    steps = [
        {"op": "send_fragmented", "kind": "text", "data": "abcdef", "frames": 3},
        {
            "op": "raw_frame",
            "opcode": 5,
            "fin": False,
            "rsv1": True,
            "rsv2": True,
            "rsv3": True,
            "mask": True,
            "data": "xy",
        },
        {"op": "raw_bytes", "hex": "deadbeef"},
        {"op": "drop"},
    ]
    path = "/script?script=" + urllib.parse.quote(json.dumps({"steps": steps}))
    sock = raw_handshake(mockserver_thread.port, path)
    data = read_exactly(sock, 3 * 4 + 2 + 4 + 2 + 4, sock.rest)
    assert data[:12] == b"\x01\x02ab\x00\x02cd\x80\x02ef"
    assert data[12] == 0x75 and data[13] == 0x82  # rsv1-3 + opcode 5, masked, length 2
    key, masked = data[14:18], data[18:20]
    assert bytes(b ^ key[i % 4] for i, b in enumerate(masked)) == b"xy"
    assert data[20:24] == b"\xde\xad\xbe\xef"
    sock.close()


def test_wrong_and_missing_accept(mockserver_thread: MockServer) -> None:
    for mode in ("wrong", "missing"):
        doc = {"handshake": {"accept": mode}}
        sock = raw_handshake(
            mockserver_thread.port, "/script?script=" + urllib.parse.quote(json.dumps(doc))
        )
        head = sock.head.decode().lower()
        assert head.startswith("http/1.1 101")
        if mode == "missing":
            assert "sec-websocket-accept" not in head
        else:
            assert "sec-websocket-accept: d3jvbmcgywnjzxb0igtleq==" in head
        sock.close()


@pytest.mark.parametrize(
    ("reason", "status_line"),
    [
        (None, b"HTTP/1.1 101 Switching Protocols"),
        ("Web Socket Protocol Handshake", b"HTTP/1.1 101 Web Socket Protocol Handshake"),
        ("", b"HTTP/1.1 101 "),
    ],
)
def test_handshake_reason_phrase(
    mockserver_thread: MockServer, reason: str | None, status_line: bytes
) -> None:
    """The 101's reason phrase is the script's, on the wire and in the log (a private hook of
    aiohttp's: this fails if a new aiohttp moves it)."""
    doc = {"handshake": {} if reason is None else {"reason": reason}}
    tag = f"rp-{len(status_line)}"
    path = "/script?script=" + urllib.parse.quote(json.dumps(doc)) + "&tag=" + tag
    sock = raw_handshake(mockserver_thread.port, path)
    assert sock.head.split(b"\r\n")[0] == status_line
    sock.close()
    entry = mockserver_thread.wait_done_sync(tag, 5)
    assert entry is not None
    assert entry["handshake"]["response_reason"] == (
        "Switching Protocols" if reason is None else reason
    )


def test_a_refusal_carries_the_scripts_reason_phrase(mockserver_thread: MockServer) -> None:
    doc = {"handshake": {"status": 403, "reason": "Go Away"}}
    path = "/script?script=" + urllib.parse.quote(json.dumps(doc))
    with socket.create_connection(("127.0.0.1", mockserver_thread.port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert sock.recv(4096).split(b"\r\n")[0] == b"HTTP/1.1 403 Go Away"


async def test_handshake_headers_subprotocol_and_delay(mockserver: MockServer) -> None:
    doc = {"handshake": {"headers": {"X-Extra": "1"}, "subprotocol": "chat", "delay_ms": 100}}
    url = mockserver.ws_url + "/script?script=" + urllib.parse.quote(json.dumps(doc))
    started = time.monotonic()
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(url, protocols=("chat",))
        assert time.monotonic() - started >= 0.1
        assert ws.protocol == "chat"
        await ws.close()


def test_never_answer_keeps_the_client_waiting(mockserver_thread: MockServer) -> None:
    doc = {"handshake": {"never_answer": True}}
    sock = socket.create_connection(("127.0.0.1", mockserver_thread.port), timeout=0.5)
    path = "/script?script=" + urllib.parse.quote(json.dumps(doc))
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    with pytest.raises(TimeoutError):
        sock.recv(10)
    sock.close()


def test_stall_stops_reading(mockserver_thread: MockServer) -> None:
    doc = {"steps": [{"op": "stall", "ms": 300}]}
    sock = raw_handshake(
        mockserver_thread.port, "/script?script=" + urllib.parse.quote(json.dumps(doc)) + "&tag=st"
    )
    sock.sendall(b"\x88\x82abcd" + bytes(b ^ c for b, c in zip(b"\x03\xe8", b"ab", strict=True)))
    started = time.monotonic()
    reply = read_exactly(sock, 4, sock.rest)
    assert time.monotonic() - started >= 0.2  # answered only once the stall was over
    assert reply[:4] == b"\x88\x02\x03\xe8"
    sock.close()


def test_close_without_waiting_ends_at_once(mockserver_thread: MockServer) -> None:
    doc = {"steps": [{"op": "close", "code": 4002, "wait": False}]}
    sock = raw_handshake(
        mockserver_thread.port, "/script?script=" + urllib.parse.quote(json.dumps(doc)) + "&tag=nw"
    )
    data = read_exactly(sock, 5, sock.rest)
    assert data[:4] == b"\x88\x02\x0f\xa2" and data[4:] == b""  # close frame, then TCP end
    sock.close()
    entry = mockserver_thread.wait_done_sync("nw", 5)
    assert entry is not None and entry["close"]["in"] is None


def test_a_step_failing_at_run_time_ends_that_connection_only(
    mockserver_thread: MockServer,
) -> None:
    doc = {"steps": [{"op": "wait", "ms": 200}, {"op": "send_text", "data": "late"}]}
    sock = raw_handshake(
        mockserver_thread.port,
        "/script?script=" + urllib.parse.quote(json.dumps(doc)) + "&tag=gone",
    )
    sock.close()  # the client goes while the script still has a message to send
    entry = mockserver_thread.wait_done_sync("gone", 5)
    assert entry is not None and [n["kind"] for n in entry["notes"]] == ["client_gone"]
    again = raw_handshake(mockserver_thread.port, "/close?code=1000")  # still serving
    assert read_exactly(again, 4, again.rest)[:2] == b"\x88\x02"
    again.close()


BAD_SCRIPTS = [
    ({"steps": [{"op": "explode"}]}, 0, "unknown op"),
    ({"steps": [{"op": "wait"}]}, 0, "needs 'ms'"),
    ({"steps": [{"op": "echo"}, {"op": "send_text", "data": 5}]}, 1, "must be str"),
    ({"steps": [{"op": "raw_frame", "opcode": 16}]}, 0, "opcode"),
    ({"steps": [{"op": "send_binary", "b64": "!!"}]}, 0, "bad encoded payload"),
    ({"handshake": {"status": 101}}, None, "not 101"),
    ({"handshake": {"reason": "a\r\nX-Injected: 1"}}, None, "printable ASCII"),
    ({"handshake": {"reason": "Protokollwechsel ü"}}, None, "printable ASCII"),
    ({"handshake": {"reason": "x" * 129}}, None, "at most 128"),
    ({"handshake": {"reason": 7}}, None, "must be str"),
    ({"steps": "nope"}, None, "must be a list"),
]


@pytest.mark.parametrize(("document", "step", "why"), BAD_SCRIPTS)
async def test_bad_scripts_get_400_naming_the_step(
    mockserver: MockServer, document: Any, step: int | None, why: str
) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(mockserver.base_url + "/_scripts", json=document) as response:
            body = await response.json()
            assert response.status == 400
        assert body["step"] == step and why in body["error"]
        with pytest.raises(ScriptError):
            parse_script(document)
        ws = await session.ws_connect(mockserver.ws_url + "/echo")  # still serving
        await ws.close()


async def test_log_routes(mockserver: MockServer) -> None:
    session, ws = await ws_session(mockserver.ws_url + "/echo?tag=lg")
    await ws.close()
    await session.close()
    await mockserver.wirelog.wait_done("lg", 5)
    async with aiohttp.ClientSession() as client:
        async with client.get(mockserver.base_url + "/_log?tag=lg") as response:
            summary = await response.json()
        async with client.get(mockserver.base_url + f"/_log/{summary[0]['id']}") as response:
            entry = await response.json()
        async with client.get(mockserver.base_url + "/_log/nope") as response:
            assert response.status == 404
    assert entry["tag"] == "lg" and entry["frames"]


def test_wirelog_is_bounded() -> None:
    log = WireLog(max_logs=3, payload_cap=8)
    for i in range(5):
        log.open(str(i), "/echo")
    assert [e["tag"] for e in log.find()] == ["2", "3", "4"]
    entry = log.open("cap", "/echo")
    entry.sent(2, b"x" * 100)
    frame = log.find("cap")[0]["frames"][0]
    assert frame["truncated"] and len(base64.b64decode(frame["b64"])) == 8


def test_standalone_server_starts_serves_and_stops_on_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        base = line.split()[3]
        assert base.startswith("http://127.0.0.1:")

        async def echo() -> str:
            async with aiohttp.ClientSession() as session:
                ws = await session.ws_connect(base.replace("http", "ws") + "/echo")
                await ws.send_str("cli")
                reply = (await ws.receive()).data
                await ws.close()
                return str(reply)

        assert asyncio.run(echo()) == "cli"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


async def test_holds_1000_concurrent_echo_connections(mockserver: MockServer) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2200:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} is below the 2200 this test needs")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        sockets = await asyncio.wait_for(
            asyncio.gather(*(session.ws_connect(mockserver.ws_url + "/echo") for _ in range(1000))),
            60,
        )
        await asyncio.wait_for(
            asyncio.gather(*(ws.send_str(str(i)) for i, ws in enumerate(sockets))), 30
        )
        replies = await asyncio.wait_for(asyncio.gather(*(ws.receive() for ws in sockets)), 30)
        assert [r.data for r in replies] == [str(i) for i in range(1000)]
        await asyncio.wait_for(asyncio.gather(*(ws.close() for ws in sockets)), 60)


async def test_never_negotiates_permessage_deflate(mockserver: MockServer) -> None:
    """The log shows frames as written: no compression, even when the client offers it."""
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(mockserver.ws_url + "/echo", compress=15)
        assert ws.compress == 0
        await ws.close()
