"""Selecting wire cases: family 9 as a sample, all or none (--wire-perf), the quick subset."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from conformance.wire.catalogue import CASES, PERF_SAMPLE
from tests.conformance.suite_runner import run_tool


def _run_collection(*args: str) -> str:
    """``python -m conformance --collect-only ARGS`` (in an empty folder: it writes nothing)."""
    with tempfile.TemporaryDirectory() as folder:
        proc = run_tool(Path(folder), "--collect-only", *args, timeout=120)
    assert proc.returncode in (0, 5), proc.stdout[-2000:] + proc.stderr[-2000:]  # 5: none
    return proc.stdout


def _collected(*args: str) -> list[str]:
    """The wire cases selected."""
    return [line for line in _run_collection(*args).splitlines() if "::test_autobahn[" in line]


def _collection(*args: str) -> tuple[list[str], int]:
    """The wire cases selected, and how many cases pytest collected (selected or not)."""
    out = _run_collection(*args)
    total = re.search(r"(\d+) tests collected", out)
    assert total, out[-2000:]
    return [line for line in out.splitlines() if "::test_autobahn[" in line], int(total.group(1))


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


def test_a_clause_selection_collects_autobahn_cases_only_on_their_clauses() -> None:
    """--clause on an API clause does not collect the wire module at all (a run on API
    clauses starts faster); on a clause wire cases are graded on, exactly those are selected."""
    everything = _collection()[1]
    selected, collected = _collection("--clause", "CL3")
    assert selected == []
    assert collected == everything - len(CASES), (collected, everything)
    graded = {
        c.id for c in CASES if "PR9" in c.clauses and (c.family != "9" or c.id in PERF_SAMPLE)
    }
    assert graded, "no wire case is graded on PR9"
    assert {s.split("[")[1].rstrip("]") for s in _collected("--clause", "PR9")} == graded


def test_autobahn_cases_come_from_the_catalogue_only() -> None:
    """Issue 16: test_protocol ran some Autobahn cases on steps of its own and graded them
    apart (3.1, 6.4.x, 7.13.1 ...). Now a case named after an Autobahn id is a wire case."""
    named = re.compile(r"::test_\d+_\d+|\[\d+(\.\d+)+-")
    others = [line for line in _run_collection().splitlines() if "::test_autobahn[" not in line]
    others = [line for line in others if "::" in line]
    assert others, "nothing collected"
    assert [line for line in others if named.search(line)] == []
