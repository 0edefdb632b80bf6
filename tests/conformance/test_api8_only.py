"""An API 8 implementation (today's impl behaviour, kept as a test double) is UNIMPLEMENTED
on every case of the later API versions, and nothing worse, whether it declares its level,
refuses the new events, or ignores them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.suite_runner import run_suite


@pytest.mark.parametrize("module", ["api8_only", "api8_silent", "api8_declared"])
def test_an_api8_implementation_is_unimplemented_on_the_later_features(
    module: str, tmp_path: Path
) -> None:
    status, rows = run_suite(
        tmp_path, "--iut", f"tests.conformance.{module}", "-k", "later_api", "-n", "2"
    )
    assert rows, "no case ran"
    verdicts = {case: row["behavior"] for case, row in rows.items()}
    assert set(verdicts.values()) == {"UNIMPLEMENTED"}, verdicts
    assert status == 0
