"""Autobahn families 1, 2 and 10: messages of every length echoed, pings and pongs, and a
message the fuzzer fragments itself."""

from __future__ import annotations

from collections.abc import Iterator

from .entries import CLOSE_CLAUSE, ECHO_CLOSE, WireCase, echo_case, fail_case, outcomes
from .events import message, pong, text
from .steps import ECHO_MS, LARGE_ECHO_MS, fragmented, frame, server_closes


def family_1() -> Iterator[WireCase]:
    """Framing: text (1.1.x) and binary (1.2.x) messages of 0 to 64 KiB, echoed."""
    sizes = [0, 125, 126, 127, 128, 65535, 65536, 65536]
    for group, kind, opcode, byte in ((1, "text", 1, b"*"), (2, "binary", 2, b"\xfe")):
        for n, size in enumerate(sizes, start=1):
            chop = 997 if n == 8 else None
            payload = byte * size
            how = " in pieces of 997 bytes on the wire" if chop else ""
            yield echo_case(
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
        yield echo_case(
            case_id,
            description,
            "A pong with the same payload, then a clean close with 1000.",
            [frame(9, payload, chop=chop)],
            [pong(payload)],
            ("PR3",),
        )
    yield fail_case(
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
            (frame(10, payload), *server_closes()),
            outcomes([]),
            ECHO_CLOSE,
            ("PR3", CLOSE_CLAUSE),
        )
    yield echo_case(
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
        yield echo_case(
            case_id,
            f"Ten pings with payloads, back to back{how}.",
            "Ten pongs with those payloads, in order (RFC 6455 allows answering only the "
            "last; Autobahn checks for all), then a clean close with 1000.",
            [frame(9, p, chop=chop) for p in payloads],
            [pong(p) for p in payloads],
            ("PR3",),
            ms=3000,
        )


def family_10() -> Iterator[WireCase]:
    payload = b"*" * 65536
    yield echo_case(
        "10.1.1",
        "A text message of 64 KiB sent in fragments of 1300 bytes (51 frames).",
        "The whole message is echoed, then a clean close with 1000.",
        [fragmented("text", payload, 1300)],
        [text(payload)],
        ("EV2", "EV12"),
        ms=LARGE_ECHO_MS,
    )
