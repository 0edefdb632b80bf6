"""Driver protocol versions negotiate: a driver is judged on what it says it can do.

A driver written against an older protocol gets UNIMPLEMENTED, naming the feature and the
doc section to upgrade with, where a case needs what it lacks: never FAILED. The reference
drivers refuse a subscriber behaviour they do not know instead of ignoring it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conformance.suite_runner import REPO, run_suite

# A cross-section: cases that use the older behaviours, and one wire case of each group.
SELECTION = "wire_quick or several_subscribers or subscribe_during_dispatch or callback_raises"


def _report(report_dir: Path, row: dict) -> dict:
    return json.loads((report_dir / row["reportfile"]).read_text("utf-8"))


@pytest.mark.parametrize(
    ("protocol", "reason"),
    [(1, "driver protocol 2; it speaks 1"), (2, "sends nothing back")],
    ids=["protocol-1", "protocol-2-without-echo"],
)
def test_an_older_driver_gets_no_failed_from_what_it_lacks(
    tmp_path: Path, protocol: int, reason: str
) -> None:
    """Protocol 1 lacks the echo subscriber (the suite knows from hello); a driver that claims
    protocol 2 but ignores echo is found out by the probe. Either way the wire cases are
    UNIMPLEMENTED with a line that says how to upgrade, and the rest is judged as usual."""
    driver = f"cmd:{sys.executable} -m tests.conformance.drivers.older impl --protocol {protocol}"
    status, rows = run_suite(tmp_path, "--iut", driver, "-k", SELECTION)
    wire = {case: row for case, row in rows.items() if case.startswith("wire")}
    others = {case: row for case, row in rows.items() if not case.startswith("wire")}
    assert wire and others, sorted(rows)
    assert {row["behavior"] for row in wire.values()} == {"UNIMPLEMENTED"}
    assert {row["behavior"] for row in others.values()} <= {"OK", "INFORMATIONAL"}, others
    assert status == 0
    check = _report(tmp_path, next(iter(wire.values())))["checks"][0]
    assert reason in check["what"] and "docs/driver-protocol.md" in check["what"], check


def _exchange(argv: list[str], requests: list[dict]) -> list[dict]:
    lines = "".join(json.dumps(r) + "\n" for r in requests)
    proc = subprocess.run(argv, input=lines, capture_output=True, text=True, timeout=60, cwd=REPO)
    replies = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return [r for r in replies if "id" in r]


REFERENCE_DRIVERS = {
    "python": [sys.executable, "-m", "conformance.drivers.python", "impl"],
    "node": ["node", str(REPO / "conformance/drivers/node/driver.mjs"), "./ports/js-ws/index.mjs"],
}


@pytest.mark.parametrize("driver", REFERENCE_DRIVERS)
def test_a_reference_driver_refuses_an_unknown_behaviour_and_declares_its_own(
    driver: str,
) -> None:
    if driver == "node" and (
        shutil.which("node") is None or not (REPO / "ports/js-ws/node_modules/ws").is_dir()
    ):
        pytest.skip("node or ports/js-ws/node_modules is missing")
    replies = _exchange(
        REFERENCE_DRIVERS[driver],
        [
            {"id": 1, "op": "hello", "protocol": 3},
            {"id": 2, "op": "create"},
            {
                "id": 3,
                "op": "call",
                "socket": "s1",
                "method": "on",
                "args": ["message", {"$subscriber": {"name": "a", "behaviour": "dance"}}],
                "promise": False,
            },
        ],
    )
    hello, _, refused = replies
    assert hello["ok"] and hello["protocol"] == 3
    assert "echo" in hello["behaviours"] and hello["handshake_timeout"] > 0
    assert refused["ok"] is False and "unsupported" not in refused
    assert "unknown subscriber behaviour 'dance'" in refused["error"].replace('"', "'")
