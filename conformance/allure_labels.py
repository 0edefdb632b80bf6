"""allure labels for conformance cases (with ``--alluredir``): epic = area, feature = method,
story = overload, severity from the clause level, the verdict (and the expected one) as labels,
a link to each clause in the contract. An implementation of the
``pytest_conformance_case_result`` hook (``conformance.hookspecs``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .report.ci import allure_case
from .results import CaseResult

SEVERITY = {"MUST": "critical", "SHOULD": "normal", "INFO": "minor"}
# No clause link unless --clause-url gives an address that works anywhere (a repository
# browser, an intranet page): a file:// path of the machine that ran the suite is dead
# everywhere else. Each clause is a label of the case either way (report/ci.py).
DEFAULT_CLAUSE_URL: str | None = None


class AllureLabels:
    """Registered by the run when allure reports (``--alluredir``)."""

    def __init__(self, clause_url: str | None, case_dir: Path) -> None:
        self.clause_url = clause_url
        self.case_dir = case_dir

    @pytest.hookimpl
    def pytest_conformance_case_result(self, item: pytest.Item, result: CaseResult) -> None:
        import allure

        dynamic: Any = allure.dynamic  # allure-pytest ships no type hints
        row = result.row
        dynamic.epic(row.area)
        dynamic.feature(row.method)
        dynamic.story(row.overload)
        dynamic.severity(allure.severity_level(SEVERITY[row.level]))
        dynamic.label("verdict", row.behavior.value)
        if row.expected:
            dynamic.label("expected", row.expected)
        if self.clause_url:
            for clause in row.clause:
                dynamic.link(self.clause_url.format(clause=clause), name=clause)
        allure_case(self.case_dir, row.reportfile, row.case_id, row.clause)
