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


BROKEN = "tests.conformance.broken.close_default_1001"  # CL2: close() sends 1001


def test_every_run_is_kept_and_any_two_can_be_compared(tmp_path: Path) -> None:
    """Two runs of one agent (a passing one, then a broken one): each is a folder of its own
    with its metadata, its rows and its case files as they were (the second run rewrote the
    agent's case files; the first run's copies keep their verdicts), and ``report diff``
    compares them by agent and time. The old code kept only the latest run."""
    root = tmp_path / "reports"
    folder = root / "port"
    run_suite(folder, "--agent", "port", "--clause", "CL2")
    _, broken = run_suite(folder, "--agent", "port", "--iut", BROKEN, "--clause", "CL2")
    runs = sorted((folder / "runs").iterdir())
    assert len(runs) == 2, runs
    first, second = runs
    for run, iut in ((first, "impl"), (second, BROKEN)):
        info = json.loads((run / "run.json").read_text("utf-8"))
        assert info["agent"] == "port" and info["iut"] == iut and info["transport"] == "ws"
        assert "--clause CL2" in info["command"] and info["suite_version"]
        assert info["cases"] == len(broken)
    old_rows = json.loads((first / "index.json").read_text("utf-8"))["port"]
    assert {r["behavior"] for r in old_rows.values()} == {"OK"}
    for row in old_rows.values():  # the first run's case files were not rewritten
        case = json.loads((first / row["reportfile"]).read_text("utf-8"))
        assert case["behavior"] == "OK"
    failed = sorted(c for c, r in broken.items() if r["behavior"] == "FAILED")
    assert failed
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "conformance.report",
            "diff",
            "port@previous",
            "port@latest",
            "--root",
            str(root),
            "--html",
            str(tmp_path / "diff.html"),
        ],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr  # something got worse
    for case in failed:
        assert case in proc.stdout
    assert "check CL2" in proc.stdout  # the check that changed
    page = (tmp_path / "diff.html").read_text("utf-8")
    assert all(case in page for case in failed) and "old page" in page and "new page" in page
    index = (folder / "index.html").read_text("utf-8")  # --report-dir: built there
    assert "earlier runs (1)" in index and first.name in index
