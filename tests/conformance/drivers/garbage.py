"""A driver that answers the protocol correctly but first writes one kind of garbage.

``python garbage.py KIND``: before its reply to each ``create``, it writes the garbage named
KIND (see ``GARBAGE``). Its "implementation" does nothing: calls return none, raise nothing.
Used by tests/conformance/iut/test_driver_garbage.py to show that no output kills the suite's
readers, hangs a case or loses the report.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

FLOOD = 100_000  # five times the trace cap (Session.TRACE_CAP)


def _out(raw: bytes) -> None:
    sys.stdout.buffer.write(raw + b"\n")
    sys.stdout.buffer.flush()


def _flood() -> None:
    line = json.dumps(
        {
            "event": "trace",
            "entry": {"kind": "event", "socket": "s9", "sub": "z", "type": "message", "value": 1},
        }
    ).encode()
    sys.stdout.buffer.write((line + b"\n") * FLOOD)
    sys.stdout.buffer.flush()


def _stderr_bytes() -> None:
    sys.stderr.buffer.write(b"\xff\xfe not UTF-8 on stderr\n")
    sys.stderr.buffer.flush()


GARBAGE: dict[str, Callable[[], None]] = {
    "null-id": lambda: _out(b'{"id": null, "ok": false, "error": "bad request"}'),
    "not-object": lambda: _out(b"[1, 2, 3]"),
    "not-json": lambda: _out(b"hello, I am not JSON"),
    "bad-utf8": lambda: _out(b'{"event": "trace", "entry": {"kind": "log", "message": "\xff"}}'),
    "stderr-bytes": _stderr_bytes,
    "no-kind": lambda: _out(b'{"event": "trace", "entry": {"socket": "s1"}}'),
    "huge-line": lambda: _out(
        b'{"event": "trace", "entry": {"kind": "log", "message": "' + b"x" * 50_000_000 + b'"}}'
    ),
    "flood": _flood,
    # not garbage on create: a hello whose close_timeout is a 401-digit integer
    "huge-close-timeout": lambda: None,
}
HUGE = int("9" * 401)


def main() -> None:
    kind = sys.argv[1]
    calls = 0
    for line in sys.stdin:
        request = json.loads(line)
        op, ident = request["op"], request["id"]
        reply: dict[str, object] = {"id": ident, "ok": True}
        if op == "hello":
            timeout = HUGE if kind == "huge-close-timeout" else 1.0
            reply.update(protocol=2, driver="garbage", language="python", close_timeout=timeout)
        elif op == "create":
            GARBAGE[kind]()
            reply["socket"] = "s1"
        elif op == "call":
            calls += 1
            reply.update(call=calls, returned="none", raised=None)
        _out(json.dumps(reply).encode())


if __name__ == "__main__":
    main()
