"""The coverage matrix: no required cell without a case, no case outside the matrix, and
docs/coverage.md is what ``python -m conformance.coverage`` prints today."""

from __future__ import annotations

import subprocess
import sys

from conformance import coverage
from tests.conformance.suite_runner import REPO


def test_every_cell_has_a_case_and_the_doc_is_current() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "conformance.coverage"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    doc = (REPO / "docs" / "coverage.md").read_text("utf-8")
    assert doc.endswith(proc.stdout), "docs/coverage.md is stale: regenerate it (see its header)"


def test_check_names_an_empty_cell_and_a_stray_one() -> None:
    filled = {"a.case": (*coverage.REQUIRED[1:], "api :: nowhere :: x :: success")}
    problems = coverage.check(filled)
    assert problems == [
        f"no case fills {coverage.REQUIRED[0]}",
        "api :: nowhere :: x :: success is declared but not in the matrix",
    ]
