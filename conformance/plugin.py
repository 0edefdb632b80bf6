"""The pytest plugin: options, the ``case`` marker, fixtures, and running a case.

Loaded in every pytest run (entry point) and inert unless conformance cases are collected: only
then does it build each case's ``CaseSpec`` and start the run (``conformance.run``:
``ConformanceRun`` on ``config.stash``, registered as a plugin), which gathers the rows and
writes ``index.json``. A plain pytest run registers nothing and writes nothing. Extension points
are hooks (``conformance.hookspecs``).
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import math
import os
import traceback
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from mockserver import MockServer
from mockserver.limits import check_host_name
from mockserver.listeners import PORT_LAYOUT

from . import hookspecs
from .allure_labels import DEFAULT_CLAUSE_URL
from .clauses import clause
from .context import (
    AFTER_CLOSE_TIMEOUT,
    AFTER_HANDSHAKE_TIMEOUT,
    CLOSE_MARGIN,
    CONNECT_ALLOWANCE,
    DEFAULT_CLOSE_TIMEOUT,
    DEFAULT_HANDSHAKE_TIMEOUT,
    MAX_CLOSE_TIMEOUT,
    CaseContext,
    PreconditionFailed,
)
from .expectations import EXPECTATIONS_KEY, ExpectationsError, load
from .iut import IUT, CommandError, DriverBrokeProtocol, DriverInfo, IUTCrashed, IUTTimeout
from .iut.capture import mark_suite_thread, mark_suite_threads_alive
from .iut.channel import DEFAULT_WAIT
from .iut.spec import LISTEN_PREFIX, TCP_PREFIX, driver_argv, load_module, parse_tcp
from .probes import run_probe
from .report.paths import ReportError, agent_problem, check_agent_folder
from .results import CaseRow
from .run import EARLY_FAILURES_KEY, RUN_KEY, ConformanceRun, agent_name, is_worker, report_dir
from .spec import CASE_KEY, TRANSPORT_PARAM, CaseSpec, spec_of

__all__ = ["CASE_KEY", "RUN_KEY", "agent_name", "report_dir"]


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


MAX_SECONDS = 86_400  # any time option: past a day it is a typo (and past ~1e9, an overflow)


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 < value <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r} is not a positive number of seconds up to {MAX_SECONDS} (e.g. 10)"
        )
    return value


# --mock-port: worker gwN's listeners start at BASE + 20 N (room for PORT_LAYOUT's eleven)
MOCK_PORTS_PER_WORKER = 20
assert MOCK_PORTS_PER_WORKER >= len(PORT_LAYOUT)


def _port_base(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not (value == 0 or 1 <= value <= 65535 - 6 * MOCK_PORTS_PER_WORKER):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a base port: 1..{65535 - 6 * MOCK_PORTS_PER_WORKER}, or 0 for free "
            "ports"
        )
    return value


def _advertised(text: str) -> str:
    try:
        return check_host_name(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "@ohos.net.webSocket conformance")
    group.addoption(
        "--iut",
        default="impl",
        help="module path; cmd:<driver command line>; tcp:HOST:PORT (a driver that listens); "
        "tcp-listen:[ADDR:]PORT (the suite listens, loopback unless ADDR; the driver connects "
        "in). Under -n, worker gwN uses PORT+N",
    )
    group.addoption(
        "--iut-wait",
        type=_positive_seconds,
        default=DEFAULT_WAIT,
        help=f"seconds to wait for a TCP driver to accept or connect in (default {DEFAULT_WAIT:g})",
    )
    group.addoption("--agent", default=None, help="agent name in reports (default from --iut)")
    group.addoption("--report-dir", default=None, help="agent report dir (reports/<agent>/)")
    group.addoption("--case-timeout", type=_positive_seconds, default=10.0, help="seconds per case")
    group.addoption(
        "--close-timeout",
        type=_positive_seconds,
        default=None,
        help="the IUT's close timeout in seconds (default: what the driver's hello says, "
        f"else {DEFAULT_CLOSE_TIMEOUT:g})",
    )
    group.addoption(
        "--handshake-timeout",
        type=_positive_seconds,
        default=None,
        help="the IUT's handshake timeout in seconds (default: what the driver's hello says, "
        f"else {DEFAULT_HANDSHAKE_TIMEOUT:g})",
    )
    group.addoption(
        "--mock-host",
        default="127.0.0.1",
        help="the address the mock server listens on (loopback default; 0.0.0.0 or a LAN "
        "address only when a device reaches it over the network)",
    )
    group.addoption(
        "--mock-port",
        type=_port_base,
        default=0,
        help="fixed ports for the mock server: BASE plain ws://, +1 wss://, +2 unknown-ca, "
        "+3 wrong-name, +4 expired, +5 TLS hang-up; xdist worker gwN takes BASE+10N.. "
        "(default 0: free ports)",
    )
    group.addoption(
        "--advertise-host",
        type=_advertised,
        default=None,
        help="the host the IUT is told in every URL (and the test certificates name); "
        "default --mock-host. 127.0.0.1 for a device behind hdc rport",
    )
    group.addoption("--clause", action="append", default=[], help="only cases on this clause")
    group.addoption(
        "--transport",
        choices=TRANSPORTS,
        default="ws",
        help="run every case over ws:// (default), wss:// (the mock server's test CA), or both "
        "(wss variants get ids ending in @wss)",
    )
    group.addoption(
        "--fail-on",
        choices=("failed", "non-strict"),
        default="failed",
        help="which verdicts fail the run (default: FAILED only)",
    )
    group.addoption(
        "--expectations",
        default=None,
        metavar="FILE",
        help="known outcomes (TOML): the run fails only on an unexpected FAILED/NON-STRICT",
    )
    group.addoption(
        "--strict-expectations",
        action="store_true",
        help="with --expectations: an unexpected pass fails the run too (keeps the file honest)",
    )
    group.addoption(
        "--update-expectations",
        default=None,
        metavar="FILE",
        help="write FILE from this run's failures, keeping the reasons already in it",
    )
    group.addoption(
        "--clause-url",
        default=DEFAULT_CLAUSE_URL,
        help="link for a clause in allure ({clause} is replaced), e.g. a repository "
        "browser's address of API-CONTRACT.md; default: no link, the clause as a label",
    )
    group.addoption(
        "--wire-perf",
        choices=("sample", "all", "none"),
        default="sample",
        help="Autobahn family 9 (wire-perf): the smallest case of each group (default), all "
        "54, or none",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "case(area, method, overload, clauses, description, expectation, timeout, cells, "
        "needs): a conformance case; clauses[0] is the main clause; needs: driver features "
        "it relies on (probed once; UNIMPLEMENTED when the driver lacks one)",
    )
    config.addinivalue_line("markers", "wire_perf: Autobahn family 9 (limits, performance)")
    config.addinivalue_line("markers", "wire_quick: the first wire case of each Autobahn group")
    if config.getoption("--iut") != "impl":  # the default ships with the suite
        _check_iut(config)
    _check_agent(config)
    if config.getoption("--report-dir") and not is_worker(config):
        _check_report_dir(report_dir(config))
    unknown = [c for c in config.getoption("--clause") if not _known_clause(c)]
    if unknown:
        raise pytest.UsageError(
            f"--clause {', '.join(unknown)}: no such clause in the contract; "
            "use an id of conformance/data/API-CONTRACT.md such as CL2"
        )
    given = config.getoption("--expectations")
    if given:  # read (and refused) at once; applied by the run, once per case
        try:
            config.stash[EXPECTATIONS_KEY] = load(Path(given))
        except ExpectationsError as exc:
            raise pytest.UsageError(str(exc)) from None


def _check_iut(config: pytest.Config) -> None:
    """A --iut that cannot serve stops the run at once with one line, before any case."""
    spec = str(config.getoption("--iut"))
    try:
        if spec.startswith("cmd:"):
            driver_argv(spec[4:])
        elif spec.startswith((TCP_PREFIX, LISTEN_PREFIX)):
            parse_tcp(spec)
        else:
            load_module(spec)
    except CommandError as exc:
        raise pytest.UsageError(str(exc)) from None


def _check_agent(config: pytest.Config) -> None:
    """--agent is a usable name, and its report folder holds no other agent's report nor a
    link where a report file goes (a run would replace or write through it)."""
    agent = config.getoption("--agent")
    problem = None if agent is None else agent_problem(agent)
    if problem is not None:
        raise pytest.UsageError(problem)
    if not is_worker(config):
        try:
            check_agent_folder(report_dir(config), agent_name(config))
        except ReportError as exc:
            raise pytest.UsageError(str(exc)) from None


def _check_report_dir(directory: Path) -> None:
    """The report folder can be made and written, or the run stops at once with one line."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise pytest.UsageError(
            f"--report-dir {directory}: cannot be written ({exc.strerror or exc}): "
            "choose a folder you can create and write"
        ) from None


def _known_clause(clause_id: str) -> bool:
    try:
        clause(clause_id)
    except KeyError:
        return False
    return True


TRANSPORTS = ("ws", "wss", "both")


@pytest.hookimpl(trylast=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """With --transport wss/both, every case gets a transport parameter, added last so its id
    is the last part of pytest's id (``case_id`` takes it out again, and marks wss ``@wss``)."""
    if TRANSPORT_PARAM not in metafunc.fixturenames:
        return
    chosen = metafunc.config.getoption("--transport")
    if chosen == "ws":
        return
    variants = ["ws", "wss"] if chosen == "both" else ["wss"]
    metafunc.parametrize(TRANSPORT_PARAM, variants, indirect=True, ids=variants)


WIRE_MODULE = Path(__file__).with_name("cases") / "test_wire.py"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With ``--clause``, Autobahn's cases (cases/test_wire.py, about 300) are not collected
    when none is graded on a wanted clause: the catalogue they are made from says their
    clauses without collecting them (a run on API clauses starts a fifth faster). The other
    modules are collected and selected case by case (pytest_collection_modifyitems)."""
    wanted = config.getoption("--clause")
    if not wanted or collection_path != WIRE_MODULE:
        return None
    from .wire.catalogue import CASES

    return None if set(wanted) & {c for case in CASES for c in case.clauses} else True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Build each case's spec (once, from its marker), apply ``--clause`` and ``--wire-perf``,
    and start the run when any case is collected."""
    wanted = set(config.getoption("--clause"))
    perf = config.getoption("--wire-perf")
    kept, dropped = [], []
    for item in items:
        marker = item.get_closest_marker("case")
        if marker is None or not isinstance(item, pytest.Function):
            kept.append(item)
            continue
        callspec = getattr(item, "callspec", None)
        spec = CaseSpec.from_marker(
            marker,
            item.originalname.removeprefix("test_"),
            dict(callspec.params) if callspec is not None else {},
            str(callspec.id) if callspec is not None else "",
        )
        item.stash[CASE_KEY] = spec
        item.extra_keyword_matches.update(spec.clauses)  # so -k CL2 selects by clause too
        if wanted and not wanted & set(spec.clauses):
            dropped.append(item)
        elif spec.perf and (perf == "none" or (perf == "sample" and spec.perf != "sample")):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
    if any(CASE_KEY in item.stash for item in items):
        ConformanceRun.start(config)


@pytest.hookimpl(wrapper=True)
def pytest_report_from_serializable(
    config: pytest.Config, data: object
) -> Generator[None, object, object]:
    """A pytest-xdist controller collects nothing: it learns of the cases from their reports,
    and starts the run at the first case's row (before that report reaches any
    ``pytest_runtest_logreport``). Failed tests that are not cases are counted until then."""
    report = yield
    if isinstance(report, pytest.TestReport):
        _before_the_run(config, report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """The same in one process: a test whose report carries a case row (a case, or a test
    that writes one as cases do) starts the run before the report is logged."""
    report: pytest.TestReport = yield
    _before_the_run(item.config, report)
    return report


def _before_the_run(config: pytest.Config, report: pytest.TestReport) -> None:
    if RUN_KEY in config.stash:
        return
    if CaseRow.from_properties(list(report.user_properties)) is not None:
        if report.when == "call":
            ConformanceRun.start(config)
    elif report.failed:
        config.stash[EARLY_FAILURES_KEY] = config.stash.get(EARLY_FAILURES_KEY, 0) + 1


@pytest.fixture(scope="session")
def conformance_iut(pytestconfig: pytest.Config) -> Iterator[IUT]:
    mark_suite_threads_alive()  # before the IUT is imported: these threads are not its
    try:
        iut = IUT(
            str(pytestconfig.getoption("--iut")),
            worker=worker_index(pytestconfig),
            wait=float(pytestconfig.getoption("--iut-wait")),
        )
    except CommandError as exc:
        pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)
    yield iut
    iut.close()


def worker_index(config: pytest.Config) -> int:
    """N of pytest-xdist's worker ``gwN`` (0 without xdist): a TCP driver's port offset."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        return 0
    return int(str(workerinput.get("workerid", "gw0")).removeprefix("gw") or 0)


@pytest.fixture(scope="session")
def conformance_server(pytestconfig: pytest.Config) -> Iterator[MockServer]:
    """The mock server, with its TLS listeners (the test CA made at start). The CA reaches the
    IUT through the environment: ``SSL_CERT_FILE`` (Python, OpenSSL) and
    ``NODE_EXTRA_CA_CERTS`` (Node.js) for this process and every driver it starts, and the
    ``tls`` field of the driver protocol's ``hello`` (its path and its PEM text).
    ``--mock-host``/``--mock-port``/``--advertise-host`` place it where a device reaches it
    (docs/device.md)."""
    base = int(pytestconfig.getoption("--mock-port"))
    if base:
        base += MOCK_PORTS_PER_WORKER * worker_index(pytestconfig)
    try:
        running = MockServer.in_thread(
            host=str(pytestconfig.getoption("--mock-host")),
            tls=True,
            tls_failures=True,
            port_base=base,
            advertise_host=pytestconfig.getoption("--advertise-host"),
            proxies=True,
        )
        server = running.__enter__()
    except RuntimeError as exc:  # the address is taken, or not this machine's
        pytest.exit(
            f"the mock server cannot listen ({exc}): pick another --mock-port (0: free ports) "
            "or an address of this machine for --mock-host",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
    with contextlib.ExitStack() as stack:
        stack.push(running.__exit__)
        mark_suite_thread(server.thread)  # what it logs is never a case's (EV10, ER3)
        ca_file = str(server.ca_file)
        saved = {name: os.environ.get(name) for name in CA_VARIABLES}
        os.environ.update(dict.fromkeys(CA_VARIABLES, ca_file))
        try:
            yield server
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


CA_VARIABLES = ("SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS")


@pytest.fixture
def conformance_transport(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "ws"))


@pytest.fixture
def ctx(
    request: pytest.FixtureRequest,
    conformance_iut: IUT,
    conformance_server: MockServer,
    conformance_transport: str,
) -> CaseContext:
    spec = spec_of(request.node)
    if spec is None:
        pytest.fail(
            f"{request.node.nodeid}: the ctx fixture is for conformance cases: give the test a "
            "@pytest.mark.case(...) marker",
            pytrace=False,
        )
    conformance_iut.ca_file = str(conformance_server.ca_file)
    close_timeout = _declared_timeout(request.config, conformance_iut, "close")
    handshake_timeout = _declared_timeout(request.config, conformance_iut, "handshake")
    timeout = spec.timeout or request.config.getoption("--case-timeout")
    if timeout == AFTER_CLOSE_TIMEOUT:
        timeout = close_timeout + CLOSE_MARGIN + CONNECT_ALLOWANCE
    elif timeout == AFTER_HANDSHAKE_TIMEOUT:
        timeout = handshake_timeout + CLOSE_MARGIN + CONNECT_ALLOWANCE
    missing = _missing_features(conformance_iut, conformance_server, spec.needs)
    context = CaseContext(conformance_iut, conformance_server, spec, float(timeout))
    context.missing_feature = missing
    context.close_timeout = close_timeout
    context.handshake_timeout = handshake_timeout
    context.transport = conformance_transport
    return context


def _missing_features(iut: IUT, server: MockServer, needs: tuple[str, ...]) -> str | None:
    """The first feature of ``needs`` the driver lacks (probed once per process), or None."""
    for need in needs:
        if need not in iut.probed:
            iut.probed[need] = run_probe(need, iut, server)
        if iut.probed[need] is not None:
            return iut.probed[need]
    return None


def _declared_timeout(config: pytest.Config, iut: IUT, which: str) -> float:
    """``--close-timeout``/``--handshake-timeout``, else what the driver's hello declares,
    else the default (capped: the server's stall has a limit). A driver that cannot even say
    hello leaves the default: its cases fail."""
    given = config.getoption(f"--{which}-timeout")
    if given is None:
        info = _driver_info(iut)
        if info is not None:
            given = info.close_timeout if which == "close" else info.handshake_timeout
    default = DEFAULT_CLOSE_TIMEOUT if which == "close" else DEFAULT_HANDSHAKE_TIMEOUT
    return min(float(given or default), MAX_CLOSE_TIMEOUT)


def _driver_info(iut: IUT) -> DriverInfo | None:
    try:
        return iut.info()
    except (IUTTimeout, IUTCrashed):
        return None


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run a case, then judge it: FAILED and HARNESS-ERROR fail the test, the rest pass."""
    if CASE_KEY not in pyfuncitem.stash:
        return None
    ctx: CaseContext = pyfuncitem.funcargs["ctx"]  # type: ignore[assignment]
    # The case function's own parameters, read from its signature (public), not from
    # pytest's private fixture info: a case takes its fixtures and parameters by name.
    wanted = inspect.signature(pyfuncitem.function).parameters
    arguments = {name: pyfuncitem.funcargs[name] for name in wanted if name in pyfuncitem.funcargs}
    try:
        if ctx.missing_feature is not None:  # the driver cannot do what the case needs
            raise NotImplementedError(ctx.missing_feature)
        pyfuncitem.obj(**arguments)
    except NotImplementedError as exc:  # an optional feature the IUT does not offer
        ctx.unimplemented(str(exc) or "not implemented")
    except PreconditionFailed as exc:  # what the case needs never happened: end it at once
        ctx.precondition_failed(exc)
    except (IUTTimeout, IUTCrashed, DriverBrokeProtocol) as exc:  # the IUT's fault
        ctx.iut_error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # the case's own fault: it judged nothing
        where = traceback.extract_tb(exc.__traceback__)[-1]
        ctx.harness_error = (
            f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})"
        )
    finally:
        ctx.finish()
    config = pyfuncitem.config
    info = _driver_info(ctx.iut) if ctx.iut.driver is not None else None
    run = ConformanceRun.start(config)  # made at collection; this finds it
    run.case_finished(pyfuncitem, ctx.result(run.agent, info))
    return True
