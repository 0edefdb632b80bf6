"""Autobahn family 7: the fuzzer closes, with good and bad close frames; the client answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from mockserver.script import generated_text

from .entries import CLOSE_CLAUSE, ECHO_CLOSE, ExpectedClose, Outcomes, WireCase, outcomes
from .events import Event, text
from .steps import (
    INVALID_PAYLOAD,
    KILL_MS,
    NORMAL,
    PROTOCOL_ERROR,
    Step,
    close_frame,
    expect_all,
    frame,
    server_closes,
    wait_close,
)
from .utf8 import VSS

CLOSE_CLAUSES = ("SD6", "PR6", CLOSE_CLAUSE)  # nothing sent after the close; the answer
INFO_CLAUSES = ("PR11", "PR6", CLOSE_CLAUSE)  # 7.1.6, 7.13.x: what the RFC leaves open


def _close_case(
    case_id: str,
    description: str,
    expectation: str,
    sends: list[Step],
    codes: tuple[int, ...],
    clean: bool,
) -> WireCase:
    """The fuzzer closes first (with whatever the case sends); the client answers."""
    return WireCase(
        case_id,
        description,
        expectation,
        (*sends, wait_close(KILL_MS), {"op": "drop"}),
        outcomes([]),
        ExpectedClose(True, codes, clean),
        CLOSE_CLAUSES,
        wrong_code_fails=True,
    )


def _informational(
    case_id: str,
    description: str,
    expectation: str,
    sends: list[Step],
    codes: tuple[int, ...],
    clean: bool,
    accepted: Callable[[], Outcomes],
    reference: Callable[[], list[Event]],
    reference_code: int,
) -> WireCase:
    """As ``_close_case``, but Autobahn reports INFORMATIONAL whatever happens: graded on PR11
    (INFO), passed when the IUT does what the reference does."""
    return WireCase(
        case_id,
        description,
        expectation,
        (*sends, wait_close(KILL_MS), {"op": "drop"}),
        accepted,
        ExpectedClose(True, codes, clean),
        INFO_CLAUSES,
        informational=True,
        wrong_code_fails=True,
        reference=reference,
        reference_code=reference_code,
    )


def family_7() -> Iterator[WireCase]:
    """Close handling: the fuzzer closes, with good and bad close frames."""
    normal = (NORMAL,)
    hello = b"Hello World!"
    yield WireCase(
        "7.1.1",
        "A text message, then the server closes.",
        "The message is echoed, then a clean close with 1000.",
        (frame(1, hello), *expect_all([text(hello)]), *server_closes()),
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
    yield _informational(
        "7.1.6",
        "A 256 KiB text message, a short text message, the close frame and a ping, back to back.",
        "Left to the implementation (INFORMATIONAL): if it handles the close before it has "
        "echoed the messages, they may not come back, or only in part.",
        [frame(1, size=big), frame(1, hello), close_frame(NORMAL), frame(9)],
        normal,
        True,
        outcomes([text(hello)], []),
        lambda: [text(generated_text(big)), text(hello)],
        NORMAL,
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
        yield _informational(
            f"7.13.{n}",
            f"A close frame with the close code {code} (outside every range RFC 6455 defines).",
            "Left open by the RFC (INFORMATIONAL); the reference answers 1002.",
            [close_frame(code)],
            (NORMAL, code, PROTOCOL_ERROR),
            False,
            outcomes([]),
            lambda: [],
            PROTOCOL_ERROR,
        )
