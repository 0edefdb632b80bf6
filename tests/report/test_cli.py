"""The tool's own command line: its --help (grouped, defaults, examples) touches no report,
a bad option is one line, and a small selection runs without xdist workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conformance.__main__ import WORKERS_FROM, choose_workers
from tests.conformance.suite_runner import REPO


def _tool(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_is_the_tools_own_and_rewrites_no_report(tmp_path: Path) -> None:
    agent = tmp_path / "reports" / "impl"
    agent.mkdir(parents=True)
    (agent / "index.json").write_text(json.dumps({"impl": {}}), "utf-8")
    sentinel = "<p>the user's report</p>"
    (tmp_path / "reports" / "index.html").write_text(sentinel, "utf-8")
    proc = _tool(tmp_path, "--help")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("usage: python -m conformance")  # not pytest.main()'s 500 lines
    for group in ("the implementation under test:", "which cases:", "reports:", "gating"):
        assert group in out, group
    assert "(default: impl)" in out and "examples:" in out and "--help-pytest" in out
    assert len(out.splitlines()) < 150
    # the old code ran pytest's help and rebuilt reports/index.html from reports/impl
    assert (tmp_path / "reports" / "index.html").read_text("utf-8") == sentinel


def test_pytest_options_are_behind_help_pytest(tmp_path: Path) -> None:
    proc = _tool(tmp_path, "--help-pytest")
    assert proc.returncode == 0 and "--junit-xml" in proc.stdout and "--rootdir" in proc.stdout


def test_a_bad_tool_option_is_one_line(tmp_path: Path) -> None:
    for args in (["--wire-perf", "bogus"], ["--transport", "tcp"], ["--iut-wait", "-3"]):
        proc = _tool(tmp_path, *args)
        assert proc.returncode == 4, (args, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and args[0] in lines[0], (args, proc.stderr)
        assert "usage:" not in proc.stderr
    assert not (tmp_path / "reports").exists()


def test_workers_only_for_a_selection_worth_them() -> None:
    asked: list[list[str]] = []

    def count(n: int):  # type: ignore[no-untyped-def]
        def counted(args: list[str]) -> int:
            asked.append(args)
            return n

        return counted

    small = choose_workers(["--clause", "CL2", "-n", "2"], count(25))
    assert small == ["--clause", "CL2"]
    assert choose_workers(["-k", "close", "-nauto"], count(WORKERS_FROM)) == [
        "-k",
        "close",
        "-nauto",
    ]
    assert choose_workers(["-k", "x", "--numprocesses=2"], count(3)) == ["-k", "x"]
    asked.clear()
    whole = choose_workers(["-n", "auto"], count(1))  # no selection: the whole suite, as asked
    assert whole == ["-n", "auto"] and asked == []
    assert choose_workers(["--clause", "CL2"], count(1)) == ["--clause", "CL2"]
