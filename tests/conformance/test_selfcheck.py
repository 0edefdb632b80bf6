"""The suite checks itself: every broken implementation is caught on its clause, a hanging
one and a crashing driver become FAILED without stopping the run, and the stdio driver path
judges impl exactly as the in-process path does."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path

import pytest

from conformance.clauses import clauses
from tests.conformance import broken
from tests.conformance.suite_runner import run_suite, verdicts

BROKEN = sorted(
    m.name
    for m in pkgutil.iter_modules(broken.__path__)
    if not m.name.startswith("_") and m.name != "hangs"
)


@pytest.mark.parametrize("module", BROKEN)
def test_broken_implementation_is_caught(module: str, tmp_path: Path) -> None:
    clause = importlib.import_module(f"tests.conformance.broken.{module}").CLAUSE
    status, rows = run_suite(
        tmp_path, "--iut", f"tests.conformance.broken.{module}", "--clause", clause
    )
    failed = [
        case
        for case, row in rows.items()
        if row["behavior"] == "FAILED" and _failed_check_on(tmp_path / row["reportfile"], clause)
    ]
    assert rows, "no case ran"
    assert failed, f"{module} was not caught on {clause}: {verdicts(rows)}"
    assert status != 0


def _failed_check_on(report_file: Path, clause: str) -> bool:
    """The case's own report holds a failed MUST check on ``clause`` (not just a bad neighbour)."""
    checks = json.loads(report_file.read_text("utf-8")).get("checks", [])
    return any(c["clause"] == clause and c["verdict"] == "FAILED" for c in checks)


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


def test_driver_path_judges_like_in_process(tmp_path: Path) -> None:
    """The whole suite, in-process and serial, then over the stdio driver with two workers:
    the same verdicts, all OK / INFORMATIONAL for impl, every MUST and SHOULD clause covered."""
    status_a, in_process = run_suite(tmp_path / "a", "-p", "no:xdist")
    driver = f"cmd:{sys.executable} -m conformance.drivers.python impl"
    status_b, over_stdio = run_suite(tmp_path / "b", "--iut", driver, "-n", "2")
    not_ok = {
        case: (path, row["behavior"])
        for path, rows in (("in-process", in_process), ("stdio", over_stdio))
        for case, row in rows.items()
        if row["behavior"] not in ("OK", "INFORMATIONAL")
    }
    assert not not_ok, not_ok
    assert (status_a, status_b) == (0, 0)
    assert verdicts(in_process) == verdicts(over_stdio)
    covered = {c for row in in_process.values() for c in row["clause"]}
    required = {c.id for c in clauses().values() if c.level in ("MUST", "SHOULD")}
    assert required <= covered, sorted(required - covered)
