"""JUnit and allure carry what the report does: the case id as the test's name, its verdict,
clauses, trace and wire log, links that work on another machine, and the failures the gate
counted (an unexpected NON-STRICT too)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.conformance.suite_runner import REPO

SHOULD_BREAK = "tests.conformance.broken.bad_url_other_error"  # CN10 (SHOULD): NON-STRICT


def test_junit_and_allure_name_cases_and_carry_their_evidence(tmp_path: Path) -> None:
    xml_path = tmp_path / "ci" / "conformance.xml"
    allure_dir = tmp_path / "allure"
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "conformance", "--iut", SHOULD_BREAK, "--clause", "CN10"),
            *("--fail-on", "non-strict", "--report-dir", str(tmp_path / "reports" / "x")),
            *("--junitxml", str(xml_path), "--alluredir", str(allure_dir)),
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    rows = next(iter(json.loads((tmp_path / "reports" / "x" / "index.json").read_text()).values()))
    gated = sorted(c for c, r in rows.items() if r["behavior"] in ("NON-STRICT", "FAILED"))
    assert gated

    root = ET.parse(xml_path).getroot()
    suite = next(root.iter("testsuite"))
    cases = {tc.get("name"): tc for tc in suite.iter("testcase")}
    assert set(cases) == set(rows)  # named by case id (the old code: pytest ids)
    failing = sorted(n for n, tc in cases.items() if tc.find("failure") is not None)
    assert failing == gated  # the old code: NON-STRICT were plain passes
    assert int(suite.get("failures", "0")) == len(gated)
    for name, tc in cases.items():
        props = {p.get("name"): p.get("value") for p in tc.iter("property")}
        assert props["verdict"] == rows[name]["behavior"]
        assert props["clause"].split(", ") == rows[name]["clause"]
        link = props["case_file"]
        assert not link.startswith("/") and "://" not in link
        assert (xml_path.parent / link).is_file()
        out = tc.find("system-out")
        assert out is not None and "trace (" in (out.text or "")

    results = [json.loads(p.read_text()) for p in allure_dir.glob("*-result.json")]
    assert {r["name"] for r in results} == set(rows)
    for result in results:
        names = {a["name"] for a in result.get("attachments", [])}
        assert {"trace", "checks", "summary"} <= names
        clauses = [label["value"] for label in result["labels"] if label["name"] == "clause"]
        assert clauses == rows[result["name"]]["clause"]
    everything = "".join(p.read_text() for p in allure_dir.iterdir() if p.suffix == ".json")
    assert "file://" not in everything  # the old code linked clauses to this machine's files
