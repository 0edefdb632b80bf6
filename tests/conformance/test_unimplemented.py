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

@pytest.mark.case(area="module", method="createWebSocket", clauses=("M1",),
                  description="checks a clause it does not name", expectation="HARNESS-ERROR")
def test_undeclared_clause(ctx):
    ctx.check("M1", True, "declared", True, True)
    ctx.check("SD1", False, "not declared", True, False)  # refused: never the IUT's FAILED

@pytest.mark.case(area="events", method="on", clauses=("EV12", "EV13"),
                  description="refines to its INFO clause", expectation="INFORMATIONAL row")
def test_refined_to_info(ctx):
    ctx.refine("EV13")
    ctx.check("EV13", False, "observed", "a", "b")

@pytest.mark.case(area="events", method="on", clauses=("EV12",),
                  description="refines beyond its marker", expectation="HARNESS-ERROR")
def test_refined_beyond_marker(ctx):
    ctx.refine("EV12", "SD1")
"""

PRECONDITION = """
import pytest

@pytest.mark.case(area="send", method="send", clauses=("SD1",),
                  description="needs 'open' from a server that refuses", expectation="FAILED")
def test_open_never_comes(ctx):
    sock = ctx.socket()
    ctx.open(sock, ctx.url("/status/403"))
    ctx.check("SD1", True, "never reached", True, True)
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
        "undeclared_clause": "HARNESS-ERROR",
        "events.refined_to_info": "INFORMATIONAL",
        "events.refined_beyond_marker": "HARNESS-ERROR",
    }
    # A refined case's row carries its new main clause's level, not the marker's first.
    assert rows["events.refined_to_info"]["level"] == "INFO"
    assert rows["events.refined_to_info"]["clause"] == ["EV13"]
    undeclared = json.loads(
        (pytester.path / "out" / rows["module.undeclared_clause"]["reportfile"]).read_text()
    )
    assert (
        "SD1" in undeclared["harness_error"] and "does not declare" in undeclared["harness_error"]
    )
    report = json.loads(
        (pytester.path / "out" / rows["module.case_with_a_bug"]["reportfile"]).read_text()
    )
    assert "TypeError" in report["harness_error"] and "test_" in report["harness_error"]
    assert "HARNESS-ERROR" in result.stdout.str()


def test_an_open_that_never_comes_is_failed_on_cn4_alone(pytester: pytest.Pytester) -> None:
    """The case needs 'open' and the server refuses: it ends at once, FAILED on CN4 as its
    precondition, and the clause it is about (SD1) is not judged."""
    pytester.makepyfile(PRECONDITION)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--report-dir", "out")
    assert result.ret == 1
    rows = json.loads((pytester.path / "out" / "index.json").read_text())["impl"]
    never = json.loads(
        (pytester.path / "out" / rows["send.open_never_comes"]["reportfile"]).read_text()
    )
    assert [(c["clause"], c["verdict"]) for c in never["checks"]] == [("CN4", "FAILED")]
    assert "precondition" in never["checks"][0]["what"]


def test_a_module_without_option_classes_is_unimplemented_there(tmp_path) -> None:
    status, rows = run_suite(
        tmp_path, "--iut", "tests.conformance.minimal_module", "-k", "dataclass", "-n", "2"
    )
    assert rows and {row["behavior"] for row in rows.values()} == {"UNIMPLEMENTED"}, rows
    assert status == 0
