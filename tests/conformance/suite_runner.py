"""Running the suite in a subprocess, as a user would, and reading what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def run_suite(report_dir: Path, *args: str, timeout: float = 240) -> tuple[int, dict[str, Any]]:
    """``python -m conformance ARGS --report-dir DIR``: (exit code, the agent's index rows)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "--report-dir", str(report_dir), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    index = report_dir / "index.json"
    if not index.exists():
        raise AssertionError(
            f"no index.json; exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    rows: dict[str, Any] = next(iter(json.loads(index.read_text("utf-8")).values()))
    return proc.returncode, rows


def verdicts(rows: dict[str, Any]) -> dict[str, str]:
    return {case: row["behavior"] for case, row in rows.items()}
