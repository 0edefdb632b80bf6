"""The shipped platform, emulated (ports/js-shipped), through the Node.js driver: the whole
suite, and every verdict that is not OK/INFORMATIONAL must sit on the clause that records
the platform's behaviour (ports/js-shipped/expected-verdicts.json), and nowhere else.

This is the platform team's first run (issue 15): a port that behaves as the contract's own
notes say the shipped platform behaves must get 0 FAILED, NON-STRICT only on the recorded
clauses, and the same verdicts every run. A FAILED here is the suite's fault, or a switch
that does more than its clause says.

- ``test_all_deviations_twice``: every switch on (the port's default), two runs, compared.
  Part of ``make test`` (two suite runs).
- ``test_one_deviation_alone[NAME]``: one switch at a time, each its own suite run; skipped
  unless ``OHOS_SHIPPED_EACH=1`` (``make test-shipped``), select one with ``-k NAME``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import schedule
from tests.conformance.suite_runner import REPO, run_suite

PORT = REPO / "ports" / "js-shipped"
EXPECTED: dict[str, Any] = json.loads((PORT / "expected-verdicts.json").read_text("utf-8"))
ENV = "OHOS_SHIPPED_DEVIATIONS"
PASSING = ("OK", "INFORMATIONAL")
RANK = {"OK": 0, "INFORMATIONAL": 1, "NON-STRICT": 2, "FAILED": 3}
# The switches a default run turns on (recorded deviations and allowed behaviours).
DEFAULT_SWITCHES = sorted(EXPECTED["deviations"])


def _skip_reason() -> str | None:
    if shutil.which("node") is None:
        return "node (Node.js 18+) is not on PATH"
    if not (REPO / "ports" / "js-ws" / "node_modules" / "ws").is_dir():
        return "ports/js-ws/node_modules is missing (js-shipped imports it): run `make install`"
    return None


needs_node = pytest.mark.skipif(_skip_reason() is not None, reason=str(_skip_reason()))


@dataclass(frozen=True)
class Judged:
    """One suite run, read against the clauses its switches may move."""

    verdicts: dict[str, str]
    problems: list[str]  # one line per case whose verdict is not explained
    moved: frozenset[tuple[str, str]]  # (clause, verdict) of every non-OK check in the run
    seconds: float


def _entry(name: str) -> dict[str, Any]:
    entry: dict[str, Any] = EXPECTED["deviations"][name]
    return entry


def _switches(value: str) -> list[str]:
    """The names OHOS_SHIPPED_DEVIATIONS=value turns on (as lib/deviations.mjs reads it)."""
    return DEFAULT_SWITCHES if value == "all" else value.split(",")


def _allowed(switches: list[str]) -> dict[str, str]:
    """clause -> the worst verdict the switches (and ports/js-ws itself) may give it."""
    allowed = dict(EXPECTED["inherited"]["clauses"])
    for name in switches:
        for clause, verdict in _entry(name)["clauses"].items():
            if RANK[verdict] > RANK[allowed.get(clause, "OK")]:
                allowed[clause] = verdict
    return allowed


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, switches: str, *selection: str) -> Judged:
    monkeypatch.setenv(ENV, switches)
    iut = f"cmd:{sys.executable} -m conformance.drivers.node {PORT / 'index.mjs'}"
    start = time.monotonic()
    # serial: workers inside a test only add their start-up on two busy cores
    _, rows = run_suite(tmp_path, "--iut", iut, *selection, timeout=300)
    seconds = time.monotonic() - start
    assert len(rows) > 150, f"only {len(rows)} cases ran"
    allowed = _allowed(_switches(switches))
    problems: list[str] = []
    moved: set[tuple[str, str]] = set()
    for case, row in sorted(rows.items()):
        report = json.loads((tmp_path / row["reportfile"]).read_text("utf-8"))
        bad = [c for c in report.get("checks", []) if c["verdict"] != "OK"]
        moved.update((c["clause"], c["verdict"]) for c in bad)
        if row["behavior"] in PASSING:
            continue
        stray = [
            c
            for c in bad
            if c["verdict"] != "INFORMATIONAL"
            and RANK[c["verdict"]] > RANK.get(allowed.get(c["clause"], "OK"), 0)
        ]
        if row["behavior"] == "FAILED" or stray or report.get("harness_error"):
            lines = [f"{c['clause']} {c['verdict']}: {c['what']}: {c['observed']!r}" for c in stray]
            if report.get("harness_error"):
                lines.append(f"harness: {report['harness_error']}")
            problems.append(f"{case} {row['behavior']}: " + " | ".join(lines)[:400])
    verdicts = {case: row["behavior"] for case, row in rows.items()}
    return Judged(verdicts, problems, frozenset(moved), seconds)


def _assert_explained(run: Judged, switches: list[str], label: str) -> None:
    assert not run.problems, (
        f"{label} ({run.seconds:.0f} s): verdicts no enabled switch explains:\n"
        + "\n".join(run.problems)
    )
    for name in switches:
        for clause, verdict in _entry(name)["clauses"].items():
            assert (clause, verdict) in run.moved, (
                f"{label}: switch {name} should give {verdict} on {clause}, and no check did"
            )


def _declared_switches() -> dict[str, list[str]]:
    """The switch names ports/js-shipped/lib/deviations.mjs declares, by group."""
    script = (
        "import('./ports/js-shipped/lib/deviations.mjs').then((m) => console.log(JSON.stringify("
        "{recorded: Object.keys(m.RECORDED), allowed: Object.keys(m.ALLOWED)})))"
    )
    out = subprocess.run(
        ["node", "-e", script], cwd=REPO, capture_output=True, text=True, timeout=30, check=True
    )
    declared: dict[str, list[str]] = json.loads(out.stdout)
    return declared


@needs_node
def test_expected_verdicts_name_every_switch() -> None:
    declared = _declared_switches()
    assert sorted(declared["recorded"] + declared["allowed"]) == DEFAULT_SWITCHES
    assert all(entry.get("why") for entry in EXPECTED["deviations"].values()), "each: a why"
    ungraded = {n for n, e in EXPECTED["deviations"].items() if not e["clauses"]}
    assert ungraded == set(declared["allowed"]), "only the ungraded behaviours move no clause"
    contract = (REPO / "conformance" / "data" / "API-CONTRACT.md").read_text("utf-8")
    section = contract[contract.index("## The shipped platform") :]
    missing = [n for n in declared["recorded"] if f"| `{n}` |" not in section]
    assert not missing, f"switches the contract's shipped-platform table does not list: {missing}"


@needs_node
def test_unknown_switch_is_a_one_line_error() -> None:
    env = {**os.environ, ENV: "lost-link-0,no-such-thing", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "conformance.drivers.node", str(PORT / "index.mjs")],
        input='{"id": 1, "op": "hello"}\n',
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    reply = json.loads(proc.stdout.splitlines()[0])
    assert reply["ok"] is False
    assert "unknown deviation 'no-such-thing'" in reply["error"]
    assert "lost-link-0," in reply["error"], "the message lists the valid names"
    assert "\n" not in reply["error"]


@needs_node
def test_all_deviations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every switch at once: each verdict that is not OK is one the switches explain, and
    each switch moves its clauses. ``make test``: every API case and the first wire case of
    each Autobahn group; ``make test-full`` (CI): every case."""
    selection = schedule.whole_or_quick()
    run = _run(tmp_path, monkeypatch, "all", *selection)
    _assert_explained(run, DEFAULT_SWITCHES, "all")


@needs_node
@pytest.mark.skipif(not schedule.full_run(), reason="a second whole run: make test-full (CI)")
def test_all_deviations_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two runs with every switch give the same verdicts (no case depends on timing)."""
    first = _run(tmp_path / "first", monkeypatch, "all")
    second = _run(tmp_path / "second", monkeypatch, "all")
    _assert_explained(first, DEFAULT_SWITCHES, "all, first run")
    _assert_explained(second, DEFAULT_SWITCHES, "all, second run")
    changed = {
        case: (verdict, second.verdicts.get(case))
        for case, verdict in first.verdicts.items()
        if second.verdicts.get(case) != verdict
    }
    assert not changed, f"verdicts that changed between two runs: {changed}"


@needs_node
@pytest.mark.skipif(
    os.environ.get("OHOS_SHIPPED_EACH") != "1",
    reason="one suite run per switch: OHOS_SHIPPED_EACH=1 (make test-shipped)",
)
@pytest.mark.parametrize("name", DEFAULT_SWITCHES)
def test_one_deviation_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    run = _run(tmp_path, monkeypatch, name)
    _assert_explained(run, [name], f"{name} alone")
