"""The wire log as typed records: one writer (``to_json``), one reader (``from_json``), and one
definition of the close frame that the server's log and the suite's grading share."""

from __future__ import annotations

import json
import struct

import pytest

from conformance import helpers
from conformance.wire import grading
from mockserver import MockServer
from mockserver.frames import build_frame
from mockserver.records import (
    ConnectionEntry,
    WireFrame,
    WireLogFormatError,
    entry_of,
    is_close_first_byte,
    is_close_frame,
)
from mockserver.wirelog import WireLog
from tests.mockserver.test_client_errors import Client, close_frame


def test_the_close_frame_is_opcode_8_with_fin_and_no_rsv_bit() -> None:
    assert is_close_frame(8, True, False, False, False)
    assert not is_close_frame(8, False, False, False, False)  # fragmented control frame
    for rsv in ((True, False, False), (False, True, False), (False, False, True)):
        assert not is_close_frame(8, True, *rsv)
    assert not is_close_frame(9, True, False, False, False)
    assert [b for b in range(256) if is_close_first_byte(b)] == [0x88]


@pytest.mark.parametrize(
    ("name", "broken"),
    [
        ("rsv1-close", build_frame(8, struct.pack("!H", 1000), rsv1=True, mask=True)),
        ("rsv3-close", build_frame(8, struct.pack("!H", 1000), rsv3=True, mask=True)),
        ("nonfin-close", build_frame(8, struct.pack("!H", 1000), fin=False, mask=True)),
    ],
    ids=["rsv1", "rsv3", "no-fin"],
)
def test_a_broken_frame_of_the_close_opcode_is_not_the_clients_close(
    mockserver_thread: MockServer, name: str, broken: bytes
) -> None:
    """RFC 6455 §5.2/§5.5: with an RSV bit (no extension) or without FIN, a frame of opcode 8
    is a protocol violation that fails the connection; it starts no closing handshake. The
    old log took any opcode 8 as ``close.in`` (code 1000, client first) while the grading
    skipped it; both now ask ``is_close_frame``."""
    client = Client(mockserver_thread.port, name)
    client.send(broken)
    assert client.close_code() == 1002
    client.sock.close()
    doc = mockserver_thread.wait_done_sync(name, 5)
    assert doc is not None
    assert doc["client_error"]["close_code"] == 1002
    assert doc["close"]["in"] is None  # old code: {"code": 1000, ...}
    assert doc["close"]["first"] == "server"  # old code: "client"
    assert doc["close"]["out"]["code"] == 1002
    entry = ConnectionEntry.from_json(doc)
    assert [(f.dir, f.opcode, f.is_close) for f in entry.frames] == [
        ("in", 8, False),
        ("out", 8, True),
    ]
    facts = grading.close_facts(doc)  # the suite's reading agrees with the log's
    assert (facts.first, facts.code, facts.clean) == ("server", None, False)
    assert helpers.close_in(doc) is None


def test_an_entry_reads_back_as_the_record_it_was_written_from(
    mockserver_thread: MockServer,
) -> None:
    client = Client(mockserver_thread.port, "roundtrip")
    client.send(build_frame(1, "héllo".encode(), mask=True))
    assert client.frame() == (0x81, "héllo".encode())
    client.send(build_frame(2, b"\x00\xff", mask=True))
    assert client.frame() == (0x82, b"\x00\xff")
    client.send(close_frame(1000, b"bye"))
    assert client.close_code() == 1000
    assert client.ends_tcp(within=5)
    records = mockserver_thread.wirelog.wait_entry_sync("roundtrip", 5)
    doc = mockserver_thread.wait_done_sync("roundtrip", 5)
    assert records is not None and doc is not None
    assert ConnectionEntry.from_json(doc) == records
    assert records.to_json() == doc
    assert json.loads(json.dumps(doc)) == doc  # JSON-ready
    assert set(doc) == {
        "id", "tag", "route", "script_id", "started", "ended", "done", "handshake", "close",
        "tcp", "client_error", "notes", "frames", "messages", "dropped", "totals",
    }  # fmt: skip
    assert records.opened and records.done and records.tcp.after_close
    assert records.close.incoming is not None and records.close.incoming.reason == "bye"
    assert records.close.first == "client"
    assert [m.payload.data for m in records.messages_of("in")] == ["héllo".encode(), b"\x00\xff"]
    assert records.frames_of("in")[0].mask_key is not None
    assert records.header_map()["upgrade"] == "websocket"


async def test_the_streamed_entry_is_the_records_json() -> None:
    log = WireLog(max_logs=2, payload_cap=8)
    conn = log.open("s", "/echo")
    conn.frame("in", 0x81, b"\x01\x02\x03\x04", 3, b"abc")
    conn.sent(8, struct.pack("!H", 1000), rsv1=True)  # broken: not the server's close
    conn.sent(8, struct.pack("!H", 1001))
    conn.message("in", "binary", b"\xff" * 100)
    streamed = "".join([piece async for piece in log.entry_json("1")])
    entry = log.entry("1")
    assert entry is not None
    assert json.loads(streamed) == entry.to_json()
    assert entry.close.outgoing is not None and entry.close.outgoing.code == 1001
    assert [f.is_close for f in entry.frames] == [False, False, True]
    assert entry.messages[0].payload.truncated


def test_the_reader_fills_what_an_older_log_left_out_and_names_a_bad_field() -> None:
    entry = entry_of({"handshake": {"response_status": 101}, "frames": [{"dir": "in"}]})
    assert entry is not None and entry.opened
    assert entry.frames == (WireFrame(-1, 0.0, "in", True, False, False, False, 0, False, None, 0),)
    assert entry_of(None) is None
    with pytest.raises(WireLogFormatError, match="'opcode'"):
        ConnectionEntry.from_json({"frames": [{"dir": "in", "opcode": "8"}]})
    with pytest.raises(WireLogFormatError, match="dir"):
        ConnectionEntry.from_json({"frames": [{"dir": "sideways"}]})
    with pytest.raises(WireLogFormatError, match="'fin'"):
        ConnectionEntry.from_json({"frames": [{"dir": "in", "fin": 1}]})
