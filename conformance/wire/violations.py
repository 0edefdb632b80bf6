"""Autobahn families 3, 4 and 5: reserved bits, reserved opcodes and fragmentation, where the
client must fail the connection on every broken rule (and keep whole what is not broken)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .entries import CLOSE_CLAUSE, ECHO_CLOSE, WireCase, echo_case, fail_case, outcomes
from .events import pong, text
from .steps import ECHO_MS, SYNC, Step, bytewise, close_frame, expect_all, frame, server_closes

HELLO = b"Hello, world!"


def family_3() -> Iterator[WireCase]:
    """Reserved bits: the client must fail the connection on any RSV bit it did not negotiate."""
    yield fail_case(
        "3.1",
        "A short text message with RSV = 1 (the RSV3 bit).",
        "The client fails the connection at once with 1002.",
        [frame(1, HELLO, rsv=1)],
        ("PR4",),
    )
    ways: list[tuple[str, int, str, Callable[[Step], list[Step]]]] = [
        ("3.2", 2, "", lambda s: [s]),
        ("3.3", 3, ", each frame in its own write", lambda s: [s, SYNC]),
        ("3.4", 4, ", written one byte at a time", lambda s: [bytewise(s)]),
    ]
    for case_id, rsv, how, write in ways:
        sends = [*write(frame(1, HELLO)), *write(frame(1, HELLO, rsv=rsv)), *write(frame(9))]
        yield fail_case(
            case_id,
            f"A short text message, the same with RSV = {rsv}, then a ping{how}.",
            "The first message is echoed, then the client fails the connection with 1002; no "
            "pong (no echo at all is NON-STRICT).",
            sends,
            ("PR4",),
            ok=[text(HELLO)],
            non_strict=[],
        )
    yield fail_case(
        "3.5",
        "A short binary message with RSV = 5.",
        "The client fails the connection at once with 1002.",
        [frame(2, bytes.fromhex("00fffefdfcfb00ff"), rsv=5)],
        ("PR4",),
    )
    yield fail_case(
        "3.6",
        "A short binary message with RSV = 6 (Autobahn's description says a ping).",
        "The client fails the connection at once with 1002.",
        [frame(2, HELLO, rsv=6)],
        ("PR4",),
    )
    yield fail_case(
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
                yield fail_case(
                    f"4.{group}.{n}",
                    f"{what}.",
                    "The client fails the connection at once with 1002.",
                    [frame(opcode, payload)],
                    ("PR4",),
                )
                continue
            chop = 1 if n == 5 else None
            how = ", written one byte at a time" if chop else ""
            yield fail_case(
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
        yield fail_case(
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
        (", written one byte at a time", lambda s: [bytewise(s)]),
    ]
    for n, (how, write) in enumerate(ways, start=3):
        yield echo_case(
            f"5.{n}",
            f"A text message in two fragments{how}.",
            "The whole message is echoed, then a clean close with 1000.",
            [*write(frame(1, frags[0], fin=False)), *write(frame(0, frags[1]))],
            [text(b"".join(frags))],
            ("EV2",),
        )
    for n, (how, write) in enumerate(ways, start=6):
        yield echo_case(
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
    orphan: list[tuple[str, bool, str, Callable[[Step], list[Step]]]] = [
        ("5.9", True, "", lambda s: [s]),
        ("5.10", True, ", each frame in its own write", lambda s: [s, SYNC]),
        ("5.11", True, ", written one byte at a time", lambda s: [bytewise(s)]),
        ("5.12", False, "", lambda s: [s]),
        ("5.13", False, ", each frame in its own write", lambda s: [s, SYNC]),
        ("5.14", False, ", written one byte at a time", lambda s: [bytewise(s)]),
    ]
    for case_id, fin, how, write in orphan:
        yield fail_case(
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
    yield fail_case(
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
        yield fail_case(
            case_id,
            f"Twice: a continuation with FIN = {str(fin).lower()} where there is nothing to "
            "continue, then a text message in two fragments.",
            "The client fails the connection at once with 1002.",
            [*sends, *sends],
            ("PR4",),
        )
    yield fail_case(
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
            (
                *[s for f in first for s in (f, *after)],
                {"op": "expect", "kind": "pong", "timeout_ms": ECHO_MS},
                *[s for f in rest for s in (f, *after)],
                *expect_all([pong(pings[1]), text(b"".join(five))]),
                *server_closes(),
            ),
            outcomes([pong(pings[0]), pong(pings[1]), text(b"".join(five))]),
            ECHO_CLOSE,
            ("PR3", "EV2", CLOSE_CLAUSE),
        )
