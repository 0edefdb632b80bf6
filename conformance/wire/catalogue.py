"""Every client case of Autobahn|Testsuite's fuzzing server, families 1-7, 9 and 10, as data.

One ``WireCase`` per Autobahn case id (``6.4.1``): what the case is about (Autobahn's
description and expectation, in our words), the mock-server steps that play the fuzzing
server's part, the outcomes Autobahn accepts (``expected``: verdict -> the events the server
must receive, in order) and the closing it expects (``expected_close``). The implementation
under test answers every message by sending it back (the driver's ``echo`` subscriber), as an
Autobahn client does, so the events are the echoes and pongs the mock server received.

Autobahn's timings become event-driven steps: where the fuzzer closes once the expected
events arrived (``finishWhenDone``), the script ``expect``s them and closes at once; where it
kills the connection after N seconds (``killAfter``), the script waits up to N seconds for the
client's close frame (``wait_close``) and then closes or drops. A correct client never waits
out a timeout, except where a case is about waiting (6.4.x).
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from mockserver.script import generated_bytes, generated_text

Step = dict[str, Any]
Event = tuple[Any, ...]  # ("message", kind, length, sha256) | ("pong", hex) | ("mark", name)

OK, NON_STRICT, INFORMATIONAL = "OK", "NON-STRICT", "INFORMATIONAL"
NORMAL, GOING_AWAY, PROTOCOL_ERROR, INVALID_PAYLOAD = 1000, 1001, 1002, 1007

KILL_MS = 1000  # Autobahn's killAfter(1): how long a client may take to fail or answer a close
KILL_UTF8_MS = 500  # 6.5-6.23: killAfter(0.5)
ECHO_MS = 500  # how long the server waits for an expected echo or pong (families 1-7)
LARGE_ECHO_MS = 10_000  # 1.1.6-1.1.8, 1.2.6-1.2.8, 10.1.1: Autobahn's killAfter(10)
# 6.4.x: how long the server waits after the valid first part (the client must not fail
# yet: Autobahn's "timeout A") and after the invalid second part (a fail-fast client fails
# within it; otherwise the last part follows: "timeout B", NON-STRICT).
FAIL_FAST_PAUSE_A_MS = 100
FAIL_FAST_PAUSE_B_MS = 300


@dataclass(frozen=True)
class ExpectedClose:
    """Autobahn's ``expectedClose``: who sends the first close frame (``closed_by_server``:
    the fuzzer, ``closedByMe``), the close codes the client may answer with (an empty close
    payload passes too), whether both close frames must cross before TCP ends
    (``requireClean``), and whether the wrong endpoint closing fails the case's behaviour
    too (``closedByWrongEndpointIsFatal``, the invalid UTF-8 cases)."""

    closed_by_server: bool
    codes: tuple[int, ...]
    require_clean: bool
    wrong_endpoint_fatal: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "closedByMe": self.closed_by_server,
            "closeCode": list(self.codes),
            "requireClean": self.require_clean,
            "closedByWrongEndpointIsFatal": self.wrong_endpoint_fatal,
        }


@dataclass(frozen=True)
class WireCase:
    id: str
    description: str
    expectation: str
    steps: list[Step] = field(hash=False)
    outcomes: Callable[[], dict[str, list[Event]]] = field(hash=False, repr=False)
    expected_close: ExpectedClose
    clauses: tuple[str, ...]  # the main clause first: where a FAILED behaviour is graded
    non_strict_clause: str | None = None  # the SHOULD clause a NON-STRICT outcome fails
    informational: bool = False  # 7.1.6, 7.13.x: Autobahn reports INFORMATIONAL whatever happens
    wrong_code_fails: bool = False  # 7.x: a WRONG CODE close fails the behaviour too
    # INFORMATIONAL cases: what the reference does (the INFO checks pass when the IUT does it)
    reference: Callable[[], list[Event]] | None = field(default=None, hash=False, repr=False)
    reference_code: int | None = None
    timeout: float | None = None  # the case's own limit (family 9), else --case-timeout

    @property
    def family(self) -> str:
        return self.id.split(".")[0]

    @property
    def group(self) -> str:
        return ".".join(self.id.split(".")[:2])

    def expected(self) -> dict[str, list[Event]]:
        return _outcomes_of(self)


@cache
def _outcomes_of(case: WireCase) -> dict[str, list[Event]]:
    return case.outcomes()


# -- events ----------------------------------------------------------------------------------


def message(kind: str, payload: bytes) -> Event:
    """An echoed message: its kind, length and SHA-256 (so 16 MiB compare as 64 hex digits)."""
    return ("message", kind, len(payload), hashlib.sha256(payload).hexdigest())


def text(payload: bytes | str) -> Event:
    return message("text", payload.encode("utf-8") if isinstance(payload, str) else payload)


def binary(payload: bytes) -> Event:
    return message("binary", payload)


def pong(payload: bytes | str) -> Event:
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    return ("pong", data.hex())


def mark(name: str) -> Event:
    return ("mark", name)


def outcomes(
    ok: list[Event], non_strict: list[Event] | None = None
) -> Callable[[], dict[str, list[Event]]]:
    found = {OK: ok} if non_strict is None else {OK: ok, NON_STRICT: non_strict}
    return lambda: found


# -- steps -------------------------------------------------------------------------------------


def frame(
    opcode: int,
    payload: bytes | str = b"",
    *,
    fin: bool = True,
    rsv: int = 0,
    chop: int | None = None,
    size: int | None = None,
    length: int | None = None,
) -> Step:
    """One frame, as Autobahn's ``sendFrame``: ``rsv`` is Autobahn's 3-bit RSV value (4 is
    RSV1, 2 RSV2, 1 RSV3); ``chop`` writes it in pieces of that many bytes; ``size``
    generates the payload; ``length`` declares a length the payload does not have."""
    step: Step = {"op": "raw_frame", "opcode": opcode}
    if not fin:
        step["fin"] = False
    for bit, name in ((4, "rsv1"), (2, "rsv2"), (1, "rsv3")):
        if rsv & bit:
            step[name] = True
    if size is not None:
        step["size"] = size
    else:
        data = payload.encode("utf-8") if isinstance(payload, str) else payload
        if data:
            step["b64"] = base64.b64encode(data).decode("ascii")
    if chop == 1:
        step.update(BYTEWISE)
    elif chop is not None:
        step["chop"] = chop
    if length is not None:
        step["length"] = length
    return step


def raw(data: bytes) -> Step:
    return {"op": "raw_bytes", "b64": base64.b64encode(data).decode("ascii")}


def fragmented(kind: str, payload: bytes | int, fragment_size: int) -> Step:
    """Autobahn's ``sendMessage(..., fragmentSize=N)``: one message in frames of N bytes; one
    frame when it fits in one, and (Autobahn's loop) an empty last frame when the length is a
    multiple of N. ``payload`` may be a size (the mock server generates it)."""
    step: Step = {"op": "send_fragmented", "kind": kind}
    if isinstance(payload, int):
        step["size"] = length = payload
    else:
        step["b64"] = base64.b64encode(payload).decode("ascii")
        length = len(payload)
    if length <= fragment_size:
        step["frames"] = 1
        return step
    step["fragment_size"] = fragment_size
    if length % fragment_size == 0:
        step["frames"] = length // fragment_size + 1
    return step


SYNC: Step = {"op": "wait", "ms": 2}  # Autobahn's sync=True: the next frame in its own write
# Autobahn's chopsize=1: one byte per write, 1 ms apart (about as far apart as its reactor
# writes them; back to back, a client that echoes a message asynchronously can lose the
# race with the broken frame right behind it, which Autobahn never provokes)
BYTEWISE: Step = {"chop": 1, "delay_ms": 1}


def close_frame(code: int | None = None, reason: bytes = b"", rsv: int = 0) -> Step:
    payload = b"" if code is None else struct.pack("!H", code) + reason
    return frame(8, payload, rsv=rsv)


def expect_all(events: list[Event], ms: int = ECHO_MS) -> list[Step]:
    """Wait for each expected echo or pong in turn (the server's half of ``finishWhenDone``);
    the first one missing ends the wait (a ``repeat`` of one round stops there)."""
    steps: list[Step] = []
    for event in events:
        if event[0] == "message":
            steps.append({"op": "expect", "kind": event[1], "timeout_ms": ms})
        elif event[0] == "pong":
            steps.append({"op": "expect", "kind": "pong", "timeout_ms": ms})
    if len(steps) > 1:
        return [{"op": "repeat", "count": 1, "steps": steps}]
    return steps


def server_closes(code: int = NORMAL, ms: int = KILL_MS) -> list[Step]:
    """The fuzzer starts the closing handshake, waits for the client's close, then drops TCP
    (the close frame is written raw so the script keeps reading for the answer)."""
    return [close_frame(code), {"op": "wait_close", "ms": ms}, {"op": "drop"}]


def client_must_fail(ms: int = KILL_MS) -> list[Step]:
    """The client must fail the connection; if it has not within ``ms``, the fuzzer closes
    (Autobahn's ``killAfter``: then the wrong endpoint closed)."""
    return [
        {"op": "wait_close", "ms": ms},
        {"op": "close", "code": GOING_AWAY, "wait": False},
    ]


# -- cases -------------------------------------------------------------------------------------

ECHO_CLOSE = ExpectedClose(True, (NORMAL,), True)
FAIL_1002 = ExpectedClose(False, (PROTOCOL_ERROR,), False)
FAIL_1007 = ExpectedClose(False, (INVALID_PAYLOAD,), False, wrong_endpoint_fatal=True)
CLOSE_CLAUSE = "PR10"


def _echo_case(
    case_id: str,
    description: str,
    expectation: str,
    sends: list[Step],
    ok: list[Event],
    clauses: tuple[str, ...],
    ms: int = ECHO_MS,
    **extra: Any,
) -> WireCase:
    """The fuzzer sends, the client echoes (or pongs), the fuzzer closes with 1000."""
    return WireCase(
        case_id,
        description,
        expectation,
        [*sends, *expect_all(ok, ms), *server_closes()],
        outcomes(ok),
        ECHO_CLOSE,
        (*clauses, CLOSE_CLAUSE),
        **extra,
    )


def _fail_case(
    case_id: str,
    description: str,
    expectation: str,
    sends: list[Step],
    clauses: tuple[str, ...],
    ok: list[Event] | None = None,
    non_strict: list[Event] | None = None,
    close: ExpectedClose = FAIL_1002,
    ms: int = KILL_MS,
) -> WireCase:
    """The fuzzer breaks a rule; the client must fail the connection (close first)."""
    ok = ok or []
    extra = {"non_strict_clause": "PR9"} if non_strict is not None else {}
    return WireCase(
        case_id,
        description,
        expectation,
        [*sends, *expect_all(ok, ms), *client_must_fail(ms)],
        outcomes(ok, non_strict),
        close,
        (*clauses, *(("PR9",) if non_strict is not None else ()), CLOSE_CLAUSE),
        **extra,  # type: ignore[arg-type]
    )


def family_1() -> Iterator[WireCase]:
    """Framing: text (1.1.x) and binary (1.2.x) messages of 0 to 64 KiB, echoed."""
    sizes = [0, 125, 126, 127, 128, 65535, 65536, 65536]
    for group, kind, opcode, byte in ((1, "text", 1, b"*"), (2, "binary", 2, b"\xfe")):
        for n, size in enumerate(sizes, start=1):
            chop = 997 if n == 8 else None
            payload = byte * size
            how = " in pieces of 997 bytes on the wire" if chop else ""
            yield _echo_case(
                f"1.{group}.{n}",
                f"One {kind} message of {size} bytes{how}.",
                "The client echoes it back intact; the server then closes with 1000 and the "
                "client answers the close cleanly.",
                [frame(opcode, payload, chop=chop)],
                [message(kind, payload)],
                ("EV12", "SD8"),
                ms=LARGE_ECHO_MS if size > 65000 else ECHO_MS,
            )


def family_2() -> Iterator[WireCase]:
    """Pings and pongs."""
    pings: list[tuple[str, str, bytes, int | None]] = [
        ("2.1", "A ping with no payload.", b"", None),
        ("2.2", "A ping with a short text payload.", b"Hello, world!", None),
        (
            "2.3",
            "A ping with a short binary (not UTF-8) payload.",
            bytes.fromhex("00fffefdfcfb00ff"),
            None,
        ),
        (
            "2.4",
            "A ping with a 125-byte binary payload (the most a control frame holds).",
            b"\xfe" * 125,
            None,
        ),
        ("2.6", "A ping with a 125-byte payload, written one byte at a time.", b"\xfe" * 125, 1),
    ]
    for case_id, description, payload, chop in pings:
        yield _echo_case(
            case_id,
            description,
            "A pong with the same payload, then a clean close with 1000.",
            [frame(9, payload, chop=chop)],
            [pong(payload)],
            ("PR3",),
        )
    yield _fail_case(
        "2.5",
        "A ping with a 126-byte payload (control frames hold at most 125).",
        "The client fails the connection at once with 1002 (protocol error).",
        [frame(9, b"\xfe" * 126)],
        ("PR4",),
    )
    for case_id, payload in (("2.7", b""), ("2.8", b"unsolicited pong payload")):
        what = "with" if payload else "without"
        yield WireCase(
            case_id,
            f"An unsolicited pong {what} payload, then the server closes.",
            "Nothing comes back for the pong; a clean close with 1000.",
            [frame(10, payload), *server_closes()],
            outcomes([]),
            ECHO_CLOSE,
            ("PR3", CLOSE_CLAUSE),
        )
    yield _echo_case(
        "2.9",
        "An unsolicited pong, then a ping with a payload.",
        "Nothing for the pong; a pong echoing the ping's payload; a clean close with 1000.",
        [frame(10, b"unsolicited pong payload"), frame(9, b"ping payload")],
        [pong(b"ping payload")],
        ("PR3",),
    )
    for case_id, chop in (("2.10", None), ("2.11", 1)):
        payloads = [f"payload-{i}".encode() for i in range(10)]
        how = ", written one byte at a time" if chop else ""
        yield _echo_case(
            case_id,
            f"Ten pings with payloads, back to back{how}.",
            "Ten pongs with those payloads, in order (RFC 6455 allows answering only the "
            "last; Autobahn checks for all), then a clean close with 1000.",
            [frame(9, p, chop=chop) for p in payloads],
            [pong(p) for p in payloads],
            ("PR3",),
            ms=3000,
        )


HELLO = b"Hello, world!"


def family_3() -> Iterator[WireCase]:
    """Reserved bits: the client must fail the connection on any RSV bit it did not negotiate."""
    yield _fail_case(
        "3.1",
        "A short text message with RSV = 1 (the RSV3 bit).",
        "The client fails the connection at once with 1002.",
        [frame(1, HELLO, rsv=1)],
        ("PR4",),
    )
    ways: list[tuple[str, int, str, Callable[[Step], list[Step]]]] = [
        ("3.2", 2, "", lambda s: [s]),
        ("3.3", 3, ", each frame in its own write", lambda s: [s, SYNC]),
        ("3.4", 4, ", written one byte at a time", lambda s: [{**s, **BYTEWISE}]),
    ]
    for case_id, rsv, how, write in ways:
        sends = [*write(frame(1, HELLO)), *write(frame(1, HELLO, rsv=rsv)), *write(frame(9))]
        yield _fail_case(
            case_id,
            f"A short text message, the same with RSV = {rsv}, then a ping{how}.",
            "The first message is echoed, then the client fails the connection with 1002; no "
            "pong (no echo at all is NON-STRICT).",
            sends,
            ("PR4",),
            ok=[text(HELLO)],
            non_strict=[],
        )
    yield _fail_case(
        "3.5",
        "A short binary message with RSV = 5.",
        "The client fails the connection at once with 1002.",
        [frame(2, bytes.fromhex("00fffefdfcfb00ff"), rsv=5)],
        ("PR4",),
    )
    yield _fail_case(
        "3.6",
        "A short binary message with RSV = 6 (Autobahn's description says a ping).",
        "The client fails the connection at once with 1002.",
        [frame(2, HELLO, rsv=6)],
        ("PR4",),
    )
    yield _fail_case(
        "3.7",
        "A close frame with RSV = 7.",
        "The client fails the connection at once with 1002.",
        [close_frame(rsv=7)],
        ("PR4",),
    )


def family_4() -> Iterator[WireCase]:
    """Reserved opcodes: 3-7 (non-control) and 11-15 (control)."""
    for group, opcodes in ((1, (3, 4, 5, 6, 7)), (2, (11, 12, 13, 14, 15))):
        kind = "non-control" if group == 1 else "control"
        for n, opcode in enumerate(opcodes, start=1):
            with_payload = n in (2, 4, 5)
            payload = (b"reserved opcode payload" if n == 2 else HELLO) if with_payload else b""
            what = f"A frame with the reserved {kind} opcode {opcode}" + (
                " and a payload" if with_payload else ""
            )
            if n <= 2:
                yield _fail_case(
                    f"4.{group}.{n}",
                    f"{what}.",
                    "The client fails the connection at once with 1002.",
                    [frame(opcode, payload)],
                    ("PR4",),
                )
                continue
            chop = 1 if n == 5 else None
            how = ", written one byte at a time" if chop else ""
            yield _fail_case(
                f"4.{group}.{n}",
                f"A short text message, then {what[0].lower()}{what[1:]}, then a ping{how}.",
                "The message is echoed, then the client fails the connection with 1002; no "
                "pong (no echo at all is NON-STRICT).",
                [
                    frame(1, HELLO, chop=chop),
                    frame(opcode, payload, chop=chop),
                    frame(9, chop=chop),
                ],
                ("PR4",),
                ok=[text(HELLO)],
                non_strict=[],
            )


def family_5() -> Iterator[WireCase]:
    """Fragmentation."""
    for case_id, opcode, name in (("5.1", 9, "ping"), ("5.2", 10, "pong")):
        yield _fail_case(
            case_id,
            f"A {name} in two fragments.",
            "The client fails the connection at once with 1002: control frames must not be "
            "fragmented.",
            [frame(opcode, b"fragment1", fin=False), frame(0, b"fragment2")],
            ("PR4",),
        )
    frags = [b"fragment1", b"fragment2"]
    ways: list[tuple[str, Callable[[Step], list[Step]]]] = [
        ("", lambda s: [s]),
        (", each frame in its own write", lambda s: [s, SYNC]),
        (", written one byte at a time", lambda s: [{**s, **BYTEWISE}]),
    ]
    for n, (how, write) in enumerate(ways, start=3):
        yield _echo_case(
            f"5.{n}",
            f"A text message in two fragments{how}.",
            "The whole message is echoed, then a clean close with 1000.",
            [*write(frame(1, frags[0], fin=False)), *write(frame(0, frags[1]))],
            [text(b"".join(frags))],
            ("EV2",),
        )
    for n, (how, write) in enumerate(ways, start=6):
        yield _echo_case(
            f"5.{n}",
            f"A text message in two fragments with a ping between them{how}.",
            "A pong first, then the whole message echoed, then a clean close with 1000.",
            [
                *write(frame(1, frags[0], fin=False)),
                *write(frame(9, b"ping payload")),
                *write(frame(0, frags[1])),
            ],
            [pong(b"ping payload"), text(b"".join(frags))],
            ("PR3", "EV2"),
        )
    orphan = [
        ("5.9", True, "", lambda s: [s]),
        ("5.10", True, ", each frame in its own write", lambda s: [s, SYNC]),
        ("5.11", True, ", written one byte at a time", lambda s: [{**s, **BYTEWISE}]),
        ("5.12", False, "", lambda s: [s]),
        ("5.13", False, ", each frame in its own write", lambda s: [s, SYNC]),
        ("5.14", False, ", written one byte at a time", lambda s: [{**s, **BYTEWISE}]),
    ]
    for case_id, fin, how, write in orphan:
        yield _fail_case(
            case_id,
            f"A continuation frame with FIN = {str(fin).lower()} where there is nothing to "
            f"continue, then a whole text message{how}.",
            "The client fails the connection at once with 1002: there is no message to continue.",
            [
                *write(frame(0, b"non-continuation payload", fin=fin)),
                *write(frame(1, HELLO)),
            ],
            ("PR4",),
        )
    four = [b"fragment1", b"fragment2", b"fragment3", b"fragment4"]
    yield _fail_case(
        "5.15",
        "A text message in two fragments, then a continuation with FIN = false where there "
        "is nothing to continue, then a whole text message.",
        "The first message is echoed, then the client fails the connection with 1002 (no "
        "echo at all is NON-STRICT).",
        [
            frame(1, four[0], fin=False),
            frame(0, four[1]),
            frame(0, four[2], fin=False),
            frame(1, four[3]),
        ],
        ("PR4",),
        ok=[text(four[0] + four[1])],
        non_strict=[],
    )
    for case_id, fin in (("5.16", False), ("5.17", True)):
        sends = [
            frame(0, b"fragment1", fin=fin),
            frame(1, b"fragment2", fin=False),
            frame(0, b"fragment3"),
        ]
        yield _fail_case(
            case_id,
            f"Twice: a continuation with FIN = {str(fin).lower()} where there is nothing to "
            "continue, then a text message in two fragments.",
            "The client fails the connection at once with 1002.",
            [*sends, *sends],
            ("PR4",),
        )
    yield _fail_case(
        "5.18",
        "A text message in two fragments, both with the text opcode.",
        "The client fails the connection at once with 1002: every frame after the first "
        "must be a continuation.",
        [frame(1, b"fragment1", fin=False), frame(1, b"fragment2")],
        ("PR4",),
    )
    five = [f"fragment{i}".encode() for i in range(1, 6)]
    pings = [b"pongme 1!", b"pongme 2!"]
    for case_id, sync in (("5.19", False), ("5.20", True)):
        after = [SYNC] if sync else []
        first = [frame(1, five[0], fin=False), frame(0, five[1], fin=False), frame(9, pings[0])]
        rest = [
            frame(0, five[2], fin=False),
            frame(0, five[3], fin=False),
            frame(9, pings[1]),
            frame(0, five[4]),
        ]
        how = " Each frame goes in its own write." if sync else ""
        yield WireCase(
            case_id,
            "A text message in five fragments: after the first two a ping, then (once the "
            "pong came back, where Autobahn waits 1 s) two more fragments, another ping and "
            f"the last fragment.{how}",
            "Each ping is answered at once, before the message is complete; the whole "
            "message is echoed; then a clean close with 1000.",
            [
                *[s for f in first for s in (f, *after)],
                {"op": "expect", "kind": "pong", "timeout_ms": ECHO_MS},
                *[s for f in rest for s in (f, *after)],
                *expect_all([pong(pings[1]), text(b"".join(five))]),
                *server_closes(),
            ],
            outcomes([pong(pings[0]), pong(pings[1]), text(b"".join(five))]),
            ECHO_CLOSE,
            ("PR3", "EV2", CLOSE_CLAUSE),
        )


# -- family 6: UTF-8 --------------------------------------------------------------------------

VSS = bytes.fromhex("cebae1bdb9cf83cebcceb5")  # "κόσμε"
HELLO_UTF8 = "Hello-µ@ßöäüàá-UTF-8!!".encode()


def _valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def utf8_sequences() -> list[tuple[str, list[tuple[bool, bytes]]]]:
    """Autobahn's 6.5-6.23 (from Markus Kuhn's UTF-8 decoder stress test), in its order."""
    seqs: list[tuple[str, list[tuple[bool, bytes]]]] = []

    def add(title: str, items: list[tuple[bool, str | bytes]]) -> None:
        seqs.append(
            (title, [(ok, bytes.fromhex(x) if isinstance(x, str) else x) for ok, x in items])
        )

    add(
        "Some valid UTF-8 sequences",
        [
            (True, b"hello$world"),
            (True, b"hello\xc2\xa2world"),
            (True, b"hello\xe2\x82\xacworld"),
            (True, b"hello\xf0\xa4\xad\xa2world"),
            (True, VSS),
        ],
    )
    add(
        "All prefixes of a valid UTF-8 string that contains multi-byte code points",
        [(_valid_utf8(VSS[:i]), VSS[:i]) for i in range(1, len(VSS) + 1)],
    )
    add(
        "First possible sequence of a certain length",
        [(True, "00"), (True, "c280"), (True, "e0a080"), (True, "f0908080")],
    )
    add(
        "First possible sequence length 5/6 (invalid codepoints)",
        [(False, "f888808080"), (False, "fc8480808080")],
    )
    add(
        "Last possible sequence of a certain length",
        [(True, "7f"), (True, "dfbf"), (True, "efbfbf"), (True, "f48fbfbf")],
    )
    add(
        "Last possible sequence length 4/5/6 (invalid codepoints)",
        [(False, "f7bfbfbf"), (False, "fbbfbfbfbf"), (False, "fdbfbfbfbfbf")],
    )
    add(
        "Other boundary conditions",
        [
            (True, "ed9fbf"),
            (True, "ee8080"),
            (True, "efbfbd"),
            (True, "f48fbfbf"),
            (False, "f4908080"),
        ],
    )
    add(
        "Unexpected continuation bytes",
        [
            (False, "80"),
            (False, "bf"),
            (False, "80bf"),
            (False, "80bf80"),
            (False, "80bf80bf"),
            (False, "80bf80bf80"),
            (False, "80bf80bf80bf"),
            (False, bytes(range(0x80, 0xBF))),
        ],
    )
    add(
        "Lonely start characters",
        [
            (False, b"".join(bytes([i, 0x20]) for i in range(lo, hi)))
            for lo, hi in ((0xC0, 0xDF), (0xE0, 0xEF), (0xF0, 0xF7), (0xF8, 0xFB), (0xFC, 0xFD))
        ],
    )
    missing = [
        "c0",
        "e080",
        "f08080",
        "f8808080",
        "fc80808080",
        "df",
        "efbf",
        "f7bfbf",
        "fbbfbfbf",
        "fdbfbfbfbf",
    ]
    add("Sequences with last continuation byte missing", [(False, k) for k in missing])
    add("Concatenation of incomplete sequences", [(False, "".join(missing))])
    add("Impossible bytes", [(False, "fe"), (False, "ff"), (False, "fefeffff")])
    add(
        "Examples of an overlong ASCII character",
        [
            (False, "c0af"),
            (False, "e080af"),
            (False, "f08080af"),
            (False, "f8808080af"),
            (False, "fc80808080af"),
        ],
    )
    add(
        "Maximum overlong sequences",
        [
            (False, "c1bf"),
            (False, "e09fbf"),
            (False, "f08fbfbf"),
            (False, "f887bfbfbf"),
            (False, "fc83bfbfbfbf"),
        ],
    )
    add(
        "Overlong representation of the NUL character",
        [
            (False, "c080"),
            (False, "e08080"),
            (False, "f0808080"),
            (False, "f880808080"),
            (False, "fc8080808080"),
        ],
    )
    add(
        "Single UTF-16 surrogates",
        [
            (False, x)
            for x in ("eda080", "edadbf", "edae80", "edafbf", "edb080", "edbe80", "edbfbf")
        ],
    )
    add(
        "Paired UTF-16 surrogates",
        [
            (False, x)
            for x in (
                "eda080edb080",
                "eda080edbfbf",
                "edadbfedb080",
                "edadbfedbfbf",
                "edae80edb080",
                "edae80edbfbf",
                "edafbfedb080",
                "edafbfedbfbf",
            )
        ],
    )
    nonchars: list[tuple[bool, str | bytes]] = [(True, "efbfbe"), (True, "efbfbf")]
    for z1 in (0xF0, 0xF1, 0xF2, 0xF3, 0xF4):
        for z2 in (0x8F, 0x9F, 0xAF, 0xBF):
            if z1 == 0xF4 and z2 != 0x8F:
                continue  # beyond U+10FFFF
            for z3 in (0xBE, 0xBF):
                seq = bytes([z1, z2, 0xBF, z3])
                if seq not in (b"\xf0\x8f\xbf\xbe", b"\xf0\x8f\xbf\xbf"):  # overlong
                    nonchars.append((True, seq))
    add("Non-character code points (valid UTF-8)", nonchars)
    add(
        "Unicode specials (i.e. replacement char)",
        [(True, x) for x in ("efbfb9", "efbfba", "efbfbb", "efbfbc", "efbfbd", "efbfbe", "efbfbf")],
    )
    return seqs


def _utf8_fail_case(case_id: str, description: str, sends: list[Step], ms: int) -> WireCase:
    return _fail_case(
        case_id,
        description,
        "The client fails the connection at once with 1007 (invalid payload data).",
        sends,
        ("PR5",),
        close=FAIL_1007,
        ms=ms,
    )


def family_6() -> Iterator[WireCase]:
    """UTF-8 handling: valid text echoed, invalid text failing the connection with 1007."""
    valid = "The message is echoed back intact, then a clean close with 1000."
    yield _echo_case(
        "6.1.1", "A text message of length 0.", valid, [frame(1)], [text(b"")], ("EV12",)
    )
    yield _echo_case(
        "6.1.2",
        "A text message in three fragments, each of length 0.",
        valid,
        [frame(1, fin=False), frame(0, fin=False), frame(0)],
        [text(b"")],
        ("EV2",),
    )
    middle = b"middle frame payload"
    yield _echo_case(
        "6.1.3",
        "A text message in three fragments, the first and last of length 0.",
        valid,
        [frame(1, fin=False), frame(0, middle, fin=False), frame(0)],
        [text(middle)],
        ("EV2",),
    )
    split = len("Hello-µ@ßöä".encode())
    yield _echo_case(
        "6.2.1",
        f"A valid UTF-8 text message in one frame: {HELLO_UTF8.hex()}.",
        valid,
        [frame(1, HELLO_UTF8)],
        [text(HELLO_UTF8)],
        ("EV12",),
    )
    yield _echo_case(
        "6.2.2",
        "A valid UTF-8 text message in two fragments, split on a code point boundary.",
        valid,
        [frame(1, HELLO_UTF8[:split], fin=False), frame(0, HELLO_UTF8[split:])],
        [text(HELLO_UTF8)],
        ("EV2",),
    )
    for case_id, payload in (("6.2.3", HELLO_UTF8), ("6.2.4", VSS)):
        yield _echo_case(
            case_id,
            f"A valid UTF-8 text message in fragments of one byte (fragments end inside code "
            f"points): {payload.hex()}.",
            valid,
            [fragmented("text", payload, 1)],
            [text(payload)],
            ("EV2",),
        )
    bad = VSS + bytes.fromhex("eda080") + b"edited"
    yield _utf8_fail_case(
        "6.3.1",
        f"An invalid UTF-8 text message in one frame: {bad.hex()}.",
        [frame(1, bad)],
        KILL_MS,
    )
    yield _utf8_fail_case(
        "6.3.2",
        f"An invalid UTF-8 text message in fragments of one byte: {bad.hex()}.",
        [fragmented("text", bad, 1)],
        KILL_MS,
    )
    yield from _fail_fast_cases()
    for group, (title, items) in enumerate(utf8_sequences(), start=5):
        for n, (ok, payload) in enumerate(items, start=1):
            case_id = f"6.{group}.{n}"
            what = f"({title}): {payload.hex()}"
            if ok:
                yield _echo_case(
                    case_id,
                    f"A text message that is valid UTF-8, in one frame {what}.",
                    valid,
                    [frame(1, payload)],
                    [text(payload)],
                    ("EV12",),
                    ms=KILL_UTF8_MS,
                )
            else:
                yield _utf8_fail_case(
                    case_id,
                    f"A text message that is not valid UTF-8, in one frame {what}.",
                    [frame(1, payload)],
                    KILL_UTF8_MS,
                )


def _fail_fast_cases() -> Iterator[WireCase]:
    """6.4.x: the invalid part arrives in the middle of a message; a client that validates as
    bytes arrive fails before the last part (OK), one that validates the whole message only
    when it ends fails after it (NON-STRICT)."""
    part1, part2, part3 = VSS, bytes.fromhex("f4908080"), b"edited"
    whole = part1 + part2 + part3
    pause_a: Step = {"op": "wait_close", "ms": FAIL_FAST_PAUSE_A_MS}
    pause_b: Step = {"op": "wait_close", "ms": FAIL_FAST_PAUSE_B_MS}
    splits = {
        "6.4.1": (part1, part2, part3),
        "6.4.2": (whole[:12], whole[12:13], whole[13:]),
    }
    for case_id, (a, b, c) in splits.items():
        yield _fail_fast(
            case_id,
            "An invalid UTF-8 text message in three frames: the first valid, then (after a "
            "pause) the frame that makes it invalid"
            + (" (up to and including the offending byte)" if case_id == "6.4.2" else "")
            + f", then (after another pause) the rest: {a.hex()} | {b.hex()} | {c.hex()}.",
            [
                frame(1, a, fin=False),
                pause_a,
                mark("A"),
                frame(0, b, fin=False),
                pause_b,
                mark("B"),
                frame(0, c),
            ],
        )
    chops = {"6.4.3": (part1, part2, part3), "6.4.4": (whole[:12], whole[12:13], whole[13:])}
    for case_id, (a, b, c) in chops.items():
        yield _fail_fast(
            case_id,
            "As "
            + ("6.4.1" if case_id == "6.4.3" else "6.4.2")
            + ", but the three parts are pieces of one frame: "
            + f"{a.hex()} | {b.hex()} | {c.hex()}.",
            [
                frame(1, a, length=len(whole)),
                pause_a,
                mark("A"),
                raw(b),
                pause_b,
                mark("B"),
                raw(c),
            ],
        )


def _fail_fast(case_id: str, description: str, sends: list[Step | Event]) -> WireCase:
    steps = [{"op": "mark", "name": s[1]} if isinstance(s, tuple) else s for s in sends]
    return WireCase(
        case_id,
        description,
        "The client accepts the first part and fails the connection with 1007 as soon as the "
        "invalid part arrives, before the last part ('A' reached, 'B' not: OK); failing only "
        "once the message is complete is NON-STRICT.",
        [*steps, *client_must_fail(KILL_MS)],
        outcomes([mark("A")], [mark("A"), mark("B")]),
        FAIL_1007,
        ("PR5", "PR8", CLOSE_CLAUSE),
        non_strict_clause="PR8",
    )


# -- family 7: close handling --------------------------------------------------------------------


def _close_case(
    case_id: str,
    description: str,
    expectation: str,
    sends: list[Step],
    codes: tuple[int, ...],
    clean: bool,
    ok: list[Event] | None = None,
    **extra: Any,
) -> WireCase:
    """The fuzzer closes first (with whatever the case sends); the client answers."""
    return WireCase(
        case_id,
        description,
        expectation,
        [*sends, {"op": "wait_close", "ms": KILL_MS}, {"op": "drop"}],
        extra.pop("outcomes", None) or outcomes(ok or []),
        ExpectedClose(True, codes, clean),
        extra.pop("clauses", ("SD6", "PR6", CLOSE_CLAUSE)),
        wrong_code_fails=True,
        **extra,
    )


def family_7() -> Iterator[WireCase]:
    """Close handling: the fuzzer closes, with good and bad close frames."""
    normal = (NORMAL,)
    hello = b"Hello World!"
    yield WireCase(
        "7.1.1",
        "A text message, then the server closes.",
        "The message is echoed, then a clean close with 1000.",
        [frame(1, hello), *expect_all([text(hello)]), *server_closes()],
        outcomes([text(hello)]),
        ECHO_CLOSE,
        ("EV12", "PR6", CLOSE_CLAUSE),
        wrong_code_fails=True,
    )
    yield _close_case(
        "7.1.2",
        "Two close frames.",
        "A clean close with 1000; the second close frame is ignored.",
        [close_frame(NORMAL), close_frame()],
        normal,
        True,
    )
    yield _close_case(
        "7.1.3",
        "A ping after the close frame.",
        "A clean close with 1000; no pong.",
        [close_frame(NORMAL), frame(9)],
        normal,
        True,
    )
    yield _close_case(
        "7.1.4",
        "A text message after the close frame.",
        "A clean close with 1000; the message is ignored (not echoed).",
        [close_frame(NORMAL), frame(1, hello)],
        normal,
        True,
    )
    yield _close_case(
        "7.1.5",
        "The first fragment of a text message, the close frame, then the last fragment.",
        "A clean close with 1000.",
        [frame(1, b"fragment1", fin=False), close_frame(NORMAL), frame(0, b"fragment2")],
        normal,
        True,
    )
    big = 256 * 1024
    yield _close_case(
        "7.1.6",
        "A 256 KiB text message, a short text message, the close frame and a ping, back to back.",
        "Left to the implementation (INFORMATIONAL): if it handles the close before it has "
        "echoed the messages, they may not come back, or only in part.",
        [frame(1, size=big), frame(1, hello), close_frame(NORMAL), frame(9)],
        normal,
        True,
        outcomes=outcomes([text(hello)], []),
        clauses=("PR11", "PR6", CLOSE_CLAUSE),
        informational=True,
        reference=lambda: [text(generated_text(big)), text(hello)],
        reference_code=NORMAL,
    )
    lengths: list[tuple[str, str, str, Step, tuple[int, ...], bool]] = [
        (
            "7.3.1",
            "A close frame with an empty payload (no code, no reason).",
            "A clean close with 1000 (or an empty close payload).",
            close_frame(),
            normal,
            True,
        ),
        (
            "7.3.2",
            "A close frame with a payload of 1 byte.",
            "A close with 1002 (protocol error), or TCP dropped.",
            frame(8, b"a"),
            (PROTOCOL_ERROR,),
            False,
        ),
        (
            "7.3.3",
            "A close frame with a code and no reason (payload of 2 bytes).",
            "A clean close with 1000.",
            close_frame(NORMAL),
            normal,
            True,
        ),
        (
            "7.3.4",
            "A close frame with a code and a reason.",
            "A clean close with 1000.",
            close_frame(NORMAL, b"Hello World!"),
            normal,
            True,
        ),
        (
            "7.3.5",
            "A close frame with a code and a reason of 123 bytes (the most there is room for).",
            "A clean close with 1000.",
            close_frame(NORMAL, b"*" * 123),
            normal,
            True,
        ),
        (
            "7.3.6",
            "A close frame with a code and a reason of 124 bytes (a 126-byte payload).",
            "A close with 1002 (protocol error), or TCP dropped.",
            close_frame(NORMAL, b"*" * 124),
            (PROTOCOL_ERROR,),
            False,
        ),
    ]
    for case_id, description, expectation, step, codes, clean in lengths:
        yield _close_case(case_id, description, expectation, [step], codes, clean)
    yield _close_case(
        "7.5.1",
        "A close frame with 1000 and a reason that is not UTF-8.",
        "A close with 1002 (protocol error) or 1007 (invalid payload), or TCP dropped.",
        [close_frame(NORMAL, VSS + bytes.fromhex("eda080") + b"edited")],
        (PROTOCOL_ERROR, INVALID_PAYLOAD),
        False,
    )
    valid = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]
    for n, code in enumerate(valid, start=1):
        yield _close_case(
            f"7.7.{n}",
            f"A close frame with the valid close code {code}.",
            "A clean close with 1000 or the same code echoed.",
            [close_frame(code)],
            (NORMAL, code),
            True,
        )
    invalid = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999]
    for n, code in enumerate(invalid, start=1):
        yield _close_case(
            f"7.9.{n}",
            f"A close frame with the invalid close code {code}.",
            "A close with 1002 (protocol error), or TCP dropped.",
            [close_frame(code)],
            (PROTOCOL_ERROR,),
            False,
        )
    for n, code in enumerate((5000, 65535), start=1):
        yield _close_case(
            f"7.13.{n}",
            f"A close frame with the close code {code} (outside every range RFC 6455 defines).",
            "Left open by the RFC (INFORMATIONAL); the reference answers 1002.",
            [close_frame(code)],
            (NORMAL, code, PROTOCOL_ERROR),
            False,
            clauses=("PR11", "PR6", CLOSE_CLAUSE),
            informational=True,
            reference=lambda: [],
            reference_code=PROTOCOL_ERROR,
        )


# -- family 9: limits and performance -------------------------------------------------------------

KIB, MIB = 1024, 1024 * 1024
# Autobahn gives one echo 10-100 s (WAITSECS, for its own Python 2 fuzzer); here at most
# 20 s (16 MiB at 0.8 MB/s), so a client that does not echo costs 20 s, not 100.
PERF_WAIT_CAP_S = 20


def _size_name(size: int) -> str:
    return (
        f"{size // MIB} MiB"
        if size >= MIB
        else f"{size // KIB} KiB"
        if size >= KIB
        else f"{size} B"
    )


def _generated(kind: str, size: int) -> bytes:
    return generated_text(size).encode("ascii") if kind == "text" else generated_bytes(size)


def _perf_case(
    case_id: str,
    description: str,
    sends: list[Step],
    kind: str,
    size: int,
    wait_s: int,
    count: int = 1,
) -> WireCase:
    ms = min(wait_s, PERF_WAIT_CAP_S) * 1000
    expects: list[Step] = [{"op": "expect", "kind": kind, "timeout_ms": ms}] if count == 1 else []
    return WireCase(
        case_id,
        description,
        f"The client echoes {'every' if count > 1 else 'the'} {kind} message intact (Autobahn "
        "checks type and length; this suite the bytes too), within "
        f"{wait_s if count > 1 else min(wait_s, PERF_WAIT_CAP_S)} s (Autobahn: {wait_s} s); "
        "then a clean close with 1000.",
        [*sends, *expects, *server_closes()],
        lambda: {OK: [message(kind, _generated(kind, size))] * count},
        ECHO_CLOSE,
        ("EV12", "SD8", CLOSE_CLAUSE),
        timeout=float(min(wait_s if count > 1 else PERF_WAIT_CAP_S, 120) + 10),
    )


def family_9() -> Iterator[WireCase]:
    """Limits and performance: large messages, many fragments, small chops, many round trips."""
    sizes = [64 * KIB, 256 * KIB, MIB, 4 * MIB, 8 * MIB, 16 * MIB]
    waits = [10, 10, 20, 60, 100, 100]
    for group, kind, opcode in ((1, "text", 1), (2, "binary", 2)):
        for n, (size, wait_s) in enumerate(zip(sizes, waits, strict=True), start=1):
            yield _perf_case(
                f"9.{group}.{n}",
                f"One {kind} message of {_size_name(size)} in one frame.",
                [frame(opcode, size=size)],
                kind,
                size,
                wait_s,
            )
    frags = [64, 256, KIB, 4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, MIB, 4 * MIB]
    for group, kind in ((3, "text"), (4, "binary")):
        for n, frag in enumerate(frags, start=1):
            yield _perf_case(
                f"9.{group}.{n}",
                f"One {kind} message of 4 MiB in fragments of {_size_name(frag)}.",
                [fragmented(kind, 4 * MIB, frag)],
                kind,
                4 * MIB,
                100,
            )
    chops = [64, 128, 256, 512, 1024, 2048]
    for group, kind, opcode in ((5, "text", 1), (6, "binary", 2)):
        for n, chop in enumerate(chops, start=1):
            yield _perf_case(
                f"9.{group}.{n}",
                f"One {kind} message of 1 MiB in one frame, written in pieces of {chop} bytes.",
                [frame(opcode, size=MIB, chop=chop)],
                kind,
                MIB,
                100,
            )
    rounds = [(0, 60), (16, 60), (64, 60), (256, 120), (1024, 240), (4096, 480)]
    for group, kind in ((7, "text"), (8, "binary")):
        op = "send_text" if kind == "text" else "send_binary"
        for n, (size, wait_s) in enumerate(rounds, start=1):
            each = {"op": "expect", "kind": kind, "timeout_ms": 10_000}
            yield _perf_case(
                f"9.{group}.{n}",
                f"1000 {kind} messages of {size} bytes, each sent once the previous one came "
                "back (round-trip time).",
                [{"op": "repeat", "count": 1000, "steps": [{"op": op, "size": size}, each]}],
                kind,
                size,
                wait_s,
                count=1000,
            )


def family_10() -> Iterator[WireCase]:
    payload = b"*" * 65536
    yield _echo_case(
        "10.1.1",
        "A text message of 64 KiB sent in fragments of 1300 bytes (51 frames).",
        "The whole message is echoed, then a clean close with 1000.",
        [fragmented("text", payload, 1300)],
        [text(payload)],
        ("EV2", "EV12"),
        ms=LARGE_ECHO_MS,
    )


def _all() -> list[WireCase]:
    cases = [
        *family_1(),
        *family_2(),
        *family_3(),
        *family_4(),
        *family_5(),
        *family_6(),
        *family_7(),
        *family_9(),
        *family_10(),
    ]
    return sorted(cases, key=lambda c: tuple(int(p) for p in c.id.split(".")))


CASES: list[WireCase] = _all()
BY_ID: dict[str, WireCase] = {c.id: c for c in CASES}
# `make test` runs this sample of family 9 (the smallest case of each 9.x group);
# `--wire-perf all` (`make conformance`) runs all 54.
PERF_SAMPLE = {"9.1.1", "9.2.1", "9.3.9", "9.4.9", "9.5.6", "9.6.6", "9.7.1", "9.8.1"}


def family_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for case in CASES:
        counts[case.family] = counts.get(case.family, 0) + 1
    return counts
