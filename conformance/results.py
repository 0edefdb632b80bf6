"""A case's result, one typed object, and the three things written from it.

``CaseRow`` is the case's line in ``index.json``; it also travels as the pytest test's
``user_properties`` (what pytest-xdist carries to the controller and ``--junitxml`` writes),
and ``CaseRow.from_properties`` reads it back. ``CaseResult`` adds what only the case file
holds (checks, trace, wire log). Field names follow docs/report-format.md; nothing else in the
suite spells them out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .clauses import clause
from .report.paths import agent_folder, safe_name, write_file


def report_filename(agent: str, case_id: str) -> str:
    """``<agent folder>_case_<id>.json``: the agent as its folder name (``agent_folder``:
    one-to-one), the case id with every character outside ``[A-Za-z0-9._-]`` as ``_``."""
    return f"{agent_folder(agent)}_case_{_safe(case_id)}.json"


_safe = safe_name  # one rule for every file and folder name made from a report's names


@dataclass(frozen=True)
class CaseRow:
    """One case's verdicts and labels: a row of ``index.json``."""

    case_id: str
    behavior: str
    behaviorClose: str
    duration: int
    remoteCloseCode: int | None
    reportfile: str
    clause: tuple[str, ...]
    level: str
    area: str
    method: str
    overload: str
    cells: tuple[str, ...] = ()
    expected: str = ""  # with --expectations: the expected verdict ("" when none was given)

    def as_json(self) -> dict[str, Any]:
        row = asdict(self)
        del row["case_id"]
        row["clause"] = list(self.clause)
        row["cells"] = list(self.cells)
        return row

    def as_properties(self) -> list[tuple[str, Any]]:
        """``(name, value)`` pairs with scalar values (JUnit writes them as text). A list
        (``clause``, ``cells``) is written as a JSON array: a cell's own commas
        (``connect(url, callback)``) must survive the way back."""
        pairs: list[tuple[str, Any]] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = json.dumps(list(value), ensure_ascii=False)
            pairs.append((f.name, value))
        return pairs

    @classmethod
    def from_properties(cls, properties: list[tuple[str, Any]]) -> CaseRow | None:
        """The row a case test wrote into its properties; None for any other test."""
        props = dict(properties)
        if "case_id" not in props or "behavior" not in props:
            return None
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = props.get(f.name)
            if f.name in ("clause", "cells"):
                value = tuple(str(v) for v in json.loads(str(value or "[]")))
            values[f.name] = value
        return cls(**values)


@dataclass
class CaseResult:
    """Everything a case produced: its row, and the evidence its case file holds."""

    row: CaseRow
    agent: str
    description: str
    expectation: str
    checks: list[dict[str, Any]]
    trace: list[dict[str, Any]]
    wirelog: list[dict[str, Any]]
    harness_error: str | None = None
    iut_error: str | None = None
    trace_dropped: dict[str, int] = field(default_factory=dict)
    driver: dict[str, Any] | None = None

    def document(self) -> dict[str, Any]:
        """The case file (docs/report-format.md, "One case")."""
        row = self.row
        return {
            "agent": self.agent,
            "id": row.case_id,
            "area": row.area,
            "method": row.method,
            "overload": row.overload,
            "description": self.description,
            "expectation": self.expectation,
            "clauses": [
                {"id": c, "level": clause(c).level, "text": clause(c).text} for c in row.clause
            ],
            "behavior": row.behavior,
            "behaviorClose": row.behaviorClose,
            "duration": row.duration,
            "remoteCloseCode": row.remoteCloseCode,
            "cells": list(row.cells),
            "checks": self.checks,
            "trace": self.trace,
            "trace_dropped": self.trace_dropped,
            "wirelog": self.wirelog,
            "harness_error": self.harness_error,
            "iut_error": self.iut_error,
            "driver": self.driver,
        }

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / self.row.reportfile
        text = json.dumps(self.document(), ensure_ascii=False, indent=1, default=_evidence)
        write_file(path, text)  # never through a link
        return path


def _evidence(value: object) -> object:
    """Evidence JSON cannot hold by itself: a mapping (a trace entry) as its JSON object,
    anything else as its repr."""
    return dict(value) if isinstance(value, Mapping) else repr(value)


def write_index(directory: Path, agent: str, rows: dict[str, CaseRow]) -> Path:
    """Write ``index.json``: this run's rows, and the agent's earlier rows of cases this run
    did not run (a selection adds to a report, never deletes a fuller one). Nothing is
    removed: a case file of an earlier run stays beside its row."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "index.json"
    ordered = {
        case_id: row
        for case_id, row in _earlier_rows(path, agent).items()
        if case_id not in rows and (directory / str(row.get("reportfile", ""))).is_file()
    }
    ordered.update({case_id: row.as_json() for case_id, row in rows.items()})
    ordered = {case_id: ordered[case_id] for case_id in sorted(ordered)}
    write_file(path, json.dumps({agent: ordered}, ensure_ascii=False, indent=1))
    return path


def _earlier_rows(path: Path, agent: str) -> dict[str, dict[str, Any]]:
    """The rows an earlier run of ``agent`` left in ``path`` (none if unreadable)."""
    try:
        earlier = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    rows = earlier.get(agent) if isinstance(earlier, dict) else None
    if not isinstance(rows, dict):
        return {}
    return {str(k): v for k, v in rows.items() if isinstance(v, dict)}
