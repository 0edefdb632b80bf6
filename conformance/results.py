"""What a case produced: its checks, its row, its result, and the forms each is written in.

``Check`` is one graded observation. ``CaseRow`` is the case's line in ``index.json``; it also
travels as the pytest test's ``user_properties`` (what pytest-xdist carries to the controller and
``--junitxml`` writes), and ``CaseRow.from_properties`` reads it back. ``CaseResult`` adds what
only the case file holds (checks, trace, wire log, the driver's hello). Field names follow
docs/report-format.md; nothing else in the suite spells them out: each form has one writer
here (``as_json``, ``as_properties``, ``document``) and one reader (``from_properties``, and
``CaseRow.from_json`` for an index row).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .clauses import clause
from .jsontext import readable_json
from .report.paths import agent_folder, safe_name, write_file
from .verdicts import PASSING, WORDS, Verdict

if TYPE_CHECKING:  # the report's readers import this module: no IUT layer at import time
    from mockserver.records import ConnectionEntry

    from .iut import DriverInfo, TraceEntry

JSONValue = Any  # what json.dumps takes: the evidence of a check is whatever the case observed


def report_filename(agent: str, case_id: str) -> str:
    """``<agent folder>_case_<id>.json``: the agent as its folder name (``agent_folder``:
    one-to-one), the case id with every character outside ``[A-Za-z0-9._-]`` as ``_``."""
    return f"{agent_folder(agent)}_case_{_safe(case_id)}.json"


_safe = safe_name  # one rule for every file and folder name made from a report's names


@dataclass(frozen=True)
class Check:
    """One observation, graded at its clause's own level (contract clauses are single-level).

    ``expected`` and ``observed`` are the evidence the report shows (any JSON value; what is
    not JSON is written as its ``repr``)."""

    clause: str
    level: str
    passed: bool
    verdict: Verdict
    what: str
    expected: JSONValue
    observed: JSONValue

    def as_json(self) -> dict[str, JSONValue]:
        """The check as the case file holds it (docs/report-format.md, "checks")."""
        return {
            "clause": self.clause,
            "level": self.level,
            "passed": self.passed,
            "verdict": self.verdict.value,
            "what": self.what,
            "expected": self.expected,
            "observed": self.observed,
        }

    @classmethod
    def from_json(cls, data: object) -> Check:
        """A case file's check (``as_json`` wrote it) → ``Check``; ``CaseFileError`` naming
        the field. ``clause``, ``verdict`` and ``what`` are required; a check written without
        ``level`` or ``passed`` reads as level "" and passed when its verdict is a passing one."""
        if not isinstance(data, Mapping):
            raise CaseFileError("is not an object")
        for name in ("clause", "what", "level"):
            value = data.get(name, "")
            if not isinstance(value, str) or (not value and name != "level"):
                raise CaseFileError(f"{name!r} is missing or not a string")
        word = data.get("verdict")
        verdict = Verdict.parse(word)
        if verdict is None:
            raise CaseFileError(f"verdict {str(word)[:40]!r} is none of {', '.join(WORDS)}")
        passed = data.get("passed", verdict in PASSING)
        if not isinstance(passed, bool):
            raise CaseFileError("'passed' is not true or false")
        return cls(
            clause=data["clause"],
            level=data.get("level", ""),
            passed=passed,
            verdict=verdict,
            what=data["what"],
            expected=data.get("expected"),
            observed=data.get("observed"),
        )


class CaseFileError(ValueError):
    """A case file (or a part of one) that is not what docs/report-format.md describes;
    ``str()`` is one line naming the field that is wrong (``CaseDocument.from_json`` adds the
    file)."""


class RowFormatError(ValueError):
    """An ``index.json`` row that is not what docs/report-format.md describes; ``str()`` is
    one line saying which field is wrong (the caller adds the file and the case)."""


_ROW_TEXT = ("level", "area", "method", "overload", "expected")  # text; null reads as ""
_ROW_LISTS = ("clause", "cells")  # lists of text; absent reads as []


@dataclass(frozen=True)
class CaseRow:
    """One case's verdicts and labels: a row of ``index.json``."""

    case_id: str
    behavior: Verdict
    behaviorClose: Verdict
    duration: int
    remoteCloseCode: int | None
    reportfile: str
    clause: tuple[str, ...]
    level: str
    area: str
    method: str
    overload: str
    cells: tuple[str, ...] = ()
    expected: str = ""  # with --expectations: the expected verdict or "pass" ("" when none)

    def __post_init__(self) -> None:
        # A verdict given as its word (a test, a reader) is stored as the Verdict it names.
        for name in ("behavior", "behaviorClose"):
            word = getattr(self, name)
            verdict = Verdict.parse(word)
            if verdict is None:
                raise ValueError(f"{name} {str(word)[:40]!r} is not a verdict word")
            object.__setattr__(self, name, verdict)

    def with_expected(self, expected: str) -> CaseRow:
        return replace(self, expected=expected)

    def as_json(self) -> dict[str, JSONValue]:
        row = asdict(self)
        del row["case_id"]
        row["behavior"] = self.behavior.value
        row["behaviorClose"] = self.behaviorClose.value
        row["clause"] = list(self.clause)
        row["cells"] = list(self.cells)
        return row

    def as_properties(self) -> list[tuple[str, object]]:
        """``(name, value)`` pairs with plain scalar values (JUnit writes them as text, and
        pytest-xdist's channel carries only plain types: a verdict goes as its word). A list
        (``clause``, ``cells``) is written as a JSON array: a cell's own commas
        (``connect(url, callback)``) must survive the way back."""
        pairs: list[tuple[str, object]] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = json.dumps(list(value), ensure_ascii=False)
            elif isinstance(value, Verdict):
                value = value.value
            pairs.append((f.name, value))
        return pairs

    @classmethod
    def from_json(cls, case_id: str, row: object) -> CaseRow:
        """The one reader of an ``index.json`` row (``as_json`` writes it).

        Fields the suite always writes but a hand-made or older index may leave out read as
        their empty value (``behaviorClose`` as OK: the case had no closing checks); a field
        of the wrong type is a ``RowFormatError`` naming it."""
        if not isinstance(row, Mapping):
            raise RowFormatError("the row is not an object")
        verdicts: dict[str, Verdict] = {}
        for name in ("behavior", "behaviorClose"):
            word = row.get(name, Verdict.OK.value if name == "behaviorClose" else None)
            verdict = Verdict.parse(word)
            if verdict is None:
                raise RowFormatError(f"{name} {str(word)[:40]!r} is none of {', '.join(WORDS)}")
            verdicts[name] = verdict
        lists: dict[str, tuple[str, ...]] = {}
        for name in _ROW_LISTS:
            value = row.get(name, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise RowFormatError(f"{name} is not a list of strings")
            lists[name] = tuple(value)
        text: dict[str, str] = {}
        for name in _ROW_TEXT:
            value = row.get(name)
            if value is not None and not isinstance(value, str):
                raise RowFormatError(f"{name} is not str")
            text[name] = value or ""
        duration = row.get("duration")
        if isinstance(duration, bool) or not isinstance(duration, int | float | None):
            raise RowFormatError("duration is not int (milliseconds)")
        code = row.get("remoteCloseCode")
        if isinstance(code, bool) or not isinstance(code, int | None):
            raise RowFormatError("remoteCloseCode is not int or null")
        reportfile = row.get("reportfile", "")
        if not isinstance(reportfile, str):
            raise RowFormatError(f"reportfile {reportfile!r:.60} is not a case file name")
        return cls(
            case_id=str(case_id),
            behavior=verdicts["behavior"],
            behaviorClose=verdicts["behaviorClose"],
            duration=int(duration or 0),
            remoteCloseCode=code,
            reportfile=reportfile,
            clause=lists["clause"],
            cells=lists["cells"],
            **text,
        )

    @classmethod
    def from_properties(cls, properties: list[tuple[str, object]]) -> CaseRow | None:
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


@dataclass(frozen=True)
class CaseResult:
    """Everything a case produced: its row, and the evidence its case file holds.

    ``trace`` and ``wirelog`` are what the IUT session and the mock server hand over, written
    by their own writers (``TraceEntry.as_json``, ``ConnectionEntry.to_json``). The case file
    is read back by ``conformance.casefile.CaseDocument``."""

    row: CaseRow
    agent: str
    description: str
    expectation: str
    checks: tuple[Check, ...]
    trace: tuple[TraceEntry, ...]
    wirelog: tuple[ConnectionEntry, ...]
    harness_error: str | None = None
    iut_error: str | None = None
    trace_dropped: dict[str, int] = field(default_factory=dict)
    driver: DriverInfo | None = None
    trace_origin: float | None = None  # wall-clock time (Unix) of the trace's t = 0

    def with_row(self, row: CaseRow) -> CaseResult:
        return replace(self, row=row)

    def document(self) -> dict[str, JSONValue]:
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
            "behavior": row.behavior.value,
            "behaviorClose": row.behaviorClose.value,
            "duration": row.duration,
            "remoteCloseCode": row.remoteCloseCode,
            "cells": list(row.cells),
            "checks": [c.as_json() for c in self.checks],
            "trace": [entry.as_json() for entry in self.trace],
            "trace_dropped": self.trace_dropped,
            "wirelog": [entry.to_json() for entry in self.wirelog],
            "harness_error": self.harness_error,
            "iut_error": self.iut_error,
            "driver": None if self.driver is None else self.driver.as_json(),
            "trace_origin": self.trace_origin,
        }

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / self.row.reportfile
        text = readable_json(self.document(), default=_evidence)
        write_file(path, text)  # never through a link
        return path


def _evidence(value: object) -> object:
    """Evidence JSON cannot hold by itself: a record with a JSON form (a trace entry, a wire
    log record: ``as_json``/``to_json``) as that JSON object, a mapping as its JSON object,
    anything else as its repr."""
    for writer in ("as_json", "to_json"):
        write = getattr(value, writer, None)
        if callable(write):
            return write()
    return dict(value) if isinstance(value, Mapping) else repr(value)


def write_index(directory: Path, agent: str, rows: dict[str, CaseRow]) -> Path:
    """Write ``index.json``: this run's rows, and the agent's earlier rows of cases this run
    did not run (a selection adds to a report, never deletes a fuller one). Nothing is
    removed: a case file of an earlier run stays beside its row. An earlier row that is not
    a row (``CaseRow.from_json`` refuses it) is kept as it was: ``report build`` names it."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "index.json"
    ordered: dict[str, JSONValue] = {}
    for case_id, earlier in _earlier_rows(path, agent).items():
        if case_id in rows:
            continue
        try:
            row = CaseRow.from_json(case_id, earlier)
        except RowFormatError:
            ordered[case_id] = earlier
            continue
        if row.reportfile and (directory / row.reportfile).is_file():
            ordered[case_id] = row.as_json()
    ordered.update({case_id: row.as_json() for case_id, row in rows.items()})
    ordered = {case_id: ordered[case_id] for case_id in sorted(ordered)}
    write_file(path, readable_json({agent: ordered}))
    return path


def _earlier_rows(path: Path, agent: str) -> dict[str, JSONValue]:
    """The rows an earlier run of ``agent`` left in ``path``, as JSON (none if unreadable)."""
    try:
        earlier = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    rows = earlier.get(agent) if isinstance(earlier, dict) else None
    if not isinstance(rows, dict):
        return {}
    return {str(k): v for k, v in rows.items() if isinstance(v, dict)}
