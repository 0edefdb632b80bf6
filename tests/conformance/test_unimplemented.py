"""An optional feature the IUT lacks (NotImplementedError from the IUT layer) is reported as
UNIMPLEMENTED, which does not fail the run."""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]

CASE = """
import pytest

@pytest.mark.case(area="module", method="createWebSocket", clauses=("M1",),
                  description="needs sync mode", expectation="UNIMPLEMENTED without it")
def test_needs_sync_mode(ctx):
    ctx.session.create(mode="sync")  # the Python executor offers only "async"
"""


def test_not_implemented_becomes_unimplemented(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CASE)
    result = pytester.runpytest("-p", "no:cacheprovider", "--report-dir", "out")
    assert result.ret == 0
    rows = json.loads((pytester.path / "out" / "index.json").read_text())["impl"]
    assert [row["behavior"] for row in rows.values()] == ["UNIMPLEMENTED"]
