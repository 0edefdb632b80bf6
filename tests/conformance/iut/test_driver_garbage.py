"""Garbage from a driver never kills the readers, hangs a case or loses the report: each kind
becomes a DP1 failure of the case it arrived in, quoting the line, and the next request is
still answered."""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import pytest

from conformance.iut import Session, load_iut
from tests.conformance.drivers.garbage import FLOOD, GARBAGE
from tests.conformance.suite_runner import run_suite

GARBAGE_DRIVER = Path(__file__).parents[1] / "drivers" / "garbage.py"


def _driver(kind: str) -> str:
    return f"cmd:{sys.executable} {GARBAGE_DRIVER} {kind}"


def _protocol_errors(session: Session) -> list[str]:
    return [e.message for e in session.trace if e.kind == "protocol_error"]


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("null-id", "integer id"),
        ("not-object", "not an object"),
        ("not-json", "not JSON"),
        ("bad-utf8", "not UTF-8"),
        ("no-kind", "unknown kind"),
        ("huge-line", "the limit is"),
    ],
)
def test_a_broken_line_is_a_protocol_error_of_its_case(kind: str, said: str) -> None:
    factory = load_iut(_driver(kind))
    try:
        for _ in range(2):  # the second case still gets its answers: the reader lives on
            session = factory.session(20.0)
            started = time.monotonic()
            assert session.create() == "s1"
            assert session.call("s1", "on", "open").call >= 1
            session.wait_for(lambda e: e.kind == "protocol_error", 5.0)
            errors = _protocol_errors(session)
            assert errors and said in errors[0], errors
            assert len(errors[0]) < 400  # quoted, capped
            assert time.monotonic() - started < 15
            assert session.close() is None
    finally:
        factory.close()


def test_bytes_that_are_not_utf8_on_stderr_become_a_log_entry() -> None:
    factory = load_iut(_driver("stderr-bytes"))
    try:
        session = factory.session(10.0)
        session.create()
        logged = session.wait_for(lambda e: e.level == "STDERR", 5.0)
        assert logged is not None and "not UTF-8 on stderr" in str(logged.message)
        assert session.close() is None
    finally:
        factory.close()


def test_a_flood_of_events_is_capped_and_counted() -> None:
    factory = load_iut(_driver("flood"))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        session = factory.session(60.0)
        session.create()
        deadline = time.monotonic() + 50
        while sum(session.dropped.values()) + len(session.trace) < FLOOD and (
            time.monotonic() < deadline
        ):
            time.sleep(0.1)
        assert len(session.trace) <= Session.TRACE_CAP
        assert session.dropped.get("event", 0) >= FLOOD - Session.TRACE_CAP
        assert session.close() is None
    finally:
        factory.close()
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 200, f"the capped trace still grew the process by {grown_mib:.0f} MiB"


@pytest.mark.parametrize("kind", list(GARBAGE))
def test_every_kind_of_garbage_still_gives_a_report(kind: str, tmp_path: Path) -> None:
    if kind == "flood":
        pytest.skip("the flood is measured above; a whole run of it is slow")
    status, rows = run_suite(
        tmp_path, "--iut", _driver(kind), "--clause", "M2", "-p", "no:xdist", timeout=120
    )
    assert len(rows) == 5
    first = min(rows)
    report = (tmp_path / rows[first]["reportfile"]).read_text("utf-8")
    if kind == "stderr-bytes":  # stderr is free-form: kept, never a violation
        assert status == 0 and "not UTF-8 on stderr" in report
    elif kind == "huge-close-timeout":  # the hello's problem goes to the first case run
        reports = {c: (tmp_path / r["reportfile"]).read_text("utf-8") for c, r in rows.items()}
        failed = [c for c, text in reports.items() if "hello: close_timeout must be" in text]
        assert status != 0 and len(failed) == 1 and rows[failed[0]]["behavior"] == "FAILED"
        assert '"clause": "DP1"' in reports[failed[0]] and "OverflowError" not in "".join(reports)
    else:
        assert status != 0 and '"clause": "DP1"' in report
        assert rows[first]["behavior"] == "FAILED"
    assert all(row["behavior"] != "HARNESS-ERROR" for row in rows.values()), rows
