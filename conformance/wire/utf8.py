"""Autobahn family 6: UTF-8 in text messages; valid text echoed, invalid text failing the
connection with 1007 (6.4.x: as soon as the invalid bytes arrive)."""

from __future__ import annotations

from collections.abc import Iterator

from .entries import CLOSE_CLAUSE, FAIL_1007, WireCase, echo_case, fail_case, outcomes
from .events import mark, text
from .steps import (
    KILL_MS,
    KILL_UTF8_MS,
    Step,
    client_must_fail,
    fragmented,
    frame,
    raw,
    wait_close,
)
from .steps import mark as reached

# 6.4.x: how long the server waits after the valid first part (the client must not fail
# yet: Autobahn's "timeout A") and after the invalid second part (a fail-fast client fails
# within it; otherwise the last part follows: "timeout B", NON-STRICT).
FAIL_FAST_PAUSE_A_MS = 100
FAIL_FAST_PAUSE_B_MS = 300

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
    return fail_case(
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
    yield echo_case(
        "6.1.1", "A text message of length 0.", valid, [frame(1)], [text(b"")], ("EV12",)
    )
    yield echo_case(
        "6.1.2",
        "A text message in three fragments, each of length 0.",
        valid,
        [frame(1, fin=False), frame(0, fin=False), frame(0)],
        [text(b"")],
        ("EV2",),
    )
    middle = b"middle frame payload"
    yield echo_case(
        "6.1.3",
        "A text message in three fragments, the first and last of length 0.",
        valid,
        [frame(1, fin=False), frame(0, middle, fin=False), frame(0)],
        [text(middle)],
        ("EV2",),
    )
    split = len("Hello-µ@ßöä".encode())
    yield echo_case(
        "6.2.1",
        f"A valid UTF-8 text message in one frame: {HELLO_UTF8.hex()}.",
        valid,
        [frame(1, HELLO_UTF8)],
        [text(HELLO_UTF8)],
        ("EV12",),
    )
    yield echo_case(
        "6.2.2",
        "A valid UTF-8 text message in two fragments, split on a code point boundary.",
        valid,
        [frame(1, HELLO_UTF8[:split], fin=False), frame(0, HELLO_UTF8[split:])],
        [text(HELLO_UTF8)],
        ("EV2",),
    )
    for case_id, payload in (("6.2.3", HELLO_UTF8), ("6.2.4", VSS)):
        yield echo_case(
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
                yield echo_case(
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
    pause_a = wait_close(FAIL_FAST_PAUSE_A_MS)
    pause_b = wait_close(FAIL_FAST_PAUSE_B_MS)
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
                reached("A"),
                frame(0, b, fin=False),
                pause_b,
                reached("B"),
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
                reached("A"),
                raw(b),
                pause_b,
                reached("B"),
                raw(c),
            ],
        )


def _fail_fast(case_id: str, description: str, sends: list[Step]) -> WireCase:
    return WireCase(
        case_id,
        description,
        "The client accepts the first part and fails the connection with 1007 as soon as the "
        "invalid part arrives, before the last part ('A' reached, 'B' not: OK); failing only "
        "once the message is complete is NON-STRICT.",
        (*sends, *client_must_fail(KILL_MS)),
        outcomes([mark("A")], [mark("A"), mark("B")]),
        FAIL_1007,
        ("PR5", "PR8", CLOSE_CLAUSE),
        non_strict_clause="PR8",
    )
