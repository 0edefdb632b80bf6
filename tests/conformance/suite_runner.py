"""Running the suite in a subprocess, as a user would, and reading what it wrote."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests import forkserver

REPO = Path(__file__).resolve().parents[2]


def run_suite(report_dir: Path, *args: str, timeout: float = 240) -> tuple[int, dict[str, Any]]:
    """``python -m conformance ARGS --report-dir DIR``: (exit code, the agent's index rows).
    Forked from a warm interpreter (tests/forkserver.py): the same run, without the imports."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = forkserver.run(["--report-dir", str(report_dir), *args], env, REPO, timeout)
    index = report_dir / "index.json"
    if not index.exists():
        raise AssertionError(
            f"no index.json; exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    rows: dict[str, Any] = next(iter(json.loads(index.read_text("utf-8")).values()))
    return proc.returncode, rows


def run_tool(cwd: Path, *args: str, timeout: float = 180) -> forkserver.Finished:
    """``python -m conformance ARGS`` in ``cwd`` (its default ``reports/`` there): exit status,
    stdout and stderr, for a test of what a run writes or prints. Forked (tests/forkserver.py:
    the same status and output as a process started from the shell)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return forkserver.run(list(args), env, cwd, timeout)


def verdicts(rows: dict[str, Any]) -> dict[str, str]:
    return {case: row["behavior"] for case, row in rows.items()}


def free_ports(count: int, taken: set[int] | None = None) -> int:
    """The first of ``count`` free ports in a row, outside the kernel's ephemeral range (there,
    any outgoing connection may take one before the run binds it) and outside ``taken``
    (which gets them). For fixed ports: ``--mock-port``, ``tcp-listen`` bases."""
    import random
    import socket

    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    span = (20000, low) if low - 20000 > 1000 else (high + 1, 65000)
    taken = set() if taken is None else taken
    for _ in range(200):
        base = random.randrange(span[0], span[1] - count)
        wanted = set(range(base, base + count))
        if taken & wanted:
            continue
        try:
            for port in wanted:
                with socket.create_server(("127.0.0.1", port)):
                    pass
        except OSError:
            continue
        taken.update(wanted)
        return base
    raise AssertionError(f"no {count} free ports in a row in {span}")
