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

from . import expectations
from .expectations import EXPECTATIONS_KEY
from .plugin import report_dir, run_state
from .report.ci import allure_case
from .results import CaseRow
from .verdicts import FAILED, HARNESS_ERROR, NON_STRICT

SEVERITY = {"MUST": "critical", "SHOULD": "normal", "INFO": "minor"}
EXIT_HARNESS_ERROR = 6
# issue 17: no clause link unless --clause-url gives an address that works anywhere (a
# repository browser, an intranet page): a file:// path of the machine that ran the suite
# is dead everywhere else. Each clause is a label of the case either way.
DEFAULT_CLAUSE_URL = None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance")
    group.addoption(
        "--fail-on",
        choices=("failed", "non-strict"),
        default="failed",
        help="which verdicts fail the run (default: FAILED only)",
    )
    group.addoption(
        "--expectations",
        default=None,
        metavar="FILE",
        help="known outcomes (TOML): the run fails only on an unexpected FAILED/NON-STRICT",
    )
    group.addoption(
        "--strict-expectations",
        action="store_true",
        help="with --expectations: an unexpected pass fails the run too (keeps the file honest)",
    )
    group.addoption(
        "--update-expectations",
        default=None,
        metavar="FILE",
        help="write FILE from this run's failures, keeping the reasons already in it",
    )
    group.addoption(
        "--clause-url",
        default=DEFAULT_CLAUSE_URL,
        help="link for a clause in allure ({clause} is replaced), e.g. a repository "
        "browser's address of API-CONTRACT.md; default: no link, the clause as a label",
    )


def pytest_configure(config: pytest.Config) -> None:
    given = config.getoption("--expectations", None)
    if given:
        try:
            config.stash[EXPECTATIONS_KEY] = expectations.load(Path(given))
        except expectations.ExpectationsError as exc:
            raise pytest.UsageError(str(exc)) from None


def _allure_active(config: pytest.Config) -> bool:
    return bool(config.getoption("--alluredir", None))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, None]:
    yield
    row = CaseRow.from_properties(list(item.user_properties))  # the one reader of the row
    if row is None or not _allure_active(item.config):
        return
    import allure

    allure.dynamic.epic(row.area)
    allure.dynamic.feature(row.method)
    allure.dynamic.story(row.overload)
    allure.dynamic.severity(allure.severity_level(SEVERITY[row.level]))
    allure.dynamic.label("verdict", row.behavior)
    if row.expected:
        allure.dynamic.label("expected", row.expected)
    url = item.config.getoption("--clause-url")
    for clause in row.clause if url else ():
        allure.dynamic.link(str(url).format(clause=clause), name=clause)
    allure_case(report_dir(item.config), row.reportfile, row.case_id, row.clause)  # issue 17


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    state = run_state(config)
    if hasattr(config, "workerinput") or not state.rows:
        return
    if session.exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        return  # interrupted, usage error, internal error: pytest's word stands
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if _update_expectations(config, state.rows, reporter):
        # issue 17: the run recorded its outcomes as the baseline, so they are all expected
        # now: exit 0 (a CI step that records the baseline must not fail), unless a test that
        # is not a conformance case failed.
        failed = bool(state.other_failures)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED if failed else pytest.ExitCode.OK
        return
    if EXPECTATIONS_KEY in config.stash:
        session.exitstatus = _gate_on_expectations(config, state.rows, reporter)
        if state.other_failures:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return
    verdicts = [row.behavior for row in state.rows.values()]
    non_strict = [c for c, row in state.rows.items() if row.behavior == NON_STRICT]
    gate_non_strict = config.getoption("--fail-on") == "non-strict" and non_strict
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


def _gate_on_expectations(config: pytest.Config, rows: dict[str, CaseRow], reporter: Any) -> int:
    """Exit 1 on an unexpected FAILED/NON-STRICT (or, strict, an unexpected pass), 6 on an
    unexpected HARNESS-ERROR alone, else 0; each unexpected case is named."""
    known = config.stash[EXPECTATIONS_KEY]
    outcomes = [known.judge(case_id, row.behavior) for case_id, row in sorted(rows.items())]
    failures = [o for o in outcomes if o.unexpected_failure and o.verdict != HARNESS_ERROR]
    harness = [o for o in outcomes if o.unexpected_failure and o.verdict == HARNESS_ERROR]
    passes = [o for o in outcomes if o.unexpected_pass]
    expected_failures = [o for o in outcomes if o.as_expected and o.expected]
    strict = bool(config.getoption("--strict-expectations"))

    def say(text: str) -> None:
        if reporter is not None:
            reporter.write_line(text)

    say(
        f"expectations: {len(outcomes) - len(failures) - len(harness) - len(passes)} as "
        f"expected ({len(expected_failures)} known failures), {len(failures)} unexpected "
        f"failure(s), {len(passes)} unexpected pass(es)"
    )
    for o in failures + harness:
        say(f"  UNEXPECTED {o.verdict}: {o.case} (expected {o.expected or 'a pass'})")
    for o in passes:
        tag = "UNEXPECTED PASS" if strict else "unexpected pass (update the file)"
        say(f"  {tag}: {o.case} is {o.verdict}, expected {o.expected}")
    if failures or (strict and passes):
        return int(pytest.ExitCode.TESTS_FAILED)
    if harness:
        return EXIT_HARNESS_ERROR
    return int(pytest.ExitCode.OK)


def _update_expectations(config: pytest.Config, rows: dict[str, CaseRow], reporter: Any) -> bool:
    """Write the --update-expectations file (True), or nothing when it was not asked (False)."""
    target = config.getoption("--update-expectations", None)
    if not target:
        return False
    path = Path(target)
    old = None
    if path.exists():
        try:
            old = expectations.load(path)
        except expectations.ExpectationsError as exc:
            raise pytest.UsageError(f"--update-expectations: {exc}") from None
    entries = expectations.updated(old, {c: row.behavior for c, row in rows.items()})
    try:
        path.write_text(expectations.render(entries), "utf-8")
    except expectations.ExpectationsError as exc:
        raise pytest.UsageError(f"--update-expectations {path}: {exc}") from None
    except OSError as exc:
        raise pytest.UsageError(f"--update-expectations {path}: cannot write it ({exc})") from None
    if reporter is not None:
        reporter.write_line(f"expectations: wrote {len(entries)} entries to {path}")
    return True
