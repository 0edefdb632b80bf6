"""Shared fixtures: the mock server (in the test's loop, and in a thread of its own) and the
suite runs several tests read (tests/shared_runs.py); the order tests run in (long ones first,
tests/schedule.py); the warm interpreter suite runs are forked from (tests/forkserver.py),
stopped at the end."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import forkserver, schedule
from tests.shared_runs import SuiteRuns

pytest_plugins = ["mockserver.pytest_plugin"]


def pytest_unconfigure(config: pytest.Config) -> None:
    forkserver.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items[:] = schedule.order(items)


@pytest.fixture(scope="session")
def session_shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every xdist worker of the session sees (the session's, not a worker's, base
    temporary folder): for what is made once and read by tests on any worker (under a lock)."""
    base = tmp_path_factory.getbasetemp()
    return Path(base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base)


@pytest.fixture(scope="session")
def suite_runs(session_shared: Path) -> SuiteRuns:
    """The session's shared suite runs (tests/shared_runs.py)."""
    return SuiteRuns(session_shared / "shared-suite-runs")
