"""Which tests run where, and in what order: the long ones first, the complete-only ones apart.

``make test`` runs the tests with two pytest-xdist workers, handing out one test at a time
(``--maxschedchunk 1``). Handed out in file order, a test of a minute that comes last keeps one
worker busy while the other sits idle; handed out longest first, the short ones fill in
around the long ones at the end. ``LONG`` names the long tests with their rough cost (seconds
on two idle cores, measured with ``--durations``); ``order()`` sorts them first, longest
first, and leaves every other test where collection put it. A name that no longer matches a
test is reported by tests/test_schedule.py, so the list cannot rot silently.

``@pytest.mark.full`` marks a test whose proof needs minutes (a whole suite run per broken
implementation, per switch, per transport): ``make test`` skips it and says where it runs;
``make test-full`` (``OHOS_TEST_FULL=1``, what CI runs) runs it. ``make test`` keeps a quicker
test of every such kind of proof.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import pytest

FULL_ENV = "OHOS_TEST_FULL"
FULL_REASON = "part of `make test-full` (OHOS_TEST_FULL=1), which CI runs"

# node id, or its prefix up to "[" for every parameter -> seconds (two idle cores, -n 2).
LONG: dict[str, float] = {}


def full_run() -> bool:
    return os.environ.get(FULL_ENV) == "1"


def weight(nodeid: str) -> float:
    """The test's rough cost in seconds (0 for a short one)."""
    if nodeid in LONG:
        return LONG[nodeid]
    return LONG.get(nodeid.split("[", 1)[0], 0.0)


def order(items: Sequence[pytest.Item]) -> list[pytest.Item]:
    """Longest first (a stable sort: the others keep their collection order)."""
    return sorted(items, key=lambda item: -weight(item.nodeid))


def skip_full_only(items: Sequence[pytest.Item]) -> None:
    """Outside ``make test-full``: every ``full`` test skipped, saying where it runs."""
    if full_run():
        return
    skip = pytest.mark.skip(reason=FULL_REASON)
    for item in items:
        if item.get_closest_marker("full") is not None:
            item.add_marker(skip)
