"""An API 8 implementation (today's impl behaviour, kept as a test double) is UNIMPLEMENTED
on every case of the later API versions, and nothing worse, whether it declares its level,
refuses the new events, or ignores them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.suite_runner import run_suite
from tests.conformance.test_selfcheck import WHOLE

# The clause families of the contract's "Later API versions".
LATER_CLAUSES = ("DE", "HR", "SP", "SK", "KA", "CA", "CC", "PX")


@pytest.mark.parametrize("module", ["api8_only", "api8_silent", "api8_declared"])
def test_an_api8_implementation_is_unimplemented_on_the_later_features(
    module: str, tmp_path: Path
) -> None:
    status, rows = run_suite(tmp_path, "--iut", f"tests.conformance.{module}", "-k", "later_api")
    assert rows, "no case ran"
    verdicts = {case: row["behavior"] for case, row in rows.items()}
    assert set(verdicts.values()) == {"UNIMPLEMENTED"}, verdicts
    assert status == 0


def test_an_api8_implementation_is_judged_as_before_everywhere_else(tmp_path: Path) -> None:
    """The whole suite (its quick selection): UNIMPLEMENTED exactly on the later API's cases,
    and every other case as for impl (OK or INFORMATIONAL): nothing worse anywhere."""
    status, rows = run_suite(tmp_path, "--iut", "tests.conformance.api8_only", "-k", WHOLE)
    unimplemented = {c for c, r in rows.items() if r["behavior"] == "UNIMPLEMENTED"}
    later = {c for c, r in rows.items() if r["clause"][0].rstrip("0123456789") in LATER_CLAUSES}
    assert unimplemented and unimplemented == later, sorted(unimplemented ^ later)
    worse = {
        c: r["behavior"]
        for c, r in rows.items()
        if r["behavior"] not in ("OK", "INFORMATIONAL", "UNIMPLEMENTED")
    }
    assert not worse, worse
    assert status == 0
