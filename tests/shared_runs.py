"""One suite run shared by every test that reads the same run, across pytest-xdist workers.

Several tests judge the same whole run (impl in-process with two workers: the "main job" must
print nothing, and its verdicts are the reference the driver and TCP paths must equal; the JS
port over stdio: its expected verdicts, and the reference for the TCP paths). Each such run
takes tens of seconds; run once, it is read by all of them.

A run is keyed by its arguments and environment. The first test to ask runs it (in a
subprocess, ``python -m conformance --report-dir DIR ARGS``, as a user would) under an
exclusive lock on a file in the session's shared temporary folder; a test on another worker
that asks meanwhile waits on the lock, then reads what the first wrote. The run's output and
exit status are kept beside its reports, so every reader sees exactly what the run did.

Callers: take the ``suite_runs`` fixture (tests/conftest.py) and call
``suite_runs.get(*args, env={...})``; treat the result as read-only (its report folder is
shared). A test that must see a run's side effects of its own (a fresh folder, its own
driver process, a run that fails on purpose) runs its own with ``suite_runner.run_suite``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests import schedule
from tests.conformance.suite_runner import REPO

DONE = "shared-run.json"
JS_PORT = REPO / "ports" / "js-ws" / "index.mjs"


@dataclass(frozen=True)
class SharedRun:
    """What one ``python -m conformance`` run did: read-only for every test that shares it."""

    status: int
    rows: dict[str, Any]  # the agent's index.json rows, case id -> row
    report_dir: Path
    stdout: str
    stderr: str

    def verdicts(self) -> dict[str, str]:
        return {case: row["behavior"] for case, row in self.rows.items()}

    def report(self, case: str) -> dict[str, Any]:
        """The case's own JSON report."""
        found: dict[str, Any] = json.loads(
            (self.report_dir / self.rows[case]["reportfile"]).read_text("utf-8")
        )
        return found


@contextlib.contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """Hold ``folder``'s lock (made if missing) against every other worker of the session: what
    is made there once (checked and made under it) is read by all of them."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


class SuiteRuns:
    """The cache: one folder per run below ``root`` (a folder every worker of the session sees)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def get(
        self, *args: str, env: Mapping[str, str] | None = None, timeout: float = 600
    ) -> SharedRun:
        """The run of ``python -m conformance ARGS`` with ``env`` added to the environment:
        run now if no test of this session has run it yet, else the stored one."""
        extra = dict(env or {})
        key = hashlib.sha256(json.dumps([list(args), sorted(extra.items())]).encode()).hexdigest()
        folder = self.root / key[:16]
        with exclusive(folder):
            done = folder / DONE
            if not done.exists():
                _run(folder, list(args), extra, timeout)
            stored = json.loads(done.read_text("utf-8"))
        index = folder / "reports" / "index.json"
        if not index.exists():
            raise AssertionError(
                f"shared run {list(args)} wrote no index.json; exit {stored['status']}\n"
                f"{stored['stdout'][-3000:]}\n{stored['stderr'][-3000:]}"
            )
        rows: dict[str, Any] = next(iter(json.loads(index.read_text("utf-8")).values()))
        return SharedRun(
            stored["status"], rows, folder / "reports", stored["stdout"], stored["stderr"]
        )

    def main_job(self) -> SharedRun:
        """The main job: the whole suite against impl in-process, two workers, Python's
        warnings on (PYTHONWARNINGS=default, which reaches the workers). tests/impl/test_quiet.py
        reads its output; its verdicts are impl's reference for the driver and TCP paths."""
        return self.get("-n", "2", env={"PYTHONWARNINGS": "default"})

    def js_port(self) -> SharedRun:
        """The suite against ports/js-ws through the Node.js driver over stdio, two workers
        (a stdio driver per pytest-xdist worker): tests/conformance/test_js_port.py judges it;
        its verdicts are the reference for the Node and ArkTS drivers over TCP. The whole
        suite in `make test-full`; in `make test`, every API case and the first wire case of
        each Autobahn group (the TCP tests' selections are API cases)."""
        node = f"cmd:{sys.executable} -m conformance.drivers.node {JS_PORT}"
        selection = schedule.whole_or_quick()
        return self.get("--iut", node, "-n", "2", *selection, timeout=300)


def _run(folder: Path, args: list[str], env: dict[str, str], timeout: float) -> None:
    reports = folder / "reports"
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "--report-dir", str(reports), *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    record = {"status": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}
    (folder / DONE).write_text(json.dumps(record), "utf-8")
