"""Every client case of Autobahn|Testsuite's fuzzing server, families 1-7, 9 and 10, as data:
the one source of Autobahn's cases in this suite.

One ``entries.WireCase`` per Autobahn case id (``6.4.1``), built by the family modules
(``framing``: 1, 2, 10; ``violations``: 3-5; ``utf8``: 6; ``closing``: 7; ``perf``: 9) with
the step builders of ``steps``, and carrying the contract's checks beyond Autobahn's where it
has them (``contract.STRICTER``). The implementation under test answers every message by
sending it back (the driver's ``echo`` subscriber), as an Autobahn client does, so the events
are the echoes and pongs the mock server received. ``cases/test_wire.py`` runs them.

``RENAMED`` maps the ids of the cases ``cases/test_protocol.py`` ran on steps of its own
(before they became checks on these entries) to the wire case that now holds their checks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from .closing import family_7
from .contract import STRICTER
from .entries import WireCase
from .framing import family_1, family_2, family_10
from .perf import PERF_SAMPLE, family_9
from .utf8 import family_6
from .violations import family_3, family_4, family_5

__all__ = ["BY_ID", "CASES", "PERF_SAMPLE", "RENAMED", "WireCase", "family_counts", "renamed_to"]


def _with_contract(cases: Iterable[WireCase]) -> list[WireCase]:
    """The cases, in Autobahn's order, each with the contract's checks on its id."""
    found = [dataclasses.replace(c, contract=STRICTER.get(c.id, ())) for c in cases]
    return sorted(found, key=lambda c: tuple(int(p) for p in c.id.split(".")))


CASES: tuple[WireCase, ...] = tuple(
    _with_contract(
        [
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
    )
)
BY_ID: Mapping[str, WireCase] = MappingProxyType({c.id: c for c in CASES})
_unknown = set(STRICTER) - set(BY_ID)
if _unknown:  # pragma: no cover - a defect of contract.STRICTER, caught by its test
    raise RuntimeError(f"contract.STRICTER names no Autobahn case: {sorted(_unknown)}")


def family_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for case in CASES:
        counts[case.family] = counts.get(case.family, 0) + 1
    return counts


def _wire_id(autobahn_id: str) -> str:
    return f"wire.autobahn[{autobahn_id}]"


# The case ids of cases/test_protocol.py's Autobahn cases (until issue 16) -> the wire case
# that now holds their checks (docs/wire-cases.md, "Renamed case ids").
RENAMED: Mapping[str, str] = MappingProxyType(
    {
        "protocol.2_2_ping_pong": _wire_id("2.9"),
        "protocol.protocol_error[2.5-ping-126-bytes]": _wire_id("2.5"),
        "protocol.protocol_error[3.1-rsv3]": _wire_id("3.1"),
        "protocol.protocol_error[3.2-rsv2]": _wire_id("3.2"),
        "protocol.protocol_error[3.4-rsv1]": _wire_id("3.4"),
        "protocol.protocol_error[4.1.1-opcode-3]": _wire_id("4.1.1"),
        "protocol.protocol_error[4.2.1-opcode-11]": _wire_id("4.2.1"),
        "protocol.protocol_error[5.1-fragmented-ping]": _wire_id("5.1"),
        "protocol.protocol_error[5.9-continuation-first]": _wire_id("5.9"),
        "protocol.protocol_error[5.18-data-inside-fragments]": _wire_id("5.18"),
        "protocol.6_invalid_utf8[single-frame]": _wire_id("6.3.1"),
        "protocol.6_invalid_utf8[fragmented]": _wire_id("6.3.2"),
        "protocol.6_4_invalid_utf8_fails_fast": _wire_id("6.4.1"),
        "protocol.7_invalid_close[7.3.2-one-byte-payload]": _wire_id("7.3.2"),
        "protocol.7_invalid_close[7.5.1-reason-not-utf8]": _wire_id("7.5.1"),
        "protocol.7_invalid_close[7.9.1-code-0]": _wire_id("7.9.1"),
        "protocol.7_invalid_close[7.9.3-code-1004]": _wire_id("7.9.3"),
        "protocol.7_invalid_close[7.9.4-code-1005]": _wire_id("7.9.4"),
        "protocol.7_invalid_close[7.9.5-code-1006]": _wire_id("7.9.5"),
        "protocol.7_invalid_close[7.9.6-code-1016]": _wire_id("7.9.6"),
        "protocol.7_invalid_close[7.9.9-code-2999]": _wire_id("7.9.9"),
        "protocol.7_invalid_close[7.13.1-code-5000]": _wire_id("7.13.1"),
    }
)


def renamed_to(case_id: str) -> str | None:
    """The case that replaced ``case_id`` (None: it was not renamed). For a reader of an
    expectations file or an old report: say so in one line, never drop the entry silently."""
    return RENAMED.get(case_id)
