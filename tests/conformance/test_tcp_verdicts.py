"""The same verdicts over TCP as over stdio, case for case: impl (Python driver), ports/js-ws
(Node driver) and the ArkTS driver (compiled, under Node on js-ws), each over both TCP modes;
and that the ArkTS driver's checks (the ArkTS linter and tsc --strict) bite. That the driver
passes them is tests/test_device_guide.py's: docs/device.md's walk-through runs them first.

`make test` runs a selection of cases (``SELECTION``); with OHOS_TCP_FULL=1 (`make
test-device`) the whole suite.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.iut import IUT, DriverBrokeProtocol
from tests.conformance.suite_runner import REPO, run_suite, verdicts
from tests.shared_runs import SharedRun, SuiteRuns, exclusive

ARKTS = REPO / "conformance" / "drivers" / "arkts"
JS_WS = REPO / "ports" / "js-ws" / "index.mjs"
FULL = os.environ.get("OHOS_TCP_FULL") == "1"
# A selection (about 60 cases: module, events, connect successes, close reasons); the
# stdio tests run the whole suite through each driver, and `make test-device` does over TCP.
SELECTION = [] if FULL else ["-k", "test_events or test_success or test_module or reason"]


def _node_missing() -> str | None:
    if shutil.which("node") is None:
        return "node (Node.js 18+) is not on PATH"
    if not (REPO / "ports" / "js-ws" / "node_modules" / "ws").is_dir():
        return "ports/js-ws/node_modules is missing: run make install"
    return None


def _arkts_missing() -> str | None:
    if not (ARKTS / "node_modules" / "ohos-typescript").is_dir():
        return "conformance/drivers/arkts/node_modules is missing: run make install"
    return _node_missing()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def driver_argv(iut: str, arkts: ArktsBuild) -> list[str]:
    if iut == "impl":
        return [sys.executable, "-m", "conformance.drivers.python", "impl"]
    if iut == "js-ws":
        return [sys.executable, "-m", "conformance.drivers.node", str(JS_WS)]
    return ["node", str(ARKTS / "node" / "main.mjs"), str(arkts.folder())]


@contextlib.contextmanager
def tcp_driver(argv: list[str], mode: str) -> Iterator[str]:
    """The driver started for ``mode`` (``tcp``: it listens; ``listen``: it connects in);
    yields the --iut spec for the suite."""
    if mode == "tcp":
        proc = subprocess.Popen(
            [*argv, "--tcp-listen", "0"], cwd=REPO, stderr=subprocess.PIPE, text=True
        )
        assert proc.stderr is not None
        line = proc.stderr.readline()
        spec = f"tcp:127.0.0.1:{line.rsplit(':', 1)[1].strip()}" if "listening" in line else ""
    else:
        port = free_port()
        proc = subprocess.Popen(
            [*argv, "--tcp", f"127.0.0.1:{port}"], cwd=REPO, stderr=subprocess.DEVNULL, text=True
        )
        spec = f"tcp-listen:{port}"
    try:
        assert spec, f"the driver did not say where it listens: {line!r}"
        yield spec
    finally:
        proc.kill()
        proc.wait(5)


class ArktsBuild:
    """The ArkTS driver compiled for Node (``tools/build.mjs compile``): once a session, for
    the first test on any xdist worker that runs it (an exclusive lock in the session's shared
    folder), and never for a session that runs no ArkTS test."""

    def __init__(self, shared: Path) -> None:
        self.out = shared / "arkts-build"

    def folder(self) -> Path:
        with exclusive(self.out):
            done = self.out / ".built"
            if not done.exists():
                subprocess.run(
                    ["node", str(ARKTS / "tools" / "build.mjs"), "compile", str(self.out)],
                    check=True,
                )
                done.write_text("", "utf-8")
        return self.out


@pytest.fixture(scope="session")
def arkts_build(session_shared: Path) -> ArktsBuild:
    return ArktsBuild(session_shared)


def reference(iut: str, suite_runs: SuiteRuns) -> SharedRun:
    """The stdio verdicts (in-process for impl): the whole suite, run once per session and
    shared with the tests that judge it (tests/shared_runs.py): impl's main job, and ports/js-ws
    through the Node.js driver (the ArkTS driver under Node runs on js-ws too)."""
    return suite_runs.main_job() if iut == "impl" else suite_runs.js_port()


@pytest.mark.parametrize("mode", ["tcp", "listen"])
@pytest.mark.parametrize("iut", ["impl", "js-ws", "arkts"])
def test_verdicts_over_tcp_are_the_stdio_ones(
    iut: str, mode: str, arkts_build: ArktsBuild, suite_runs: SuiteRuns, tmp_path: Path
) -> None:
    missing = _arkts_missing() if iut == "arkts" else _node_missing() if iut == "js-ws" else None
    if missing is not None:
        pytest.skip(missing)
    with tcp_driver(driver_argv(iut, arkts_build), mode) as spec:
        _, rows = run_suite(tmp_path, "--iut", spec, *SELECTION, "-p", "no:xdist", timeout=900)
    got = verdicts(rows)
    expected = reference(iut, suite_runs).verdicts()
    assert len(got) > (300 if FULL else 40), f"only {len(got)} cases ran"
    # The reference is the whole suite: compared on the cases this run selected (all of them
    # with OHOS_TCP_FULL=1), none of which may be missing from the reference.
    compared = set(expected) | set(got) if FULL else set(got)
    differ = {c: (got.get(c), expected.get(c)) for c in compared}
    differ = {c: pair for c, pair in differ.items() if pair[0] != pair[1]}
    assert not differ, f"{iut} over {mode}: (tcp, stdio) verdicts differ: {differ}"
    report = json.loads((tmp_path / rows[min(rows)]["reportfile"]).read_text("utf-8"))
    assert "DP1" not in json.dumps(report.get("checks", [])) or report["behavior"] != "FAILED"


@pytest.mark.skipif(_arkts_missing() is not None, reason=str(_arkts_missing()))
def test_the_linter_bites_on_what_arkts_forbids(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(ARKTS / "src", src)
    with (src / "Executor.ets").open("a", encoding="utf-8") as handle:
        handle.write(
            "\nexport const loose: any = 1;\n"
            "class Box { n: number = 1 }\n"
            "export function peek(b: Box): number { return b['n']; }\n"
            "export const wrong: number = 'text';\n"
        )
    proc = subprocess.run(
        ["node", str(ARKTS / "tools" / "build.mjs"), "lint"],
        capture_output=True,
        text=True,
        env={**os.environ, "ARKTS_SRC": str(src)},
    )
    assert proc.returncode == 1
    for rule in ("arkts-no-any-unknown", "arkts-no-props-by-index", "TS2322"):
        assert rule in proc.stdout, proc.stdout


@pytest.mark.parametrize("mode", ["tcp", "listen"])
@pytest.mark.parametrize("iut", ["impl", "js-ws", "arkts"])
def test_every_reference_driver_comes_back_after_the_suite_drops_it(
    iut: str, mode: str, arkts_build: ArktsBuild
) -> None:
    """A dropped connection (what the suite does after a timeout) is followed by a new one,
    with a new hello, on which the next case runs: each reference driver, both modes."""
    missing = _arkts_missing() if iut == "arkts" else _node_missing() if iut == "js-ws" else None
    if missing is not None:
        pytest.skip(missing)
    with tcp_driver(driver_argv(iut, arkts_build), mode) as spec:
        factory = IUT(spec, wait=15.0)
        try:
            first = factory.info(15.0)
            session = factory.session(10.0)
            assert session.create() == "s1"
            assert session.close() is None
            assert factory.driver is not None
            factory.driver.kill()  # as after a timeout: the connection is dropped
            again = factory.session(20.0)
            with pytest.raises(DriverBrokeProtocol, match="no socket"):
                again.call("s1", "on", "open")  # a new connection starts afresh: s1 is gone
            assert again.create().startswith("s")
            assert again.close() is None
            assert factory.driver.info is not None and factory.driver.info.driver == first.driver
        finally:
            factory.close()
