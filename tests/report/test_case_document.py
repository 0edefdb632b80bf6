"""``CaseDocument``: the one reader of a case file gives back what ``CaseResult`` wrote, and a
case file with a missing field or a field of the wrong type is one line naming the file and
the field (the case page, ``report build`` and ``report merge`` say that line)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.casefile import CaseDocument, CaseFileError
from conformance.clauses import clause
from conformance.iut import DriverInfo, TraceEntry
from conformance.report.__main__ import main as report_main
from conformance.results import CaseResult, CaseRow, Check
from conformance.verdicts import Verdict
from mockserver.records import ConnectionEntry

from .conftest import write_agent

WIRE: dict[str, Any] = {
    "id": "7",
    "tag": "abc",
    "route": "/echo",
    "started": 1700000000.5,
    "handshake": {"method": "GET", "path": "/echo", "version": "HTTP/1.1"},
    "frames": [
        {"t": 0.01, "dir": "in", "opcode": 1, "fin": True, "masked": True, "length": 2},
        {"t": 0.02, "dir": "out", "opcode": 8, "fin": True, "masked": False, "length": 2},
    ],
    "close": {"in": {"code": 1000, "reason": "", "payload_hex": "03e8"}, "first": "client"},
    "tcp": {"ended_by": "client"},
}


def a_result() -> CaseResult:
    row = CaseRow(
        case_id="close.code[1000]",
        behavior=Verdict.NON_STRICT,
        behaviorClose=Verdict.FAILED,
        duration=42,
        remoteCloseCode=1000,
        reportfile="impl_case_close.code_1000_.json",
        clause=("CL2", "CL3"),
        level="MUST",
        area="close",
        method="close",
        overload="close(options?): Promise",
        cells=("close(options?): Promise", "connect(url, callback)"),
    )
    trace = (
        TraceEntry.from_json(
            {"kind": "call", "socket": "s1", "call": 1, "method": "close", "args": [{"code": 1}]}
        ).stamped(0.5),
        TraceEntry.from_json(
            {"kind": "event", "socket": "s1", "sub": "a", "type": "close", "odd": [1]}
        ).stamped(0.75),
        # made in this process (the Python executor): its ERR has no "kind", and a case file
        # shows it as it was written
        TraceEntry(kind="result", socket="s1", call=1, err={"code": 401}).stamped(0.8),
    )
    checks = (
        Check("CL2", "MUST", False, Verdict.FAILED, "close code", 1000, {"code": 1005}),
        Check("CL3", "SHOULD", True, Verdict.OK, "reason", "", ""),
    )
    return CaseResult(
        row=row,
        agent="impl",
        description="closes with a code",
        expectation="code 1000 on the wire",
        checks=checks,
        trace=trace,
        wirelog=(ConnectionEntry.from_json(WIRE),),
        harness_error=None,
        iut_error="the IUT hung",
        trace_dropped={"log": 3},
        driver=DriverInfo(protocol=3, driver="py", close_timeout=5.0, api_features=("x",)),
        trace_origin=1700000000.25,
    )


def test_a_case_file_reads_back_as_the_result_that_wrote_it(tmp_path: Path) -> None:
    result = a_result()
    path = result.write(tmp_path)
    doc = CaseDocument.from_json(json.loads(path.read_text("utf-8")), str(path))
    row = result.row
    assert (doc.case_id, doc.behavior, doc.behaviorClose) == (
        row.case_id,
        row.behavior,
        row.behaviorClose,
    )
    assert (doc.duration, doc.remoteCloseCode, doc.cells) == (
        row.duration,
        row.remoteCloseCode,
        row.cells,
    )
    assert (doc.area, doc.method, doc.overload) == (row.area, row.method, row.overload)
    assert tuple(c.id for c in doc.clauses) == row.clause
    assert [(c.level, c.text) for c in doc.clauses] == [
        (clause(c).level, clause(c).text) for c in row.clause
    ]
    assert (doc.agent, doc.description, doc.expectation) == (
        result.agent,
        result.description,
        result.expectation,
    )
    assert doc.checks == result.checks
    assert doc.trace == result.trace
    assert doc.trace[1].extra == (("odd", [1]),)  # what a driver sent beyond the record
    assert doc.trace[2].err == {"code": 401}
    assert doc.wirelog == result.wirelog
    assert doc.driver == result.driver
    assert dict(doc.trace_dropped) == result.trace_dropped
    assert (doc.harness_error, doc.iut_error, doc.trace_origin) == (
        result.harness_error,
        result.iut_error,
        result.trace_origin,
    )


def _document() -> dict[str, Any]:
    return json.loads(json.dumps(a_result().document()))


def _set(path: tuple[str | int, ...], value: object) -> dict[str, Any]:
    doc = _document()
    holder: Any = doc
    for key in path[:-1]:
        holder = holder[key]
    if value is KeyError:
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    return doc


BROKEN = [
    (_set(("id",), KeyError), "'id'"),
    (_set(("behavior",), KeyError), "'behavior'"),
    (_set(("behavior",), "PASSED"), "'behavior' 'PASSED'"),
    (_set(("duration",), "12 ms"), "'duration'"),
    (_set(("remoteCloseCode",), 1000.5), "'remoteCloseCode'"),
    (_set(("cells",), "a, b"), "'cells'"),
    (_set(("clauses", 0, "text"), None), "clauses[0]"),
    (_set(("checks",), 5), "'checks'"),
    (_set(("checks", 1, "what"), KeyError), "checks[1] 'what'"),
    (_set(("checks", 0, "verdict"), "NOPE"), "checks[0] verdict 'NOPE'"),
    (_set(("checks", 0, "passed"), "no"), "checks[0] 'passed'"),
    (_set(("trace", 1, "kind"), "nope"), "trace[1]"),
    (_set(("trace", 0), [1]), "trace[0]"),
    (_set(("wirelog", 0, "frames"), 5), "wirelog[0]"),
    (_set(("wirelog", 0), "conn"), "wirelog[0]"),
    (_set(("driver",), ["py"]), "'driver'"),
    (_set(("driver", "close_timeout"), "5 s"), "driver: hello: close_timeout"),
    (_set(("trace_dropped",), {"log": "3"}), "'trace_dropped'"),
    (_set(("trace_origin",), "noon"), "'trace_origin'"),
    (_set(("harness_error",), 1), "'harness_error'"),
]


@pytest.mark.parametrize(("doc", "named"), BROKEN, ids=[n for _, n in BROKEN])
def test_a_missing_or_mistyped_field_is_one_line_naming_it(doc: dict[str, Any], named: str) -> None:
    with pytest.raises(CaseFileError) as caught:
        CaseDocument.from_json(doc, "impl/x.json")
    message = str(caught.value)
    assert message.startswith("impl/x.json: ") and named in message
    assert len(message.splitlines()) == 1 and len(message) < 300


def test_an_older_case_file_without_the_later_fields_still_reads() -> None:
    doc = _document()
    for name in ("cells", "trace_dropped", "driver", "trace_origin", "iut_error", "wirelog"):
        del doc[name]
    read = CaseDocument.from_json(doc, "old.json")
    assert read.driver is None and read.trace_origin is None and read.wirelog == ()
    assert read.checks == a_result().checks


@pytest.mark.parametrize(("doc", "named"), BROKEN[3:8], ids=[n for _, n in BROKEN[3:8]])
def test_report_build_names_the_field_of_a_broken_case_file(
    tmp_path: Path, doc: dict[str, Any], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "reports"
    folder = write_agent(root, "alpha", {"close.a": "OK", "close.b": "FAILED"})
    index = json.loads((folder / "index.json").read_text("utf-8"))["alpha"]
    reportfile = index["close.b"]["reportfile"]
    (folder / reportfile).write_text(json.dumps(doc), "utf-8")
    assert report_main(["build", str(root)]) == 1
    err = capsys.readouterr().err
    assert reportfile in err and named in err and "Traceback" not in err
    assert len(err.splitlines()) == 1
