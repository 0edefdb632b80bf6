"""allure labels for conformance cases (with ``--alluredir``): epic = area, feature = method,
story = overload, severity from the clause level, the verdict (and the expected one) as labels,
a link to each clause in the contract. An implementation of the
``pytest_conformance_case_result`` hook (``conformance.hookspecs``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .results import CaseResult

SEVERITY = {"MUST": "critical", "SHOULD": "normal", "INFO": "minor"}
# The contract shipped with the suite; point --clause-url at your own copy (a repository
# browser, an intranet page) to make the links travel with the allure report.
DEFAULT_CLAUSE_URL = (Path(__file__).parent / "data" / "API-CONTRACT.md").as_uri() + "#{clause}"


class AllureLabels:
    """Registered by the run when allure reports (``--alluredir``)."""

    def __init__(self, clause_url: str) -> None:
        self.clause_url = clause_url

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
        for clause in row.clause:
            dynamic.link(self.clause_url.format(clause=clause), name=clause)
