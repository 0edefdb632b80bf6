"""docs/device.md's stand-in walk-through, block by block as written: every ```sh block after a
"Stand-in:" line, run in order by one bash in the project folder. Only what a test must change
is changed: the ports (free ones, the mock server's eleven in a row), the folders it writes
(build/arkts and reports/ go to a temporary folder), `npm ci` (which would reinstall the
ArkTS checks under other tests' feet: `npm ls` checks what `make install` put there), and,
unless OHOS_TCP_FULL=1 (`make test-device`), a selection of cases on each suite run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mockserver.listeners import PORT_LAYOUT
from tests.conformance.suite_runner import REPO, free_ports

GUIDE = REPO / "docs" / "device.md"
FULL = os.environ.get("OHOS_TCP_FULL") == "1"
# The walk-through must work; the verdicts over TCP are tests/conformance/test_tcp_verdicts.py's.
SELECTION = "" if FULL else " -k test_module"


def stand_in_blocks(text: str) -> list[str]:
    """The ```sh blocks whose previous non-blank line is "Stand-in:"."""
    blocks = []
    for match in re.finditer(r"^Stand-in[^\n]*:\s*\n\s*\n```sh\n(.*?)^```", text, re.S | re.M):
        blocks.append(match.group(1))
    return blocks


def _missing() -> str | None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are needed"
    if not (REPO / "ports" / "js-ws" / "node_modules" / "ws").is_dir():
        return "ports/js-ws/node_modules is missing: run make install"
    return None


def test_the_guide_has_the_stand_in_steps_in_order() -> None:
    blocks = stand_in_blocks(GUIDE.read_text("utf-8"))
    joined = "\n".join(blocks)
    steps = [
        "build.mjs lint",
        "build.mjs compile",
        "PORT=",
        "--tcp 127.0.0.1:$PORT",
        "report summary",
    ]
    where = [joined.find(step) for step in steps]
    assert all(w >= 0 for w in where) and where == sorted(where), where
    assert "report merge" in joined


@pytest.mark.skipif(_missing() is not None, reason=str(_missing()))
def test_the_guide_runs_end_to_end_with_the_node_stand_in(tmp_path: Path) -> None:
    script = "\n".join(stand_in_blocks(GUIDE.read_text("utf-8")))
    script = script.replace("npm ci --prefix", "npm ls --prefix")
    script = script.replace("build/arkts", str(tmp_path / "build" / "arkts"))
    script = script.replace("reports/", f"{tmp_path}/reports/")
    taken: set[int] = set()
    script = re.sub(
        r"^(MOCK\w*)=\d+$",
        lambda m: f"{m.group(1)}={free_ports(len(PORT_LAYOUT), taken)}",
        script,
        flags=re.M,
    )
    script = re.sub(
        r"^(PORT\w*)=\d+$", lambda m: f"{m.group(1)}={free_ports(1, taken)}", script, flags=re.M
    )
    script = re.sub(r"(python -m conformance )", rf"\g<1>{SELECTION} ", script)
    (tmp_path / "reports").mkdir()
    proc = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    logs = "".join(f.read_text("utf-8")[-2000:] for f in (tmp_path / "reports").glob("*.log"))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:] + logs
    assert "suite exit status 0" in out, out[-4000:]
    # the ArkTS driver passes its own checks (tests/conformance/test_tcp_verdicts.py: they bite)
    assert "arkts lint: 4 .ets files pass the ArkTS linter and tsc --strict" in out
    assert "agent my-device" in out
    for agent in ("phone-a", "phone-b"):
        assert f"agent {agent}" in out, out[-3000:]
        assert (tmp_path / "reports" / "farm").is_dir()
    assert not list(REPO.glob("reports/my-device")), "the guide test wrote into the project"
