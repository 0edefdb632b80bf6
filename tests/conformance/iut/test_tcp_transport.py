"""The driver protocol over TCP (``--iut tcp:HOST:PORT`` and ``--iut tcp-listen:PORT``): real
sockets on 127.0.0.1, real drivers. Whatever the stdio transport survives, this one does: the
same trace as stdio, DP1 on garbage, a driver that disconnects or never answers (the suite drops
the connection and opens a new one for the next case), nobody at the other end, bad specs, and
one connection per pytest-xdist worker (PORT + N)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.iut import IUT, CommandError, IUTCrashed, IUTTimeout, load_iut
from conformance.iut.channel import TcpListenChannel
from conformance.iut.spec import channel_for
from mockserver.server import MockServer
from tests.conformance.iut.test_sessions import DRIVER, scripted_session
from tests.conformance.suite_runner import free_ports, run_suite, verdicts
from tests.shared_runs import SuiteRuns

DRIVERS = Path(__file__).parents[1] / "drivers"
BRIDGE = [sys.executable, str(DRIVERS / "tcp_bridge.py")]
PY_DRIVER = [sys.executable, "-m", "conformance.drivers.python", "impl"]
CRASH = [sys.executable, "-c", "import sys; sys.stdin.readline(); sys.exit(3)"]
MUTE = [sys.executable, str(DRIVERS / "mute.py")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def process(argv: list[str]) -> Iterator[subprocess.Popen[str]]:
    """A driver started by hand, as a user would: without the CA the suite makes."""
    env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS")}
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, env=env)
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait(5)
        assert proc.stderr is not None
        proc.stderr.close()


def listening_port(proc: subprocess.Popen[str]) -> int:
    """The port a driver (or the bridge) says it listens on: its first stderr line."""
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert "listening on" in line, line
    return int(line.rsplit(":", 1)[1])


@contextlib.contextmanager
def over_tcp(mode: str, driver_argv: list[str], wait: float = 10.0) -> Iterator[IUT]:
    """An IUT whose driver runs ``driver_argv`` behind TCP: ``tcp`` (the driver listens) or
    ``listen`` (the suite listens, the driver connects in). ``driver_argv`` ends with the
    options a reference driver takes; the bridge's argv ends with ``--``."""
    if mode == "tcp":
        bridged = driver_argv[: len(BRIDGE)] == BRIDGE
        argv = (
            [*driver_argv[:2], "--listen", "0", *driver_argv[2:]]
            if bridged
            else [
                *driver_argv,
                "--tcp-listen",
                "0",
            ]
        )
        with process(argv) as proc:
            iut = IUT(f"tcp:127.0.0.1:{listening_port(proc)}", wait=wait)
            try:
                yield iut
            finally:
                iut.close()
    else:
        iut = IUT("tcp-listen:0", wait=wait)
        assert iut.driver is not None and isinstance(iut.driver.channel, TcpListenChannel)
        where = f"127.0.0.1:{iut.driver.channel.port}"
        bridged = driver_argv[: len(BRIDGE)] == BRIDGE
        argv = (
            [*driver_argv[:2], "--connect", where, *driver_argv[2:]]
            if bridged
            else [
                *driver_argv,
                "--tcp",
                where,
            ]
        )
        try:
            with process(argv):
                yield iut
        finally:
            iut.close()


def bridge(*argv: str) -> list[str]:
    return [*BRIDGE, "--", *argv]


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer.in_thread() as running:
        yield running


@pytest.mark.parametrize("mode", ["tcp", "listen"])
def test_a_scripted_session_leaves_the_same_trace_as_over_stdio(
    mode: str, server: MockServer
) -> None:
    url = f"{server.ws_url}/echo?tag=tcp-{mode}"
    stdio = load_iut(DRIVER)
    try:
        expected = scripted_session(stdio.session(10), url)
    finally:
        stdio.close()
    with over_tcp(mode, PY_DRIVER) as iut:
        for _ in range(2):  # two cases on one connection
            got = scripted_session(iut.session(10), url)
            assert sorted(map(repr, got)) == sorted(map(repr, expected))


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("null-id", "integer id"),
        ("not-json", "not JSON"),
        ("bad-utf8", "not UTF-8"),
        ("huge-line", "the limit is"),
    ],
)
def test_garbage_over_tcp_is_a_protocol_error_of_its_case(kind: str, said: str) -> None:
    with over_tcp("tcp", bridge(sys.executable, str(DRIVERS / "garbage.py"), kind)) as iut:
        for _ in range(2):  # the second case is still answered: the reader lives on
            session = iut.session(20.0)
            assert session.create() == "s1"
            session.wait_for(lambda e: e.kind == "protocol_error", 5.0)
            errors = [e.message for e in session.trace if e.kind == "protocol_error"]
            assert errors and said in errors[0] and errors[0].startswith("tcp:"), errors
            assert len(errors[0]) < 400
            assert session.close() is None


@pytest.mark.parametrize("mode", ["tcp", "listen"])
def test_a_driver_that_disconnects_is_crashed_and_connected_again(mode: str) -> None:
    with over_tcp(mode, bridge(*CRASH)) as iut:
        for _ in range(2):  # the second case gets a new connection, which ends again
            session = iut.session(5.0)
            started = time.monotonic()
            with pytest.raises(IUTCrashed, match="closed the connection"):
                session.create()
            assert time.monotonic() - started < 4.0
            session.close()


@pytest.mark.parametrize("mode", ["tcp", "listen"])
def test_a_driver_that_never_answers_times_out_and_the_next_case_reconnects(mode: str) -> None:
    with over_tcp(mode, bridge(*MUTE)) as iut:
        session = iut.session(1.5)
        started = time.monotonic()
        with pytest.raises(IUTTimeout):
            session.create()
        assert time.monotonic() - started < 3.0
        session.close()
        fresh = iut.session(10.0)  # a new connection: the bridge's second child answers
        assert fresh.create() == "s1"
        assert fresh.close() is None


def test_nobody_at_the_other_end_is_a_one_line_crash_in_bounded_time() -> None:
    """A device gone for good costs the whole wait once, then a short one per case."""
    for spec, said in (
        (f"tcp:127.0.0.1:{free_port()}", "cannot connect to the driver"),
        ("tcp-listen:0", "no driver connected"),
    ):
        iut = IUT(spec, wait=4.0)
        try:
            started = time.monotonic()
            with pytest.raises(IUTCrashed, match=said):
                iut.info(1.0)
            assert time.monotonic() - started < 9.0  # the whole --iut-wait, once: bounded
            session = iut.session(10.0)
            started = time.monotonic()
            with pytest.raises(IUTCrashed, match=said):
                session.create()  # then RETRY_WAIT (2 s) a time, not the whole wait again
            assert session.close() is None  # nothing to reset: no reconnection attempt
            assert time.monotonic() - started < 3.5
        finally:
            iut.close()


@pytest.mark.parametrize(
    ("spec", "said"),
    [
        ("tcp:9100", "no host"),
        ("tcp:127.0.0.1:x", "not a port"),
        ("tcp:127.0.0.1:0", "not in 1..65535"),
        ("tcp-listen:70000", "not in 0..65535"),
        ("tcp-listen:localhost:9100", "not an IP address"),
        ("tcp-listen:203.0.113.7:9100", "cannot listen"),
    ],
)
def test_a_bad_tcp_spec_is_one_line_saying_how_to_mend_it(spec: str, said: str) -> None:
    with pytest.raises(CommandError, match=said) as caught:
        load_iut(spec)
    assert "\n" not in str(caught.value)


def test_a_port_in_use_is_refused_and_workers_take_port_plus_index() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(CommandError, match="cannot listen"):
            load_iut(f"tcp-listen:{port}")
    connect = channel_for("tcp:127.0.0.1:9100", worker=2)
    assert getattr(connect, "port", None) == 9102
    listen = channel_for("tcp-listen:0", worker=3)  # 0: a free port for each worker
    try:
        assert isinstance(listen, TcpListenChannel) and listen.host == "127.0.0.1"
        assert listen.port != 0
    finally:
        listen.close()


def test_each_xdist_worker_has_its_own_connection(tmp_path: Path, suite_runs: SuiteRuns) -> None:
    base = free_ports(2)  # fixed ports, as a user gives them
    drivers = [[*PY_DRIVER, "--tcp", f"127.0.0.1:{base + n}"] for n in range(2)]
    with process(drivers[0]), process(drivers[1]):
        status, rows = run_suite(
            tmp_path / "tcp", "--iut", f"tcp-listen:{base}", "-n", "2", "-k", "close", timeout=120
        )
    # The reference: impl in-process with two workers, the whole suite (the main job, shared:
    # tests/shared_runs.py), on the cases this run selected.
    reference = suite_runs.main_job().verdicts()
    # status 0: both workers reached a driver (a worker without one fails its cases)
    assert status == 0 and len(rows) > 20
    assert verdicts(rows) == {case: reference.get(case) for case in rows}


def test_the_python_driver_over_tcp_trusts_the_test_ca_from_hello(tmp_path: Path) -> None:
    """Started by hand, the driver's environment has no SSL_CERT_FILE: hello's tls does it."""
    with process([*PY_DRIVER, "--tcp-listen", "0"]) as proc:
        spec = f"tcp:127.0.0.1:{listening_port(proc)}"
        status, rows = run_suite(
            tmp_path, "--iut", spec, "--transport", "wss", "-k", "test_success", "-p", "no:xdist"
        )
    assert status == 0 and rows and all(case.endswith("@wss") for case in rows)
    assert set(verdicts(rows).values()) <= {"OK", "INFORMATIONAL"}, verdicts(rows)


def test_the_reference_drivers_refuse_a_bad_address_in_one_line() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        cases = [
            ([*PY_DRIVER, "--tcp", "127.0.0.1:x"], "not a port"),
            ([*PY_DRIVER, "--tcp-listen", f"127.0.0.1:{port}"], "in use"),
        ]
        if shutil.which("node") is not None:
            node = [sys.executable, "-m", "conformance.drivers.node", "x.mjs"]
            cases.append(([*node, "--tcp", "nowhere"], "usage"))
        for argv, said in cases:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            assert proc.returncode == 2, (argv, proc.stderr)
            assert said in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
