"""The JavaScript port (ports/js-ws) through the Node.js driver: the whole suite in `make
test-full` (CI; every API case and the first wire case of each Autobahn group in `make test`),
and every verdict that is not OK/INFORMATIONAL must be one ports/js-ws/expected-verdicts.json
explains.

This keeps two things honest at once: conformance/drivers/node/driver.mjs speaks the driver
protocol as the suite reads it, and the port's known clause breaks stay known (a new one, or
one that went away, fails here).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests import schedule
from tests.conformance.suite_runner import REPO
from tests.shared_runs import SuiteRuns

PORT = REPO / "ports" / "js-ws"
EXPECTED = PORT / "expected-verdicts.json"
PASSING = ("OK", "INFORMATIONAL")


def _skip_reason() -> str | None:
    if shutil.which("node") is None:
        return "node (Node.js 18+) is not on PATH"
    if not (PORT / "node_modules" / "ws").is_dir():
        return "ports/js-ws/node_modules is missing: run `npm ci --prefix ports/js-ws`"
    return None


@pytest.mark.skipif(_skip_reason() is not None, reason=str(_skip_reason()))
def test_js_port_verdicts_are_the_expected_ones(suite_runs: SuiteRuns) -> None:
    """The run is shared (tests/shared_runs.py): it is also the stdio reference of
    test_tcp_verdicts.py for the Node and ArkTS drivers."""
    expected = json.loads(EXPECTED.read_text("utf-8"))
    assert all(entry.get("why") for entry in expected.values()), "every entry needs a why"
    run = suite_runs.js_port()
    rows = run.rows
    assert len(rows) > 150, f"only {len(rows)} cases ran"
    # make test: the API cases and the first wire case of each Autobahn group (tests/
    # shared_runs.py); make test-full (CI): every case, and every expected verdict must happen.
    expected = expected if schedule.full_run() else {c: e for c, e in expected.items() if c in rows}
    not_passing = {case: row["behavior"] for case, row in rows.items()}
    not_passing = {case: v for case, v in not_passing.items() if v not in PASSING}
    wanted = {case: entry["verdict"] for case, entry in expected.items()}
    unexplained = {c: v for c, v in not_passing.items() if wanted.get(c) != v}
    gone = {c: v for c, v in wanted.items() if not_passing.get(c) != v}
    details = {c: _failures(run.report_dir, rows[c]) for c in unexplained if c in rows}
    assert not unexplained, f"verdicts expected-verdicts.json does not explain: {details}"
    assert not gone, f"expected verdicts that did not happen (update the file): {gone}"


def _failures(report_dir: Path, row: dict) -> list[str]:
    report = json.loads((report_dir / row["reportfile"]).read_text("utf-8"))
    failed = [c for c in report.get("checks", []) if c["verdict"] not in PASSING]
    lines = [f"{c['clause']}: {c['what']}: {c['observed']!r}"[:300] for c in failed]
    return lines + ([f"harness: {report['harness_error']}"] if report.get("harness_error") else [])
