"""The pytest plugin: options, the ``case`` marker, fixtures, verdicts and the run's index.

Loaded in every pytest run (entry point); it does nothing unless ``case``-marked items run.
Run state lives on ``config.stash`` (``RUN_KEY``), never in module globals, so two pytest
sessions in one process (pytester, an IDE) cannot see each other's results.
"""

from __future__ import annotations

import math
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mockserver import MockServer

from .clauses import clause
from .context import (
    AFTER_CLOSE_TIMEOUT,
    CLOSE_MARGIN,
    CONNECT_ALLOWANCE,
    DEFAULT_CLOSE_TIMEOUT,
    MAX_CLOSE_TIMEOUT,
    CaseContext,
)
from .coverage import cells_for
from .iut import IUT, CommandError, DriverBrokeProtocol, DriverInfo, IUTCrashed, IUTTimeout
from .iut.session import driver_argv, load_module
from .results import CaseRow, clear_cases, write_index
from .verdicts import FAILED, HARNESS_ERROR

CASE_KEY = pytest.StashKey[dict[str, Any]]()


@dataclass
class RunState:
    """What one pytest session gathers (on the controller when pytest-xdist runs workers)."""

    rows: dict[str, CaseRow] = field(default_factory=dict)
    other_failures: int = 0  # failed tests that are not conformance cases


RUN_KEY = pytest.StashKey[RunState]()


def run_state(config: pytest.Config) -> RunState:
    if RUN_KEY not in config.stash:
        config.stash[RUN_KEY] = RunState()
    return config.stash[RUN_KEY]


def _positive_seconds(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(text)
    return value


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "@ohos.net.webSocket conformance")
    group.addoption("--iut", default="impl", help="module path, or cmd:<driver command line>")
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
    group.addoption("--clause", action="append", default=[], help="only cases on this clause")
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
        "case(area, method, overload, clauses, description, expectation, timeout, cells): "
        "a conformance case; clauses[0] is the main clause",
    )
    config.addinivalue_line("markers", "wire_perf: Autobahn family 9 (limits, performance)")
    config.addinivalue_line("markers", "wire_quick: the first wire case of each Autobahn group")
    config.pluginmanager.register(RunCollector(config), f"ohos-ws-run-{id(config)}")
    if config.getoption("--iut") != "impl":  # the default ships with the suite
        _check_iut(config)
    unknown = [c for c in config.getoption("--clause") if not _known_clause(c)]
    if unknown:
        raise pytest.UsageError(
            f"--clause {', '.join(unknown)}: no such clause in the contract; "
            "use an id of conformance/data/API-CONTRACT.md such as CL2"
        )


def _check_iut(config: pytest.Config) -> None:
    """A --iut that cannot serve stops the run at once with one line, before any case."""
    spec = str(config.getoption("--iut"))
    try:
        if spec.startswith("cmd:"):
            driver_argv(spec[4:])
        else:
            load_module(spec)
    except CommandError as exc:
        raise pytest.UsageError(str(exc)) from None


def _known_clause(clause_id: str) -> bool:
    try:
        clause(clause_id)
    except KeyError:
        return False
    return True


def agent_name(config: pytest.Config) -> str:
    agent = config.getoption("--agent")
    if agent:
        return str(agent)
    spec = str(config.getoption("--iut"))
    return IUT.agent_for(spec)


def report_dir(config: pytest.Config) -> Path:
    explicit = config.getoption("--report-dir")
    return Path(explicit) if explicit else Path("reports") / agent_name(config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = set(config.getoption("--clause"))
    perf = config.getoption("--wire-perf")
    kept, dropped = [], []
    for item in items:
        marker = item.get_closest_marker("case")
        if marker is None:
            kept.append(item)
            continue
        meta = dict(marker.kwargs)
        meta["clauses"] = tuple(meta["clauses"])
        meta["level"] = clause(meta["clauses"][0]).level
        meta.setdefault("overload", meta["method"])
        meta.setdefault("timeout", None)
        params = dict(getattr(getattr(item, "callspec", None), "params", {}))
        meta["cells"] = cells_for(meta, params)
        name = item.originalname.removeprefix("test_")  # type: ignore[attr-defined]
        ident = getattr(getattr(item, "callspec", None), "id", None)
        meta["id"] = f"{meta['area']}.{name}" + (f"[{ident}]" if ident else "")
        item.stash[CASE_KEY] = meta
        item.extra_keyword_matches.update(meta["clauses"])  # so -k CL2 selects by clause too
        if wanted and not wanted & set(meta["clauses"]):
            dropped.append(item)
        elif meta.get("perf") and (
            perf == "none" or (perf == "sample" and meta["perf"] != "sample")
        ):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):
        clear_cases(report_dir(session.config), agent_name(session.config))


@pytest.fixture(scope="session")
def conformance_iut(pytestconfig: pytest.Config) -> Any:
    try:
        iut = IUT(str(pytestconfig.getoption("--iut")))
    except CommandError as exc:
        pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)
    yield iut
    iut.close()


@pytest.fixture(scope="session")
def conformance_server() -> Any:
    with MockServer.in_thread() as server:
        yield server


@pytest.fixture
def ctx(
    request: pytest.FixtureRequest, conformance_iut: IUT, conformance_server: MockServer
) -> Any:
    meta = request.node.stash[CASE_KEY]
    close_timeout = _close_timeout(request.config, conformance_iut)
    timeout = meta["timeout"] or request.config.getoption("--case-timeout")
    if timeout == AFTER_CLOSE_TIMEOUT:
        timeout = close_timeout + CLOSE_MARGIN + CONNECT_ALLOWANCE
    context = CaseContext(conformance_iut, conformance_server, meta["id"], meta, float(timeout))
    context.close_timeout = close_timeout
    return context


def _close_timeout(config: pytest.Config, iut: IUT) -> float:
    """--close-timeout, else the driver's hello, else the default (capped: the server's stall
    has a limit). A driver that cannot even say hello leaves the default: its cases fail."""
    given = config.getoption("--close-timeout")
    if given is None:
        info = _driver_info(iut)
        given = info.close_timeout if info is not None else None
    return min(float(given or DEFAULT_CLOSE_TIMEOUT), MAX_CLOSE_TIMEOUT)


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
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    try:
        pyfuncitem.obj(**arguments)
    except NotImplementedError as exc:  # an optional feature the IUT does not offer
        ctx.unimplemented(str(exc) or "not implemented")
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
    result = ctx.result(agent_name(config), None if info is None else info.as_json())
    result.write(report_dir(config))
    pyfuncitem.user_properties.extend(result.row.as_properties())
    if ctx.verdict in (FAILED, HARNESS_ERROR):
        pytest.fail(f"{ctx.case_id}: {ctx.verdict}\n{ctx.failures()}", pytrace=False)
    return True


class RunCollector:
    """Gathers case rows as reports arrive (on the controller under pytest-xdist) and writes
    ``index.json`` at the end. Registered per config, so its state is that config's."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" and not report.failed:
            return
        row = CaseRow.from_properties(list(report.user_properties))
        state = run_state(self.config)
        if row is not None and report.when == "call":
            state.rows[row.case_id] = row
        elif row is None and report.failed:
            state.other_failures += 1

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        config = self.config
        rows = run_state(config).rows
        if hasattr(config, "workerinput") or not rows:
            return
        agent = agent_name(config)
        path = write_index(report_dir(config), agent, rows)
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            counts: dict[str, int] = {}
            for row in rows.values():
                counts[row.behavior] = counts.get(row.behavior, 0) + 1
            summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            reporter.write_line(f"conformance: {summary} -> {path}")
