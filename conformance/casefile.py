"""A case file read back: ``CaseDocument``, the one reader of the JSON a case wrote.

``CaseResult.document()`` (results.py) writes a case file (docs/report-format.md, "One case");
``CaseDocument.from_json`` reads one, for every module that shows or compares case files (the
case page, ``report diff``, the JUnit and allure outputs, a kept run's driver facts). Nothing
else spells out a case file's keys.

Case files are read from disk, where a hand-made, older or damaged one may lie: the reader
raises ``CaseFileError``, one line naming the file and the field that is wrong, never another
exception. Fields the suite always writes but an older or hand-made file may leave out read as
their empty value; ``id`` and ``behavior`` are what makes a file a case file and are required.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar, cast

from mockserver.records import ConnectionEntry, WireLogFormatError

from .iut.hello import DriverInfo
from .iut.trace import JSON, TraceEntry
from .iut.violations import ProtocolViolation
from .results import CaseFileError, Check
from .verdicts import PASSING, WORDS, Verdict

__all__ = ["CaseDocument", "CaseFileError", "ClauseText"]

T = TypeVar("T")


@dataclass(frozen=True)
class ClauseText:
    """A contract clause as the case file quotes it (``clauses``)."""

    id: str
    level: str
    text: str


@dataclass(frozen=True)
class CaseDocument:
    """One case file: the case's row fields, its checks, the IUT's trace, the mock server's
    wire log and the driver's ``hello``."""

    case_id: str  # JSON "id"
    behavior: Verdict
    agent: str = ""
    area: str = ""
    method: str = ""
    overload: str = ""
    description: str = ""
    expectation: str = ""
    clauses: tuple[ClauseText, ...] = ()
    behaviorClose: Verdict = Verdict.OK
    duration: int = 0
    remoteCloseCode: int | None = None
    cells: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    trace: tuple[TraceEntry, ...] = ()
    trace_dropped: tuple[tuple[str, int], ...] = ()  # (kind, entries dropped), as written
    wirelog: tuple[ConnectionEntry, ...] = ()
    harness_error: str | None = None
    iut_error: str | None = None
    driver: DriverInfo | None = None
    trace_origin: float | None = None  # wall-clock time (Unix) of the trace's t = 0

    def first_failure(self) -> Check | None:
        """The first check that did not pass (None: every check passed)."""
        return next((c for c in self.checks if c.verdict not in PASSING), None)

    @classmethod
    def from_json(cls, data: object, source: str) -> CaseDocument:
        """The parsed JSON of the case file ``source`` → its record; ``CaseFileError`` (one
        line: ``source``, the field, what it should be) when it is not a case file."""
        try:
            return cls._read(data)
        except CaseFileError as exc:
            raise CaseFileError(f"{source}: {exc}") from None

    @classmethod
    def _read(cls, data: object) -> CaseDocument:
        if not isinstance(data, Mapping):
            raise CaseFileError("a case file is a JSON object")
        doc = cast(Mapping[str, JSON], data)
        case_id = doc.get("id")
        if not isinstance(case_id, str) or not case_id:
            raise CaseFileError("'id' is missing or not a string (the case's id)")
        if "behavior" not in doc:
            raise CaseFileError("'behavior' is missing (the case's verdict)")
        return cls(
            case_id=case_id,
            behavior=_verdict(doc, "behavior"),
            behaviorClose=_verdict(doc, "behaviorClose"),
            agent=_text(doc, "agent") or "",
            area=_text(doc, "area") or "",
            method=_text(doc, "method") or "",
            overload=_text(doc, "overload") or "",
            description=_text(doc, "description") or "",
            expectation=_text(doc, "expectation") or "",
            clauses=tuple(_clause(c, n) for n, c in enumerate(_list(doc, "clauses"))),
            duration=int(_number(doc, "duration") or 0),
            remoteCloseCode=_integer(doc, "remoteCloseCode"),
            cells=tuple(_strings(doc, "cells")),
            checks=tuple(_check(c, n) for n, c in enumerate(_list(doc, "checks"))),
            trace=tuple(_trace_entry(e, n) for n, e in enumerate(_list(doc, "trace"))),
            trace_dropped=_dropped(doc),
            wirelog=tuple(_connection(c, n) for n, c in enumerate(_list(doc, "wirelog"))),
            harness_error=_text(doc, "harness_error"),
            iut_error=_text(doc, "iut_error"),
            driver=_driver(doc.get("driver")),
            trace_origin=_number(doc, "trace_origin"),
        )


# -- field readers: each raises CaseFileError naming its field ------------------------------


def _verdict(doc: Mapping[str, JSON], name: str, required: bool = False) -> Verdict:
    word = doc.get(name, None if required else Verdict.OK.value)
    verdict = Verdict.parse(word)
    if verdict is None:
        raise CaseFileError(f"{name!r} {str(word)[:40]!r} is none of {', '.join(WORDS)}")
    return verdict


def _text(doc: Mapping[str, JSON], name: str) -> str | None:
    value = doc.get(name)
    if value is not None and not isinstance(value, str):
        raise CaseFileError(f"{name!r} is {type(value).__name__}, not a string")
    return value


def _number(doc: Mapping[str, JSON], name: str) -> float | None:
    value = doc.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CaseFileError(f"{name!r} is {type(value).__name__}, not a number")
    try:
        return float(value)
    except OverflowError:
        raise CaseFileError(f"{name!r} is a number too large") from None


def _integer(doc: Mapping[str, JSON], name: str) -> int | None:
    value = doc.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise CaseFileError(f"{name!r} is {type(value).__name__}, not an integer or null")
    return value


def _list(doc: Mapping[str, JSON], name: str) -> Sequence[JSON]:
    value = doc.get(name)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise CaseFileError(f"{name!r} is {type(value).__name__}, not a list")
    return value


def _strings(doc: Mapping[str, JSON], name: str) -> list[str]:
    value = _list(doc, name)
    if not all(isinstance(v, str) for v in value):
        raise CaseFileError(f"{name!r} is not a list of strings")
    return [str(v) for v in value]


def _clause(data: JSON, n: int) -> ClauseText:
    if not isinstance(data, dict):
        raise CaseFileError(f"clauses[{n}] is not an object")
    texts = []
    for name in ("id", "level", "text"):
        value = data.get(name)
        if not isinstance(value, str):
            raise CaseFileError(f"clauses[{n}]: {name!r} is missing or not a string")
        texts.append(value)
    return ClauseText(*texts)


def _check(data: JSON, n: int) -> Check:
    try:
        return Check.from_json(data)
    except CaseFileError as exc:
        raise CaseFileError(f"checks[{n}] {exc}") from None


def _trace_entry(data: JSON, n: int) -> TraceEntry:
    try:  # as recorded: a driver's entry was checked when it came in
        return TraceEntry.from_json(data, complete=False)
    except ProtocolViolation as exc:
        raise CaseFileError(f"trace[{n}]: {str(exc)[:160]}") from None


def _dropped(doc: Mapping[str, JSON]) -> tuple[tuple[str, int], ...]:
    value = doc.get("trace_dropped")
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value.values()
    ):
        raise CaseFileError("'trace_dropped' is not an object of counts")
    return tuple((str(k), cast(int, v)) for k, v in value.items())


def _connection(data: JSON, n: int) -> ConnectionEntry:
    try:
        if not isinstance(data, dict):
            raise WireLogFormatError("not an object")
        return ConnectionEntry.from_json(data)
    except WireLogFormatError as exc:
        raise CaseFileError(f"wirelog[{n}]: {str(exc)[:160]}") from None


def _driver(data: JSON) -> DriverInfo | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise CaseFileError("'driver' is not an object (the driver's hello) or null")
    info = DriverInfo.from_json({**data, "ok": True})
    if info.problems:
        raise CaseFileError(f"driver: {info.problems[0][:160]}")
    return info
