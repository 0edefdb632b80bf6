"""A run never deletes what an earlier run wrote: a selection adds to the agent's report, and
a pytest run without conformance cases leaves reports/ alone (the plugin is inert there)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conformance.suite_runner import REPO, run_suite


def test_a_selection_adds_to_a_fuller_report(tmp_path: Path) -> None:
    _, full = run_suite(tmp_path, "-k", "test_success or test_close", "-n", "2")
    assert len(full) > 20
    _, after = run_suite(tmp_path, "--clause", "CN1")
    assert set(full) <= set(after), sorted(set(full) - set(after))
    for row in after.values():
        assert (tmp_path / row["reportfile"]).is_file()


def test_a_run_without_conformance_cases_touches_no_report(tmp_path: Path) -> None:
    report = tmp_path / "reports" / "impl"
    report.mkdir(parents=True)
    (report / "index.json").write_text(json.dumps({"impl": {}}), "utf-8")
    (report / "impl_case_x.json").write_text("{}", "utf-8")
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    assert 1 + 1 == 2\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_plain.py"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in report.iterdir()) == ["impl_case_x.json", "index.json"]
