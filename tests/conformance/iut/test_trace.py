"""Trace entries and hello replies as typed records: one JSON reader, one writer, each way.

Entries come from real sessions (in-process and over a real driver process) against a live
mock server; the reader's refusals are the driver protocol's DP1 cases.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.iut import IUT, DriverInfo, Session, TraceEntry, load_iut
from conformance.iut.executor import hello_info, hello_reply
from conformance.iut.lines import ProtocolViolation, TraceLine, read_line
from conformance.iut.trace import DRIVER_KINDS, KINDS
from mockserver.server import MockServer
from tests.conformance.iut.test_sessions import DRIVER, scripted_session

IUT_DIR = Path(__file__).parents[3] / "conformance" / "iut"


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer.in_thread() as running:
        yield running


@pytest.fixture(params=["impl", DRIVER], ids=["in-process", "stdio"])
def iut(request: pytest.FixtureRequest) -> Iterator[IUT]:
    factory = load_iut(request.param)
    yield factory
    factory.close()


def test_real_entries_are_records_that_read_back_from_their_json(
    iut: IUT, server: MockServer
) -> None:
    session = iut.session(10)
    scripted_session(session, f"{server.ws_url}/echo?tag=records")
    kinds = {entry.kind for entry in session.trace}
    assert {"call", "return", "result", "event"} <= kinds
    for entry in session.trace:
        assert isinstance(entry, TraceEntry) and isinstance(entry.t, float)
        written = entry.as_json()
        assert json.loads(json.dumps(written)) == written  # plain JSON, nothing else
        assert TraceEntry.from_json(written) == entry
        assert TraceEntry.from_json(written).as_json() == written
        assert not hasattr(entry, "__getitem__")  # read by attribute, never by key
    event = next(e for e in session.trace if e.kind == "event")
    assert event.socket == event.as_json()["socket"] and event.type == event.as_json()["type"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.type = "close"  # type: ignore[misc]


def test_the_written_shape_is_docs_report_format() -> None:
    """Null err/value/raised/exc stay in the JSON (docs/driver-protocol.md); absent optional
    fields stay absent; ``t`` only once stamped."""
    result = TraceEntry(kind="result", socket="s1", call=3)
    assert result.as_json() == {
        "kind": "result",
        "socket": "s1",
        "call": 3,
        "err": None,
        "value": None,
    }
    assert result.stamped(0.25).as_json()["t"] == 0.25
    log = TraceEntry(kind="log", message="m")
    assert log.as_json() == {"kind": "log", "message": "m", "exc": None}
    assert log.socket is None and "socket" not in log.as_json()
    assert (
        TraceEntry(kind="return", socket="s", call=1, returned="none").as_json()["raised"] is None
    )


def test_what_a_driver_adds_is_kept_as_it_came() -> None:
    sent = {
        "kind": "event",
        "socket": "s1",
        "sub": "a",
        "type": "message",
        "nargs": "two",  # of another type than the record holds
        "style": None,  # an explicit null the record would not write
        "custom": [1, {"x": True}],  # unknown to the record
        "value": {"b64": "AAE="},  # a protocol-1 value without its kind
    }
    entry = TraceEntry.from_json(sent)
    assert entry.nargs is None and dict(entry.extra)["nargs"] == "two"
    assert dict(entry.extra)["custom"] == [1, {"x": True}]
    assert entry.value == {"b64": "AAE=", "kind": "binary"}
    written = entry.as_json()
    assert written == {**sent, "value": {"b64": "AAE=", "kind": "binary"}, "err": None}


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        (b'{"event": "trace", "entry": [1]}', "'entry' is not an object"),
        (b'{"event": "trace", "entry": {"kind": "nope"}}', "unknown kind 'nope'"),
        (b'{"event": "trace", "entry": {"kind": "call", "socket": "s1"}}', "valid 'call'"),
        (
            b'{"event": "trace", "entry": {"kind": "result", "socket": "s1", "call": true}}',
            "valid 'call'",
        ),
        (
            b'{"event": "trace", "entry": {"kind": "protocol_error", "message": "forged"}}',
            "unknown kind 'protocol_error'",
        ),
    ],
)
def test_the_reader_refuses_what_the_protocol_does_not_allow(line: bytes, complaint: str) -> None:
    with pytest.raises(ProtocolViolation, match=complaint) as caught:
        read_line(line)
    assert repr(line.decode()[:40])[1:30] in str(caught.value)  # it quotes the line


def test_a_t_no_float_holds_is_kept_as_it_came() -> None:
    line = (
        b'{"event": "trace", "entry": {"kind": "log", "message": "m", "t": 1' + b"0" * 400 + b"}}"
    )
    parsed = read_line(line)  # never an OverflowError: a reader thread must survive any line
    assert isinstance(parsed, TraceLine) and parsed.entry.t is None
    assert dict(parsed.entry.extra)["t"] == 10**400
    stamped = parsed.entry.stamped(0.5)  # what the session keeps: its own t, one way or another
    assert stamped.t == stamped.as_json()["t"] == 0.5


def test_the_suite_reads_back_its_own_kinds_from_a_case_file() -> None:
    assert KINDS - DRIVER_KINDS == {"protocol_error", "raised"}
    entry = TraceEntry.from_json({"t": 1, "kind": "protocol_error", "message": "stdout: x"})
    assert entry.t == 1.0 and entry.message == "stdout: x"
    parsed = read_line(b'{"event": "trace", "entry": {"kind": "log", "message": "hi"}}')
    assert isinstance(parsed, TraceLine) and parsed.entry == TraceEntry(kind="log", message="hi")


STAMPING_DRIVER = textwrap.dedent(
    """
    import json, sys
    for line in sys.stdin:
        request = json.loads(line)
        reply = {"id": request["id"], "ok": True}
        if request["op"] == "hello":
            reply["protocol"] = 3
        if request["op"] == "create":
            entry = {"kind": "log", "message": "late", "t": "soon"}
            print(json.dumps({"event": "trace", "entry": entry}), flush=True)
            reply["socket"] = "s1"
        print(json.dumps(reply), flush=True)
    """
)


def test_a_driver_cannot_set_an_entrys_arrival_time(tmp_path: Path) -> None:
    """The suite stamps ``t`` (docs/driver-protocol.md, "Trace events"); a driver's own ``t``
    used to replace the stamp, and a case comparing times then crashed on a string."""
    script = tmp_path / "stamping_driver.py"
    script.write_text(STAMPING_DRIVER)
    factory = load_iut(f"cmd:{sys.executable} {script}")
    try:
        session: Session = factory.session(10.0)
        session.create()
        logged = session.wait_for(lambda e: e.kind == "log", 5.0)
        assert logged is not None
        assert logged is not None and isinstance(logged.t, float) and 0 <= logged.t < 10
        assert session.close() is None
    finally:
        factory.close()


def test_hello_has_one_writer_and_one_reader() -> None:
    import impl.webSocket

    info = hello_info(impl.webSocket)
    assert info.close_timeout == impl.webSocket.CLOSE_TIMEOUT_S
    assert DriverInfo.from_json({"ok": True, **info.as_json()}) == info
    reply = hello_reply(impl.webSocket)
    assert DriverInfo.from_json({"ok": True, **reply}) == info
    assert load_iut("impl").info() == info


def test_a_bad_hello_reads_as_absent_fields_and_names_each_problem() -> None:
    info = DriverInfo.from_json(
        {
            "ok": True,
            "protocol": "3",
            "modes": "async",
            "driver": 5,
            "close_timeout": -1,
            "api_level": 3,
        }
    )
    assert (info.protocol, info.modes, info.driver, info.close_timeout) == (
        1,
        ("async",),
        None,
        None,
    )
    assert info.api_level is None
    named = [p.split(":")[1].split()[0] for p in info.problems]
    assert named == ["protocol", "modes", "api_level", "driver", "close_timeout"]
    assert DriverInfo.from_json({"ok": False}) == DriverInfo()  # protocol 1


PRIVATE_OK = {"self", "cls", "InProcess", "executor"}  # the module's own objects


def test_the_iut_layer_reaches_into_no_private_name() -> None:
    """A private name of asyncio, pytest or aiohttp belongs in a guarded compat module
    (impl/_aiohttp_compat.py is the model); the IUT layer and the Python driver use none."""
    files = [*IUT_DIR.glob("*.py"), IUT_DIR.parent / "drivers" / "python.py"]
    found = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and not (isinstance(node.value, ast.Name) and node.value.id in PRIVATE_OK)
            ):
                found.append(f"{path.name}:{node.lineno}: .{node.attr}")
    assert found == []
