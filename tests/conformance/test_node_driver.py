"""conformance/drivers/node/driver.mjs against a stand-in IUT (tests/conformance/node/fake_iut.mjs):
every part of driver protocol 2 the suite's cases do not reach on their own (hello, tags at any
depth, subscriber behaviours, logs, escapes, reset)."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.drivers.node import DRIVER

FAKE = Path(__file__).with_name("node") / "fake_iut.mjs"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")


class NodeDriver:
    """The driver as a subprocess; every stdout line is kept and must be JSON."""

    def __init__(self, module: Path | str, cwd: Path | None = None) -> None:
        self.proc = subprocess.Popen(
            ["node", str(DRIVER), str(module)],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.entries: list[dict[str, Any]] = []
        self._id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def _take(self, timeout: float) -> dict[str, Any] | None:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            return None
        message: dict[str, Any] = json.loads(line)  # anything else on stdout fails the test
        if "event" in message:
            self.entries.append(message["entry"])
        return message

    def request(self, op: str, **fields: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self._id += 1
        self.proc.stdin.write(json.dumps({"id": self._id, "op": op, **fields}) + "\n")
        self.proc.stdin.flush()
        end = time.monotonic() + 5
        while time.monotonic() < end:
            message = self._take(end - time.monotonic())
            if message is not None and message.get("id") == self._id:
                return message
        raise AssertionError(f"no reply to {op}")

    def call(self, sock: str, method: str, *args: Any, promise: bool = False) -> dict[str, Any]:
        return self.request("call", socket=sock, method=method, args=list(args), promise=promise)

    def settle(self, seconds: float = 0.2) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self._take(max(0.0, end - time.monotonic()))

    def kinds(self, kind: str, **match: Any) -> list[dict[str, Any]]:
        return [
            e
            for e in self.entries
            if e["kind"] == kind and all(e.get(k) == v for k, v in match.items())
        ]

    def result_of(self, reply: dict[str, Any]) -> dict[str, Any]:
        self.settle(0.1)
        found = self.kinds("result", call=reply["call"])
        assert len(found) == 1, found
        return found[0]

    def stop(self) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(5)
        assert self.proc.stderr is not None
        return self.proc.stderr.read()


@pytest.fixture
def driver() -> Iterator[NodeDriver]:
    node = NodeDriver(FAKE)
    yield node
    if node.proc.poll() is None:
        node.proc.kill()
        node.proc.wait(5)


def test_hello_describes_driver_and_implementation(driver: NodeDriver) -> None:
    reply = driver.request("hello", protocol=3)
    assert reply == {
        "id": 1,
        "ok": True,
        "protocol": 3,
        "driver": "node",
        "language": "javascript",
        "implementation": str(FAKE),
        "binary_type": "ArrayBuffer",
        "modes": ["async"],
        "close_timeout": 1.5,
        "handshake_timeout": None,
        "behaviours": ["record", "raise", "subscribe", "off_self", "close", "echo"],
    }


def test_create_numbers_sockets_and_refuses_sync_mode(driver: NodeDriver) -> None:
    assert driver.request("create")["socket"] == "s1"
    assert driver.request("create", mode="async")["socket"] == "s2"
    refused = driver.request("create", mode="sync")
    assert refused["ok"] is False and refused["unsupported"] is True


def test_a_call_is_traced_then_answered(driver: NodeDriver) -> None:
    driver.request("create")
    reply = driver.call("s1", "on", "open", {"$subscriber": {"name": "a", "behaviour": "record"}})
    assert reply == {"id": 2, "ok": True, "call": 1, "returned": "none", "raised": None}
    call, ret = driver.entries
    assert call == {
        "kind": "call",
        "socket": "s1",
        "call": 1,
        "method": "on",
        "style": "plain",
        "args": ["open", {"$subscriber": {"name": "a", "behaviour": "record"}}],
    }
    assert ret == {"kind": "return", "socket": "s1", "call": 1, "returned": "none", "raised": None}


def test_missing_method_and_synchronous_throw_are_raised(driver: NodeDriver) -> None:
    driver.request("create")
    missing = driver.call("s1", "reconnect")
    assert missing["ok"] is True
    assert missing["raised"]["missing_method"] is True
    assert missing["raised"]["type"] == "TypeError"
    thrown = driver.call("s1", "throwNow")["raised"]
    assert thrown["code"] == 401 and thrown["is_business_error"] is True
    assert thrown["repr"] == "Error: Parameter error"
    assert driver.call("s1", "returnsNumber")["returned"] == "value:42"


def test_tags_are_decoded_at_any_depth(driver: NodeDriver) -> None:
    driver.request("create")
    arg = [
        {"a": [{"$bytes": "AAEC"}, {"$opaque": True}, {"$bytearray": "/w=="}]},
        {"$dict": {"$x": {"$gen": {"kind": "bytes", "size": 3}}}},
        {"$options": {"cls": "WebSocketCloseOptions", "fields": {"code": 1000}}},
        {"$memoryview": ""},
        {"$callback": True},
        {"$unknown": 1},
    ]
    shape = driver.result_of(driver.call("s1", "shape", arg, promise=True))["value"]["text"]
    assert shape == (
        "[{a:[ArrayBuffer(0,1,2) symbol ArrayBuffer(255)]} {$x:ArrayBuffer(0,1,2)} "
        "{code:1000} ArrayBuffer() function {$unknown:1}]"
    )
    text = driver.result_of(
        driver.call("s1", "shape", {"$gen": {"kind": "str", "size": 30}}, promise=True)
    )
    assert text["value"]["text"] == json.dumps("abcdefghijklmnopqrstuvwxyz" + "abcd")
    big = driver.call("s1", "shape", {"$gen": {"kind": "bytes", "size": 300}}, promise=True)
    pattern = ",".join(str(i % 251) for i in range(300))
    assert driver.result_of(big)["value"]["text"] == f"ArrayBuffer({pattern})"


def test_values_are_described_by_kind(driver: NodeDriver) -> None:
    driver.request("create")
    binary = driver.result_of(driver.call("s1", "binary", promise=True))["value"]
    assert binary == {
        "kind": "binary",
        "b64": "AQID",
        "len": 3,
        "sha256": "039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81",
        "truncated": False,
        "type": "Uint8Array",
    }
    value = driver.result_of(driver.call("s1", "openValue", promise=True))["value"]
    assert value == {
        "kind": "object",
        "type": "Object",
        "access": "attr",
        "status": 101,
        "message": "Switching Protocols",
    }
    long = driver.result_of(
        driver.call("s1", "shape", {"$gen": {"kind": "str", "size": 5000}}, promise=True)
    )["value"]
    assert (long["kind"], long["len"], long["truncated"], len(long["text"])) == (
        "text",
        5002,
        True,
        4096,
    )
    nothing = driver.result_of(driver.call("s1", "rejectWithNothing", promise=True))
    assert nothing["err"] is not None and nothing["value"] is None


def test_promise_without_a_thenable_gives_no_result(driver: NodeDriver) -> None:
    driver.request("create")
    reply = driver.call("s1", "returnsNumber", promise=True)
    driver.settle(0.1)
    assert reply["returned"] == "value:42" and not driver.kinds("result")


def test_a_callback_reports_every_call(driver: NodeDriver) -> None:
    driver.request("create")
    reply = driver.call("s1", "callTwice", {"$callback": True})
    driver.settle(0.1)
    assert driver.kinds("call")[0]["style"] == "callback"
    first, second = driver.kinds("result", call=reply["call"])
    assert (first["err"], first["value"]) == (None, True)
    assert second["err"]["is_business_error"] is True and second["err"]["code"] == 2302999


def _sub(name: str, behaviour: str = "record") -> dict[str, Any]:
    return {"$subscriber": {"name": name, "behaviour": behaviour}}


def test_subscriber_behaviours(driver: NodeDriver) -> None:
    driver.request("create")
    driver.call("s1", "on", "message", _sub("gone"))
    driver.call("s1", "off", "message", _sub("gone"))  # the same function object: removed
    for name, behaviour in [
        ("boom", "raise"),
        ("sub", "subscribe:message:late"),
        ("once", "off_self"),
        ("closer", "close"),
        ("echo", "echo"),
    ]:
        driver.call("s1", "on", "message", _sub(name, behaviour))
    driver.call("s1", "fire", "message", "one")
    driver.call("s1", "fire", "message", {"$bytes": "AQ=="})
    driver.settle(0.2)
    seen = [(e["sub"], e["nargs"]) for e in driver.kinds("event")]
    assert seen == [
        ("boom", 2),
        ("sub", 2),
        ("once", 2),
        ("closer", 2),
        ("echo", 2),
        ("boom", 2),
        ("sub", 2),
        ("closer", 2),
        ("echo", 2),
        ("late", 2),
    ]
    logs = driver.kinds("log", level="ERROR", logger="console")
    assert len(logs) == 2 and logs[0]["exc"] == "Error: subscriber boom raises on purpose"
    sent = driver.result_of(driver.call("s1", "sentShapes", promise=True))["value"]["text"]
    assert sent == '"one" ArrayBuffer(1)'
    closes = driver.result_of(driver.call("s1", "closeCount", promise=True))["value"]
    assert closes == 2
    assert not driver.kinds("loop_error"), "the close behaviour swallows the rejection"


def test_console_goes_to_stderr_or_log_entries_and_escapes_are_loop_errors(
    driver: NodeDriver,
) -> None:
    driver.request("create")
    driver.call("s1", "chatty")
    driver.call("s1", "leak")
    driver.settle(0.2)
    (warning,) = driver.kinds("log")
    assert warning["level"] == "WARNING" and warning["exc"] == "RangeError: out of range"
    assert warning["message"].startswith("a warning RangeError: out of range")
    errors = driver.kinds("loop_error")
    assert [e["exc"] for e in errors] == ["Error: nobody listens", "TypeError: escaped"]
    assert driver.request("create")["ok"] is True  # still alive
    assert "to stderr, not stdout" in driver.stop()


def test_reset_closes_and_silences_forgotten_sockets(driver: NodeDriver) -> None:
    driver.request("create")
    late = driver.call("s1", "resolveLater", 150, {"$callback": True})
    assert driver.request("reset", timeout=1)["ok"] is True
    driver.settle(0.3)
    assert not driver.kinds("result", call=late["call"])
    assert driver.call("s1", "on", "open", _sub("x"))["ok"] is False  # forgotten
    assert driver.request("create")["socket"] == "s2"
    assert driver.call("s2", "returnsNumber")["call"] == late["call"] + 1  # never reset


def test_a_module_that_cannot_load_is_reported_per_request(tmp_path: Path) -> None:
    node = NodeDriver(tmp_path / "missing.mjs")
    try:
        reply = node.request("hello", protocol=2)
        assert reply["ok"] is False and "cannot load the IUT module" in reply["error"]
    finally:
        node.stop()


def test_a_relative_module_path_is_taken_from_the_working_folder(tmp_path: Path) -> None:
    shutil.copyfile(FAKE, tmp_path / "mine.mjs")
    node = NodeDriver("./mine.mjs", cwd=tmp_path)
    try:
        assert node.request("hello", protocol=2)["ok"] is True
    finally:
        node.stop()
    # a path that is not there: looked up in the working folder (not beside driver.mjs)
    node = NodeDriver("./nothing", cwd=tmp_path)
    try:
        reply = node.request("hello", protocol=2)
        assert reply["ok"] is False and "cannot load the IUT module" in reply["error"]
    finally:
        err = node.stop()
    assert str(tmp_path / "nothing") in err + reply["error"]
    assert str(DRIVER.parent / "nothing") not in err + reply["error"]


def test_launcher_says_when_node_is_missing() -> None:
    env = {**os.environ, "PATH": "", "NODE": ""}
    proc = subprocess.run(
        [sys.executable, "-m", "conformance.drivers.node", str(FAKE)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 127
    assert proc.stderr.strip() == "conformance.drivers.node: node (Node.js 18+) is not on PATH"
