"""CI gating and allure labels for conformance cases (a pytest plugin of its own, registered
as the ``ohos_ws_gating`` entry point, active only where ``case``-marked items run).

- The exit status, from the verdicts: 1 when a case is FAILED (or NON-STRICT with
  ``--fail-on non-strict``, or a test that is not a case failed); else 6
  (``EXIT_HARNESS_ERROR``) when a case is HARNESS-ERROR: the suite broke, the implementation
  was not judged there; else 0. pytest's own statuses (interrupted, usage error ...) stand.
- allure (when ``--alluredir`` is given): epic = area, feature = method, story = overload,
  severity from the clause level, a link to the clause in the contract.
- JUnit: the verdict properties travel as ``user_properties``, which ``--junitxml`` writes.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from .plugin import run_state
from .verdicts import FAILED, HARNESS_ERROR, NON_STRICT

SEVERITY = {"MUST": "critical", "SHOULD": "normal", "INFO": "minor"}
EXIT_HARNESS_ERROR = 6
# The contract shipped with the suite; point --clause-url at your own copy (a repository
# browser, an intranet page) to make the links travel with the allure report.
DEFAULT_CLAUSE_URL = (Path(__file__).parent / "data" / "API-CONTRACT.md").as_uri() + "#{clause}"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance")
    group.addoption(
        "--fail-on",
        choices=("failed", "non-strict"),
        default="failed",
        help="which verdicts fail the run (default: FAILED only)",
    )
    group.addoption(
        "--clause-url",
        default=DEFAULT_CLAUSE_URL,
        help="link for a clause in allure ({clause} is replaced)",
    )


def _allure_active(config: pytest.Config) -> bool:
    return bool(config.getoption("--alluredir", None))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, None]:
    yield
    props = dict(item.user_properties)
    if "case_id" not in props or not _allure_active(item.config):
        return
    import allure

    allure.dynamic.epic(str(props["area"]))
    allure.dynamic.feature(str(props["method"]))
    allure.dynamic.story(str(props["overload"]))
    allure.dynamic.severity(allure.severity_level(SEVERITY[str(props["level"])]))
    allure.dynamic.label("verdict", str(props["behavior"]))
    url = str(item.config.getoption("--clause-url"))
    for clause in str(props["clause"]).split(","):
        allure.dynamic.link(url.format(clause=clause), name=clause)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    state = run_state(config)
    if hasattr(config, "workerinput") or not state.rows:
        return
    if session.exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        return  # interrupted, usage error, internal error: pytest's word stands
    verdicts = [row.behavior for row in state.rows.values()]
    non_strict = [c for c, row in state.rows.items() if row.behavior == NON_STRICT]
    gate_non_strict = config.getoption("--fail-on") == "non-strict" and non_strict
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if FAILED in verdicts or gate_non_strict or state.other_failures:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if gate_non_strict and reporter is not None:
            reporter.write_line(f"--fail-on non-strict: {len(non_strict)} NON-STRICT case(s)")
    elif HARNESS_ERROR in verdicts:
        session.exitstatus = EXIT_HARNESS_ERROR
        if reporter is not None:
            count = verdicts.count(HARNESS_ERROR)
            reporter.write_line(
                f"{count} case(s) HARNESS-ERROR: the suite broke there and judged nothing "
                f"(exit {EXIT_HARNESS_ERROR}); please report it with the case files"
            )
    else:
        session.exitstatus = pytest.ExitCode.OK
