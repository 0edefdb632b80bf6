"""Selecting wire cases: family 9 as a sample, all or none (--wire-perf), the quick subset."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conformance.wire.catalogue import PERF_SAMPLE
from tests.conformance.suite_runner import REPO


def _collected(*args: str) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "conformance.cases", "--co", "-q", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode in (0, 5), proc.stdout[-2000:] + proc.stderr[-2000:]  # 5: none
    return [line for line in proc.stdout.splitlines() if "::test_autobahn[" in line]


@pytest.mark.parametrize(
    ("choice", "count"), [("sample", len(PERF_SAMPLE)), ("all", 54), ("none", 0)]
)
def test_wire_perf_selects_family_9(choice: str, count: int) -> None:
    selected = _collected("-k", "wire_perf", "--wire-perf", choice)
    assert len(selected) == count, selected
    if choice == "sample":
        assert {s.split("[")[1].rstrip("]") for s in selected} == PERF_SAMPLE


def test_the_default_runs_every_other_family_and_the_quick_subset_is_smaller() -> None:
    everything = _collected("-k", "autobahn")
    assert len(everything) == 301 - 54 + len(PERF_SAMPLE)
    quick = _collected("-k", "wire_quick and not wire_perf")
    assert 50 < len(quick) < 100


def test_autobahn_cases_come_from_the_catalogue_only() -> None:
    """Issue 16: test_protocol ran some Autobahn cases on steps of its own and graded them
    apart (3.1, 6.4.x, 7.13.1 ...). Now a case named after an Autobahn id is a wire case."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "conformance.cases", "--co", "-q"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    named = re.compile(r"::test_\d+_\d+|\[\d+(\.\d+)+-")
    others = [line for line in proc.stdout.splitlines() if "::test_autobahn[" not in line]
    assert others, "nothing collected"
    assert [line for line in others if named.search(line)] == []
