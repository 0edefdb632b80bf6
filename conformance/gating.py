"""CI gating and allure labels for conformance cases (a pytest plugin, loaded everywhere,
active only where ``case``-marked items run).

- ``--fail-on non-strict``: NON-STRICT verdicts also fail the run (FAILED always does).
- allure (when ``--alluredir`` is given): epic = area, feature = method, story = overload,
  severity from the clause level, a link to the clause in the contract.
- JUnit: the verdict properties travel as ``user_properties``, which ``--junitxml`` writes.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

SEVERITY = {"MUST": "critical", "SHOULD": "normal", "INFO": "minor"}
# The contract shipped with the suite; point --clause-url at your own copy (a repository
# browser, an intranet page) to make the links travel with the allure report.
DEFAULT_CLAUSE_URL = (Path(__file__).parent / "data" / "API-CONTRACT.md").as_uri() + "#{clause}"
_non_strict: list[str] = []


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
    allure.dynamic.label("verdict", str(props["verdict"]))
    url = str(item.config.getoption("--clause-url"))
    for clause in str(props["clauses"]).split(","):
        allure.dynamic.link(url.format(clause=clause), name=clause)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        props = dict(report.user_properties)
        if props.get("verdict") == "NON-STRICT":
            _non_strict.append(str(props["case_id"]))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if hasattr(config, "workerinput") or config.getoption("--fail-on") != "non-strict":
        return
    if _non_strict and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"--fail-on non-strict: {len(_non_strict)} NON-STRICT case(s)")
    _non_strict.clear()
