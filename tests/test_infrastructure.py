"""The tests' own machinery: a forked suite run is the run a shell starts (and a broken
implementation's patches end with it), a run past its timeout is killed, a shared run is run
once, and tests/schedule.py names only tests that exist."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import forkserver, schedule
from tests.conformance.suite_runner import REPO, run_suite, verdicts
from tests.shared_runs import SuiteRuns


def test_a_forked_run_is_the_run_a_shell_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same exit status, same verdicts, same summary lines; and the patches a broken
    implementation applies (to impl, in its own run) are gone in the next forked run."""
    broken = ("--iut", "tests.conformance.broken.close_not_open_succeeds", "--clause", "CL5")
    forked = run_suite(tmp_path / "forked", *broken)
    after = run_suite(tmp_path / "after", "--clause", "CL5")
    monkeypatch.setenv("OHOS_TEST_FORKSERVER", "0")
    shell = run_suite(tmp_path / "shell", *broken)
    assert forked[0] == shell[0] == 0
    assert verdicts(forked[1]) == verdicts(shell[1])
    assert set(verdicts(forked[1]).values()) == {"NON-STRICT"}, verdicts(forked[1])
    assert set(verdicts(after[1]).values()) == {"OK"}, verdicts(after[1])

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    monkeypatch.delenv("OHOS_TEST_FORKSERVER")
    args = ["--report-dir", str(tmp_path / "out"), "--clause", "XX9"]
    one = forkserver.run(args, env, REPO, 60)
    plain = subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (one.returncode, one.stdout, one.stderr) == (
        plain.returncode,
        plain.stdout,
        plain.stderr,
    )
    assert one.returncode != 0 and "XX9" in one.stderr + one.stdout


def test_a_forked_run_past_its_timeout_is_killed_and_the_next_one_runs(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    hang = ["--iut", "tests.conformance.broken.hangs", "--clause", "CN9", "--case-timeout", "60"]
    with pytest.raises(subprocess.TimeoutExpired):
        forkserver.run(["--report-dir", str(tmp_path / "hang"), *hang], env, REPO, 2.0)
    status, rows = run_suite(tmp_path / "next", "--clause", "CL5")
    assert status == 0 and rows


def test_a_shared_run_runs_once(tmp_path: Path) -> None:
    runs = SuiteRuns(tmp_path)
    first = runs.get("--clause", "CL5")
    index = first.report_dir / "index.json"
    written = index.stat().st_mtime_ns
    second = runs.get("--clause", "CL5")
    assert second == first and index.stat().st_mtime_ns == written
    assert first.status == 0 and set(first.verdicts().values()) == {"OK"}
    other = runs.get("--clause", "CL5", env={"OHOS_SOMETHING": "1"})
    assert other.report_dir != first.report_dir


def test_the_long_tests_named_in_the_schedule_exist() -> None:
    missing = []
    for nodeid in schedule.LONG:
        path, _, name = nodeid.partition("::")
        function = name.split("[", 1)[0]
        source = REPO / path
        defined = source.is_file() and any(
            isinstance(node, ast.FunctionDef) and node.name == function
            for node in ast.walk(ast.parse(source.read_text("utf-8")))
        )
        if not defined:
            missing.append(nodeid)
    assert not missing, f"tests/schedule.py names tests that do not exist: {missing}"
