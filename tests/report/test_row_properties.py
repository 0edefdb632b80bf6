"""A case's row travels as pytest user properties (to the xdist controller, into JUnit) and
must come back whole: a coverage cell holds commas of its own."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.results import CaseRow
from tests.conformance.suite_runner import run_suite

CELL = "api :: connect(url, options, callback) :: header (object) :: success"


def test_a_row_with_commas_in_its_cells_survives_the_properties() -> None:
    row = CaseRow(
        case_id="connect.success[options-callback]",
        behavior="OK",
        behaviorClose="OK",
        duration=3,
        remoteCloseCode=None,
        reportfile="impl_case_x.json",
        clause=("CN2", "CN4"),
        level="MUST",
        area="connect",
        method="connect",
        overload="connect(url, options, callback)",
        cells=(CELL, "api :: on(type, callback) :: 'open' :: success"),
    )
    assert CaseRow.from_properties(row.as_properties()) == row


def test_the_index_keeps_each_cell_whole(tmp_path: Path) -> None:
    _, rows = run_suite(tmp_path, "-k", "success and options-callback")
    row = rows["connect.success[options-callback]"]
    assert CELL in row["cells"], row["cells"]
    index = json.loads((tmp_path / "index.json").read_text("utf-8"))
    assert all(" :: " in cell for r in next(iter(index.values())).values() for cell in r["cells"])
