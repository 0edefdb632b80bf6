"""One conformance run: ``ConformanceRun``, on ``config.stash`` and registered as a plugin only
once conformance cases take part in the pytest session.

It owns what a run gathers and decides: the rows (by case id, on the controller under
pytest-xdist), the expectations (each case judged once, ``case_finished``), the allure
hand-off, ``index.json`` and the exit status (``conformance.gating``). A pytest run that
collects no case never creates one: it registers nothing, writes nothing and leaves any
``reports/`` folder as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from . import gating
from .allure_labels import AllureLabels
from .expectations import EXPECTATIONS_KEY, Expectations
from .report.paths import agent_folder, derived_agent
from .report.runs import RunRecorder
from .results import CaseResult, CaseRow, write_index
from .verdicts import FAILED, HARNESS_ERROR, Verdict

RUN_KEY = pytest.StashKey["ConformanceRun"]()
# Failed tests that are not cases, seen before a run existed (an xdist controller learns of
# the run from the first case's row): the run takes the count over when it starts.
EARLY_FAILURES_KEY = pytest.StashKey[int]()


def agent_name(config: pytest.Config) -> str:
    """``--agent``, else the name ``--iut`` gives (``impl``, a module, a driver command)."""
    from .iut import IUT

    agent = config.getoption("--agent")
    if agent:
        return str(agent)
    return derived_agent(IUT.agent_for(str(config.getoption("--iut"))))


def report_dir(config: pytest.Config) -> Path:
    """``--report-dir``, else ``reports/<agent folder>``."""
    explicit = config.getoption("--report-dir")
    # One folder per agent name (``agent_folder``: one-to-one, bounded, filename-safe): "../x"
    # or "a/b" stay folders inside reports/, and 甲 and 乙 get two.
    return Path(explicit) if explicit else Path("reports") / agent_folder(agent_name(config))


def is_worker(config: pytest.Config) -> bool:
    """A pytest-xdist worker (it runs cases; the controller gathers and writes)."""
    return hasattr(config, "workerinput")


class ConformanceRun:
    """The run's state and its end. Create it with ``ConformanceRun.start(config)``."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.rows: dict[str, CaseRow] = {}
        self.other_failures = config.stash.get(EARLY_FAILURES_KEY, 0)
        self.expectations: Expectations | None = config.stash.get(EXPECTATIONS_KEY, None)
        self.agent = agent_name(config)
        self.directory = report_dir(config)

    @classmethod
    def start(cls, config: pytest.Config) -> ConformanceRun:
        """The config's run: made, stashed and registered the first time it is asked for."""
        run = config.stash.get(RUN_KEY, None)
        if run is None:
            run = config.stash[RUN_KEY] = cls(config)
            config.pluginmanager.register(run, f"ohos-ws-conformance-run-{id(config)}")
            # each run kept as <report dir>/runs/<stamp>/ with its metadata (report/runs.py)
            recorder = RunRecorder(config, run.agent, run.directory)
            config.pluginmanager.register(recorder, f"ohos-ws-runs-{id(config)}")
            if config.getoption("--alluredir", None):
                url = config.getoption("--clause-url")
                labels = AllureLabels(None if url is None else str(url), run.directory)
                config.pluginmanager.register(labels, f"ohos-ws-allure-{id(config)}")
        return run

    # -- in the process that runs the case ----------------------------------------------------

    def case_finished(self, item: pytest.Item, result: CaseResult) -> None:
        """A case ran: judge it against the expectations (once), write its case file, hand
        its row to pytest (``user_properties``: xdist, JUnit) and to the hook
        ``pytest_conformance_case_result``; then pass, xfail or fail the test."""
        outcome = None
        if self.expectations is not None:
            outcome = self.expectations.judge(result.row.case_id, result.row.behavior)
            result = result.with_row(result.row.with_expected(outcome.expected_word))
        result.write(self.directory)
        item.user_properties.extend(result.row.as_properties())
        item.config.hook.pytest_conformance_case_result(item=item, result=result)
        verdict = result.row.behavior
        if verdict in (FAILED, HARNESS_ERROR):
            case_id = result.row.case_id
            if outcome is not None and outcome.as_expected:
                pytest.xfail(f"{case_id}: {verdict} as expected: {outcome.reason}")
            pytest.fail(f"{case_id}: {verdict}\n{failures_text(result)}", pytrace=False)

    # -- where reports arrive (the controller under pytest-xdist) -----------------------------

    def take(self, report: pytest.TestReport) -> None:
        """Keep a case's row, or count a failed test that is not a case."""
        if report.when != "call" and not report.failed:
            return
        row = CaseRow.from_properties(list(report.user_properties))
        if row is not None and report.when == "call":
            self.rows[row.case_id] = row
        elif row is None and report.failed:
            self.other_failures += 1

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.take(report)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Write ``index.json``, update the expectations file if asked, set the exit status
        from the verdicts (unless pytest's own status says the run did not complete), and
        call ``pytest_conformance_run_finished``."""
        config = self.config
        if is_worker(config) or not self.rows:
            return
        reporter = config.pluginmanager.get_plugin("terminalreporter")

        def say(text: str) -> None:
            if reporter is not None:
                reporter.write_line(text)

        index = write_index(self.directory, self.agent, self.rows)
        counts = sorted(verdict_counts(self.rows).items())
        say(f"conformance: {', '.join(f'{k} {v}' for k, v in counts)} -> {index}")
        if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            target = config.getoption("--update-expectations", None)
            if target:
                gating.update_expectations(Path(target), self.rows, say)
                # The run recorded its outcomes as the baseline: all of them are expected now.
                # Exit 0 (a CI step that records the baseline must not fail), unless a test
                # that is not a conformance case failed.
                failed = bool(self.other_failures)
                session.exitstatus = pytest.ExitCode.TESTS_FAILED if failed else pytest.ExitCode.OK
            else:
                options = gating.GateOptions.from_config(config)
                session.exitstatus = gating.exit_status(
                    self.rows, self.other_failures, options, say
                )
        config.hook.pytest_conformance_run_finished(config=config, rows=self.rows, index=index)


def failures_text(result: CaseResult) -> str:
    """What made a case FAILED or HARNESS-ERROR, one line each (the pytest failure text)."""
    lines = [
        f"{c.clause} {c.level}: {c.what}: expected {c.expected!r}, observed {c.observed!r}"
        for c in result.checks
        if c.verdict == FAILED
    ]
    if result.iut_error:
        lines.append(f"IUT: {result.iut_error}")
    if result.harness_error:
        lines.append(f"HARNESS-ERROR (the suite's fault, not the IUT's): {result.harness_error}")
    return "\n".join(lines)


def verdict_counts(rows: Mapping[str, CaseRow]) -> dict[Verdict, int]:
    counts: dict[Verdict, int] = {}
    for row in rows.values():
        counts[row.behavior] = counts.get(row.behavior, 0) + 1
    return counts
