"""What the implementation does not offer is UNIMPLEMENTED, and what the suite itself gets
wrong is HARNESS-ERROR: neither is ever the implementation's FAILED."""

from __future__ import annotations

import json

import pytest

from conformance.gating import EXIT_HARNESS_ERROR
from tests.conformance.suite_runner import run_suite

pytest_plugins = ["pytester"]

CASES = """
import pytest

@pytest.mark.case(area="module", method="createWebSocket", clauses=("M1",),
                  description="needs sync mode", expectation="UNIMPLEMENTED without it")
def test_needs_sync_mode(ctx):
    ctx.session.create(mode="sync")  # the Python executor offers only "async"

@pytest.mark.case(area="module", method="createWebSocket", clauses=("M1",),
                  description="a case with a bug", expectation="HARNESS-ERROR, not FAILED")
def test_case_with_a_bug(ctx):
    sock = ctx.socket()
    ctx.check("M1", False, "a check before the bug", True, False)
    missing = None
    missing["value"]  # the case's own defect

@pytest.mark.case(area="module", method="createWebSocket", clauses=("M1",),
                  description="a case that checks nothing", expectation="HARNESS-ERROR")
def test_case_without_checks(ctx):
    ctx.socket()
"""


def test_a_missing_feature_and_a_broken_case_are_not_failed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CASES)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--report-dir", "out")
    assert result.ret == EXIT_HARNESS_ERROR
    rows = json.loads((pytester.path / "out" / "index.json").read_text())["impl"]
    verdicts = {case.removeprefix("module."): row["behavior"] for case, row in rows.items()}
    assert verdicts == {
        "needs_sync_mode": "UNIMPLEMENTED",
        "case_with_a_bug": "HARNESS-ERROR",
        "case_without_checks": "HARNESS-ERROR",
    }
    report = json.loads(
        (pytester.path / "out" / rows["module.case_with_a_bug"]["reportfile"]).read_text()
    )
    assert "TypeError" in report["harness_error"] and "test_" in report["harness_error"]
    assert "HARNESS-ERROR" in result.stdout.str()


def test_a_module_without_option_classes_is_unimplemented_there(tmp_path) -> None:
    status, rows = run_suite(
        tmp_path, "--iut", "tests.conformance.minimal_module", "-k", "dataclass", "-n", "2"
    )
    assert rows and {row["behavior"] for row in rows.values()} == {"UNIMPLEMENTED"}, rows
    assert status == 0
