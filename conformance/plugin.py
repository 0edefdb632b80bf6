"""The pytest plugin: options, the ``case`` marker, fixtures, verdicts and the run's index.

Loaded in every pytest run (entry point); it does nothing unless ``case``-marked items run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mockserver import MockServer

from .clauses import clause
from .context import CaseContext
from .iut import IUT, IUTCrashed, IUTTimeout
from .results import clear_cases, index_row, write_case, write_index
from .verdicts import FAILED

CASE_KEY = pytest.StashKey[dict[str, Any]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "@ohos.net.webSocket conformance")
    group.addoption("--iut", default="impl", help="module path, or cmd:<driver command line>")
    group.addoption("--agent", default=None, help="agent name in reports (default from --iut)")
    group.addoption("--report-dir", default=None, help="agent report dir (reports/<agent>/)")
    group.addoption("--case-timeout", type=float, default=10.0, help="seconds per case")
    group.addoption("--clause", action="append", default=[], help="only cases on this clause")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "case(area, method, overload, clauses, description, expectation, timeout): "
        "a conformance case; clauses[0] is the main clause",
    )


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
        name = item.originalname.removeprefix("test_")  # type: ignore[attr-defined]
        params = getattr(getattr(item, "callspec", None), "id", None)
        meta["id"] = f"{meta['area']}.{name}" + (f"[{params}]" if params else "")
        item.stash[CASE_KEY] = meta
        item.extra_keyword_matches.update(meta["clauses"])  # so -k CL2 selects by clause too
        if wanted and not wanted & set(meta["clauses"]):
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
    iut = IUT(str(pytestconfig.getoption("--iut")))
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
    timeout = meta["timeout"] or request.config.getoption("--case-timeout")
    return CaseContext(conformance_iut, conformance_server, meta["id"], meta, timeout)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run a case, then judge it: a FAILED verdict fails the test, every other passes."""
    if CASE_KEY not in pyfuncitem.stash:
        return None
    ctx: CaseContext = pyfuncitem.funcargs["ctx"]  # type: ignore[assignment]
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    try:
        pyfuncitem.obj(**arguments)
    except NotImplementedError as exc:  # an optional feature the IUT does not offer
        ctx.unimplemented(str(exc) or "not implemented")
    except (IUTTimeout, IUTCrashed) as exc:
        ctx.harness_error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # the IUT answered in a way the case could not read
        ctx.harness_error = f"case could not finish: {type(exc).__name__}: {exc}"
    finally:
        ctx.finish()
    config = pyfuncitem.config
    agent = agent_name(config)
    write_case(report_dir(config), agent, ctx)
    row = index_row(ctx, agent)
    pyfuncitem.user_properties.extend(
        [
            ("case_id", ctx.case_id),
            ("verdict", ctx.verdict),
            ("verdict_close", ctx.verdict_close),
            ("clauses", ",".join(row["clause"])),
            ("level", row["level"]),
            ("area", row["area"]),
            ("method", row["method"]),
            ("overload", row["overload"]),
            ("reportfile", row["reportfile"]),
            ("duration_ms", row["duration"]),
            ("remote_close_code", row["remoteCloseCode"]),
        ]
    )
    if ctx.verdict == FAILED:
        pytest.fail(f"{ctx.case_id}: FAILED\n{ctx.failures()}", pytrace=False)
    return True


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Collect rows on the controller (user_properties cross pytest-xdist)."""
    if report.when != "call":
        return
    props = dict(report.user_properties)
    if "case_id" not in props:
        return
    _rows[str(props["case_id"])] = {
        "behavior": props["verdict"],
        "behaviorClose": props["verdict_close"],
        "duration": props["duration_ms"],
        "remoteCloseCode": props["remote_close_code"],
        "reportfile": props["reportfile"],
        "clause": str(props["clauses"]).split(","),
        "level": props["level"],
        "area": props["area"],
        "method": props["method"],
        "overload": props["overload"],
    }


_rows: dict[str, dict[str, Any]] = {}


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if hasattr(config, "workerinput") or not _rows:
        return
    path = write_index(report_dir(config), agent_name(config), dict(_rows))
    _rows.clear()
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        counts: dict[str, int] = {}
        for row in json.loads(path.read_text("utf-8"))[agent_name(config)].values():
            counts[row["behavior"]] = counts.get(row["behavior"], 0) + 1
        summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        reporter.write_line(f"conformance: {summary} -> {path}")
