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
def suite_runs(tmp_path_factory: pytest.TempPathFactory) -> SuiteRuns:
    """The session's shared suite runs, in a folder every xdist worker of the session sees."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return SuiteRuns(Path(shared) / "shared-suite-runs")
