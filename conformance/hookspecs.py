"""The conformance plugin's extension points (pytest hooks; added by ``pytest_addhooks``).

Implement them in a ``conftest.py`` or a plugin of your own to take the results elsewhere (a
dashboard, a database, another report format). The built-in allure labels
(``conformance.allure_labels``) are one such implementation.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .results import CaseResult, CaseRow


@pytest.hookspec
def pytest_conformance_case_result(item: pytest.Item, result: CaseResult) -> None:
    """A case finished: ``result`` is its row (with the expected verdict when
    ``--expectations`` is given) and its evidence, as written to its case file.

    Called in the process that ran the case (a pytest-xdist worker under ``-n``), during the
    test's call phase, so what it adds to the test (allure labels, properties) is the test's."""


@pytest.hookspec
def pytest_conformance_run_finished(
    config: pytest.Config, rows: Mapping[str, CaseRow], index: Path | None
) -> None:
    """The run ended: ``rows`` are every case's row by case id, ``index`` the ``index.json``
    written (None on a pytest-xdist worker, which writes none: it is called on the controller,
    or the single process, only)."""
