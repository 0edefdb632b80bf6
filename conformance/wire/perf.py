"""Autobahn family 9: limits and performance (large messages, many fragments, small writes,
many round trips). ``make test`` runs ``PERF_SAMPLE``; ``--wire-perf all`` all 54."""

from __future__ import annotations

from collections.abc import Iterator

from mockserver.script import generated_bytes, generated_text

from .entries import CLOSE_CLAUSE, ECHO_CLOSE, WireCase
from .events import OK, message
from .steps import Step, fragmented, frame, server_closes

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
        (*sends, *expects, *server_closes()),
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


# `make test` runs this sample of family 9 (the smallest case of each 9.x group);
# `--wire-perf all` (`make conformance`) runs all 54.
PERF_SAMPLE = frozenset({"9.1.1", "9.2.1", "9.3.9", "9.4.9", "9.5.6", "9.6.6", "9.7.1", "9.8.1"})
