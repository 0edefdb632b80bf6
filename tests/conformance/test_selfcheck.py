"""The suite checks itself: every broken implementation is caught on its clause, a hanging
one and a crashing driver become FAILED without stopping the run, and the stdio driver path
judges impl exactly as the in-process path does."""

from __future__ import annotations

import json
import pkgutil
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance.clauses import clause, clauses
from tests import schedule
from tests.conformance import broken
from tests.conformance.suite_runner import run_suite, verdicts
from tests.shared_runs import SuiteRuns


def _target(module: str) -> str:
    """The clause a broken module breaks, read from its source: importing it here would apply
    its patches (some patch aiohttp) inside this test process."""
    source = (Path(broken.__path__[0]) / f"{module}.py").read_text("utf-8")
    found = re.search(r'^CLAUSE = "([A-Z]+[0-9]+)"$', source, re.MULTILINE)
    assert found, f"{module} names no CLAUSE"
    return found[1]


BROKEN = sorted(
    m.name
    for m in pkgutil.iter_modules(broken.__path__)
    if not m.name.startswith("_") and m.name != "hangs"
)
# Each broken module breaks one clause; its verdict there must be that clause's level's.
BY_LEVEL = {
    level: [m for m in BROKEN if clause(_target(m)).level == level]
    for level in ("MUST", "SHOULD", "INFO")
}
# DP1 is the driver's clause: tests/conformance/iut/test_driver_garbage.py breaks it.
BROKEN_ELSEWHERE = {"DP1"}
# A full run minus the cases that wait on purpose (unless they are on the module's clause),
# and of the 301 Autobahn wire cases the first of each group outside family 9 (all of them
# on the clause).
SLOW = "never_answers or 16MiB or size_limit"
WHOLE = f"not ({SLOW}) and (not autobahn or wire_quick and not wire_perf)"


def test_every_clause_has_a_broken_implementation_of_its_own() -> None:
    targets = {_target(m) for m in BROKEN} | BROKEN_ELSEWHERE
    assert set(clauses()) <= targets, sorted(set(clauses()) - targets)


@pytest.mark.parametrize("module", BY_LEVEL["MUST"])
def test_a_must_break_is_failed_on_its_clause(module: str, tmp_path: Path) -> None:
    target = _target(module)
    run = ("--iut", f"tests.conformance.broken.{module}", "--clause", target)
    # Up to the first FAILED case (a failing case waits out what never comes, and most of a
    # clause's cases fail on such a module); the whole clause when that case is failed on
    # another clause only.
    status, rows = run_suite(tmp_path, *run, "--maxfail", "1")
    if not _caught(rows, tmp_path, target):
        tmp_path = tmp_path / "whole-clause"
        status, rows = run_suite(tmp_path, *run)
    failed = _caught(rows, tmp_path, target)
    assert rows, "no case ran"
    assert failed, f"{module} was not caught on {target}: {verdicts(rows)}"
    assert status != 0


# Where a SHOULD or INFO break is looked for: on its own clause's cases in `make test`; over
# the whole suite (its quick selection, WHOLE) for every one of them in `make test-full`, what
# CI runs (one suite run each: minutes).
WHOLE_IN_MAKE_TEST: set[str] = set()


@pytest.mark.parametrize(
    ("module", "expected"),
    [(m, "NON-STRICT") for m in BY_LEVEL["SHOULD"]]
    + [(m, "INFORMATIONAL") for m in BY_LEVEL["INFO"]],
)
def test_a_should_or_info_break_is_graded_at_its_level_and_nowhere_failed(
    module: str, expected: str, tmp_path: Path
) -> None:
    """The broken clause shows ``expected`` (a failed check there), and no case is FAILED: a
    SHOULD miss must never block a port's CI. No case anywhere in the whole suite for the
    modules of WHOLE_IN_MAKE_TEST, and for all of them with OHOS_TEST_FULL=1 (`make
    test-full`); else no case on the clause."""
    target = _target(module)
    if module in WHOLE_IN_MAKE_TEST or schedule.full_run():
        selection = ["-k", f"{WHOLE} or {target}", "-n", "2"]
    else:
        selection = ["--clause", target]
    status, rows = run_suite(tmp_path, "--iut", f"tests.conformance.broken.{module}", *selection)
    failed = {
        c: r["behavior"] for c, r in rows.items() if r["behavior"] in ("FAILED", "HARNESS-ERROR")
    }
    assert not failed, f"{module} (breaks {target}) made these fail: {failed}"
    graded = [
        case
        for case, row in rows.items()
        if row["behavior"] == expected
        and any(
            c["clause"] == target and not c["passed"] and c["verdict"] == expected
            for c in _checks_on(tmp_path / row["reportfile"], target)
        )
    ]
    assert graded, f"{module} was not {expected} on {target}: {verdicts(rows)}"
    assert status == 0


def _caught(rows: dict[str, Any], report_dir: Path, target: str) -> list[str]:
    """The FAILED cases with a FAILED check on ``target``."""
    return [
        case
        for case, row in rows.items()
        if row["behavior"] == "FAILED" and _checks_on(report_dir / row["reportfile"], target)
    ]


def _checks_on(report_file: Path, target: str) -> list[dict]:
    """The case report's checks on ``target`` (FAILED ones for a MUST target)."""
    checks = json.loads(report_file.read_text("utf-8")).get("checks", [])
    on = [c for c in checks if c["clause"] == target]
    if clause(target).level == "MUST":
        return [c for c in on if c["verdict"] == "FAILED"]
    return on


def test_hanging_implementation_fails_within_the_timeout(tmp_path: Path) -> None:
    status, rows = run_suite(
        tmp_path,
        "--iut",
        "tests.conformance.broken.hangs",
        "--clause",
        "CN9",
        "--clause",
        "CN11",
        "--case-timeout",
        "1.5",
    )
    assert rows and all(row["behavior"] == "FAILED" for row in rows.values())
    assert all(row["duration"] < 5000 for row in rows.values()), rows
    assert status != 0


def test_crashing_driver_fails_its_cases_and_the_run_goes_on(tmp_path: Path) -> None:
    crash = f"cmd:{sys.executable} -c 'import sys; sys.stdin.readline(); sys.exit(3)'"
    status, rows = run_suite(tmp_path, "--iut", crash, "--clause", "M2")
    assert len(rows) == 5, rows
    assert all(row["behavior"] == "FAILED" for row in rows.values())
    case = next(iter(rows.values()))
    assert status != 0 and case["reportfile"]


def test_driver_path_judges_like_in_process(tmp_path: Path, suite_runs: SuiteRuns) -> None:
    """The whole suite in-process (the main job, shared: tests/shared_runs.py), then over the
    stdio driver: the same verdicts, all OK / INFORMATIONAL for impl, every MUST and SHOULD
    clause covered. (In-process and serial: the MUST runs above, and the TCP references; a
    stdio driver under pytest-xdist workers: the JS port's run, test_js_port.py.) Serial: on
    two busy cores, workers inside a test only add their start-up."""
    main_job = suite_runs.main_job()
    status_a, in_process = main_job.status, main_job.rows
    driver = f"cmd:{sys.executable} -m conformance.drivers.python impl"
    # make test: every API case and the first wire case of each Autobahn group over stdio;
    # make test-full (CI): every case.
    selection = schedule.whole_or_quick()
    status_b, over_stdio = run_suite(tmp_path / "b", "--iut", driver, *selection)
    assert len(over_stdio) >= 200, f"only {len(over_stdio)} cases ran over stdio"
    in_process = {case: row for case, row in in_process.items() if case in over_stdio}
    not_ok = {
        case: (path, row["behavior"])
        for path, rows in (("in-process", in_process), ("stdio", over_stdio))
        for case, row in rows.items()
        if row["behavior"] not in ("OK", "INFORMATIONAL")
    }
    assert not not_ok, not_ok
    assert (status_a, status_b) == (0, 0)
    assert verdicts(in_process) == verdicts(over_stdio)
    covered = {c for row in main_job.rows.values() for c in row["clause"]}
    # DP1 (the driver protocol) is checked on every case, by no case of its own.
    required = {c.id for c in clauses().values() if c.level in ("MUST", "SHOULD")} - {"DP1"}
    assert required <= covered, sorted(required - covered)


def test_impl_passes_the_whole_suite_over_wss(tmp_path: Path) -> None:
    """Every case over wss:// (the mock server's test CA, told to impl by SSL_CERT_FILE): the
    same verdicts as over ws://, all OK / INFORMATIONAL. ``make test``: every API case and the
    first wire case of each Autobahn group; ``make test-full`` (CI): all of them."""
    selection = schedule.whole_or_quick()
    status, rows = run_suite(tmp_path, "--transport", "wss", *selection)
    assert rows and all(case.endswith("@wss") for case in rows)
    not_ok = {
        c: r["behavior"] for c, r in rows.items() if r["behavior"] not in ("OK", "INFORMATIONAL")
    }
    assert not not_ok, not_ok
    assert status == 0
