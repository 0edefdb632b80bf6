"""The Autobahn catalogue and its grading, as pure functions over hand-made wire logs."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from typing import Any

import pytest

from conformance.clauses import clause
from conformance.wire import catalogue, contract, events, grading, utf8
from conformance.wire.catalogue import BY_ID, CASES
from conformance.wire.steps import script
from mockserver import parse_script

AUTOBAHN_COUNTS = {"1": 16, "2": 11, "3": 7, "4": 10, "5": 20, "6": 145, "7": 37, "9": 54, "10": 1}


def test_every_autobahn_case_once_with_a_valid_script_and_clauses() -> None:
    assert catalogue.family_counts() == AUTOBAHN_COUNTS
    assert len(BY_ID) == len(CASES) == 301
    for case in CASES:
        parse_script({"steps": script(case.steps)})
        levels = [clause(c).level for c in case.clauses]
        assert case.clauses[-1] == "PR10", case.id
        if case.informational:
            assert case.clauses[0] == "PR11" and levels[0] == "INFO", case.id
        else:
            assert levels[0] == "MUST", case.id
        if events.NON_STRICT in case.expected() and not case.informational:
            assert case.non_strict_clause in case.clauses, case.id
            assert clause(case.non_strict_clause).level == "SHOULD", case.id


def test_utf8_sequences_are_autobahns() -> None:
    """6.5-6.23 as Autobahn generates them: group sizes, and validity as Python decodes."""
    sizes = [len(items) for _, items in utf8.utf8_sequences()]
    assert sizes == [5, 11, 4, 2, 4, 3, 5, 8, 5, 10, 1, 3, 5, 5, 5, 7, 8, 34, 7]
    for _, items in utf8.utf8_sequences():
        for valid, payload in items:
            assert valid == utf8._valid_utf8(payload), payload.hex()


# -- hand-made wire logs ---------------------------------------------------------------------


def _frame(direction: str, opcode: int, payload: bytes = b"", **flags: Any) -> dict[str, Any]:
    record = {
        "t": 0.0,
        "dir": direction,
        "opcode": opcode,
        "fin": flags.get("fin", True),
        "rsv1": flags.get("rsv1", False),
        "rsv2": False,
        "rsv3": False,
        "length": len(payload),
        "text": None,
        "b64": base64.b64encode(payload).decode(),
        "truncated": False,
    }
    return record


def _log(*items: Any, notes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Frames in order (t increasing); an ``("in-message", kind, payload)`` item is a message
    the server read (a frame and its message record)."""
    frames, messages = [], []
    close: dict[str, Any] = {"in": None, "out": None, "first": None}
    for i, item in enumerate(items):
        if isinstance(item, tuple):
            _, kind, payload = item
            frames.append(_frame("in", 1 if kind == "text" else 2, payload))
            messages.append(
                {
                    "t": i,
                    "dir": "in",
                    "kind": kind,
                    "len": len(payload),
                    "sha256": hashlib.sha256(payload).hexdigest(),
                }
            )
        else:
            frames.append(item)
        frames[-1]["t"] = float(i)
        f = frames[-1]
        if f["opcode"] == 8 and close[f["dir"]] is None:
            raw = base64.b64decode(f["b64"])
            code = int.from_bytes(raw[:2], "big") if len(raw) >= 2 else None
            close[f["dir"]] = {"code": code}
            close["first"] = close["first"] or ("client" if f["dir"] == "in" else "server")
    return {
        "handshake": {"response_status": 101},
        "frames": frames,
        "messages": messages,
        "close": close,
        "notes": notes or [],
    }


def _close(direction: str, code: int | None) -> dict[str, Any]:
    return _frame(direction, 8, b"" if code is None else code.to_bytes(2, "big"))


def test_echo_then_clean_close_is_ok() -> None:
    payload = b"*" * 125
    log = _log(
        _frame("out", 1, payload),
        ("in-message", "text", payload),
        _close("out", 1000),
        _close("in", 1000),
    )
    graded = grading.grade(BY_ID["1.1.2"], log)
    assert (graded.behavior, graded.behavior_close) == ("OK", "OK")
    assert graded.received == [events.text(payload)]


def test_a_corrupted_or_missing_echo_is_failed() -> None:
    closing = (_close("out", 1000), _close("in", 1000))
    corrupted = _log(_frame("out", 1, b"*"), ("in-message", "text", b"+"), *closing)
    assert grading.grade(BY_ID["1.1.2"], corrupted).behavior == "FAILED"
    missing = _log(_frame("out", 1, b"*"), *closing)
    assert grading.grade(BY_ID["1.1.2"], missing).behavior == "FAILED"


def test_no_echo_before_a_protocol_error_is_non_strict() -> None:
    log = _log(_frame("out", 1, b"Hello, world!"), _close("in", 1002), _close("out", 1002))
    graded = grading.grade(BY_ID["3.2"], log)
    assert (graded.behavior, graded.behavior_close) == ("NON-STRICT", "OK")


def test_close_by_the_wrong_endpoint_unclean_and_wrong_code() -> None:
    never_failed = _log(_frame("out", 1, b"x", rsv1=True), _close("out", 1001), _close("in", 1001))
    graded = grading.grade(BY_ID["3.1"], never_failed)
    assert (graded.behavior, graded.behavior_close) == ("OK", "FAILED")
    unclean = _log(_close("out", 1000))
    assert grading.grade(BY_ID["7.3.3"], unclean).behavior_close == "UNCLEAN"
    wrong = _log(_close("out", 1003), _close("in", 1001))
    graded = grading.grade(BY_ID["7.7.4"], wrong)
    assert (graded.behavior, graded.behavior_close, graded.cause) == (
        "FAILED",
        "WRONG CODE",
        "wrong code",
    )
    assert graded.close_verdict == "FAILED"


def test_an_empty_close_payload_passes_and_a_dropped_tcp_passes_where_allowed() -> None:
    empty_answer = _log(_close("out", 1000), _close("in", None))
    assert grading.grade(BY_ID["7.3.3"], empty_answer).behavior_close == "OK"
    dropped = _log(_frame("out", 1, b"x", rsv1=True))
    assert grading.grade(BY_ID["3.1"], dropped).behavior_close == "OK"


def test_invalid_utf8_let_through_fails_the_behaviour_too() -> None:
    payload = bytes.fromhex("80")
    case = BY_ID["6.12.1"]  # "Unexpected continuation bytes": 80
    assert case.expected_close.wrong_endpoint_fatal and payload.hex() in case.description
    log = _log(_frame("out", 1, payload), _close("out", 1001), _close("in", 1001))
    graded = grading.grade(case, log)
    assert (graded.behavior, graded.behavior_close, graded.cause) == (
        "FAILED",
        "FAILED",
        "wrong endpoint",
    )


def test_a_close_frame_with_rsv_bits_is_not_a_close() -> None:
    log = _log(_frame("out", 8, b"", rsv1=True), _close("in", 1002))
    facts = grading.close_facts(log)
    assert (facts.closed_by_server, facts.clean, facts.code) == (False, False, 1002)
    assert grading.grade(BY_ID["3.7"], log).behavior_close == "OK"


def test_fail_fast_marks() -> None:
    def marks(*names: str) -> list[dict[str, Any]]:
        return [{"t": 0.5 + i / 10, "kind": "mark", "detail": n} for i, n in enumerate(names)]

    closing = (_close("in", 1007), _close("out", 1007))
    fast = _log(_frame("out", 1, b"x", fin=False), *closing, notes=marks("A"))
    assert grading.grade(BY_ID["6.4.1"], fast).behavior == "OK"
    late = _log(_frame("out", 1, b"x", fin=False), *closing, notes=marks("A", "B"))
    assert grading.grade(BY_ID["6.4.1"], late).behavior == "NON-STRICT"
    too_early = _log(_frame("out", 1, b"x", fin=False), *closing)
    assert grading.grade(BY_ID["6.4.1"], too_early).behavior == "FAILED"


def test_pongs_pings_and_unread_messages_from_frames() -> None:
    log = _log(
        _frame("in", 10, b"ping payload"),
        _frame("in", 9, b"?"),
        _frame("in", 1, b"frag", fin=False),
        _frame("in", 0, b"ment"),
        _close("in", 1000),
        _frame("in", 1, b"after the close"),
    )
    assert grading.received(log) == [
        events.pong(b"ping payload"),
        ("ping", b"?".hex()),
        events.text(b"fragment"),
    ]


@pytest.mark.parametrize("case_id", ["7.1.6", "7.13.1", "7.13.2"])
def test_informational_cases_are_informational_whatever_happens(case_id: str) -> None:
    graded = grading.grade(BY_ID[case_id], _log(_frame("in", 1, b"junk")))
    assert (graded.behavior, graded.behavior_close) == ("INFORMATIONAL", "INFORMATIONAL")
    # nothing closed: for 7.1.6 and 7.13.x the server should have closed first
    assert graded.raw_close == "FAILED"


def test_no_log_no_handshake() -> None:
    assert grading.grade(BY_ID["1.1.1"], None).behavior == "FAILED"
    log = _log()
    log["handshake"] = {"response_status": 403}
    graded = grading.grade(BY_ID["1.1.1"], log)
    assert (graded.behavior, graded.behavior_close, graded.cause) == (
        "FAILED",
        "FAILED",
        "handshake",
    )


# -- one source of Autobahn's cases, with the contract's checks on its entries -----------------


def test_the_close_code_5000_answer_is_graded_once_and_informational() -> None:
    """Issue 16: an answer to the server's close code 5000 was FAILED in test_protocol (PR6)
    and INFORMATIONAL in the wire case. RFC 6455 defines no code past 4999 and says nothing
    of the answer; the contract (PR11, INFO) and Autobahn (7.13.1) leave it open. One case,
    one grade: INFORMATIONAL, with no contract check that could fail it."""
    case = BY_ID["7.13.1"]
    assert case.contract == () and case.informational
    assert clause(case.clauses[0]).level == "INFO"
    for answer in (5000, 1000, 1002, None):
        log = _log(_close("out", 5000), _close("in", answer))
        graded = grading.grade(case, log)
        assert (graded.behavior, graded.behavior_close) == ("INFORMATIONAL", "INFORMATIONAL")
    assert "protocol.7_invalid_close[7.13.1-code-5000]" in catalogue.RENAMED


def test_contract_checks_sit_on_existing_cases_and_their_declared_clauses() -> None:
    from conformance.context import ALWAYS_CHECKED

    assert set(contract.STRICTER) <= set(BY_ID)
    for case in CASES:
        assert case.contract == contract.STRICTER.get(case.id, ()), case.id
        for check in case.contract:
            assert check.clause in set(case.clauses) | ALWAYS_CHECKED, (case.id, check)
    assert all(t in {f"wire.autobahn[{c}]" for c in BY_ID} for t in catalogue.RENAMED.values())


def test_entries_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        BY_ID["1.1.1"].id = "x"  # type: ignore[misc]


def _seen(code: int | None, error_at: float | None, close_at: float | None) -> contract.Observation:
    return contract.Observation(code, error_at, close_at, (), ())


def test_the_contract_is_stricter_than_autobahn_on_the_close_code() -> None:
    """Autobahn's behaviorClose accepts an empty close payload where it expects 1002; PR4
    wants 1002 itself, and 'error' before 'close'."""
    case = BY_ID["3.1"]
    log = _log(_frame("out", 1, b"x", rsv1=True), _close("in", None), _close("out", None))
    assert grading.grade(case, log).behavior_close == "OK"
    judged = {c.demand: contract.judge(c, _seen(None, 1.0, 2.0)) for c in case.contract}
    assert not judged[contract.Demand.CLOSE_CODE].passed
    assert judged[contract.Demand.ERROR_EVENT].passed
    assert judged[contract.Demand.ERROR_BEFORE_CLOSE].passed
    late = {c.demand: contract.judge(c, _seen(1002, 3.0, 2.0)) for c in case.contract}
    assert late[contract.Demand.CLOSE_CODE].passed
    assert not late[contract.Demand.ERROR_BEFORE_CLOSE].passed
    never = contract.judge(BY_ID["2.9"].contract[0], _seen(1000, 1.0, 2.0))
    assert never.clause == "PR3" and not never.passed
    either = BY_ID["7.5.1"].contract[0]
    assert [contract.judge(either, _seen(c, None, None)).passed for c in (1002, 1007, 1000)] == [
        True,
        True,
        False,
    ]


def test_a_close_code_check_names_its_codes() -> None:
    with pytest.raises(ValueError, match="names its codes"):
        contract.ContractCheck("PR4", contract.Demand.CLOSE_CODE)
