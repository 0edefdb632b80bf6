"""The catalogue's entry: one Autobahn case as a frozen record, and the shapes most cases take.

A ``WireCase`` says what the case is about (Autobahn's description and expectation, in our
words), the mock-server steps that play the fuzzing server's part (``steps``), the outcomes
Autobahn accepts (``expected()``: verdict -> the events the server must receive, in order),
the closing it expects (``expected_close``), the clauses it is graded on, and the checks the
contract adds beyond Autobahn's (``contract``, see ``contract.py``). ``grading.grade`` reads an
entry and a wire log; ``cases/test_wire.py`` runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from .contract import ContractCheck
from .events import NON_STRICT, OK, Event
from .steps import (
    ECHO_MS,
    INVALID_PAYLOAD,
    KILL_MS,
    NORMAL,
    PROTOCOL_ERROR,
    Step,
    client_must_fail,
    expect_all,
    server_closes,
)

Outcomes = Mapping[str, Sequence[Event]]

CLOSE_CLAUSE = "PR10"  # every case's closing, as Autobahn's behaviorClose
NON_STRICT_CLAUSE = "PR9"  # the message before the bad frame was not echoed


@dataclass(frozen=True)
class ExpectedClose:
    """Autobahn's ``expectedClose``: who sends the first close frame (``closed_by_server``:
    the fuzzer, ``closedByMe``), the close codes the client may answer with (an empty close
    payload passes too), whether both close frames must cross before TCP ends
    (``requireClean``), and whether the wrong endpoint closing fails the case's behaviour
    too (``closedByWrongEndpointIsFatal``, the invalid UTF-8 cases)."""

    closed_by_server: bool
    codes: tuple[int, ...]
    require_clean: bool
    wrong_endpoint_fatal: bool = False

    def as_json(self) -> dict[str, object]:
        """Autobahn's own field names, for a report's evidence."""
        return {
            "closedByMe": self.closed_by_server,
            "closeCode": list(self.codes),
            "requireClean": self.require_clean,
            "closedByWrongEndpointIsFatal": self.wrong_endpoint_fatal,
        }


ECHO_CLOSE = ExpectedClose(True, (NORMAL,), True)
FAIL_1002 = ExpectedClose(False, (PROTOCOL_ERROR,), False)
FAIL_1007 = ExpectedClose(False, (INVALID_PAYLOAD,), False, wrong_endpoint_fatal=True)


@dataclass(frozen=True)
class WireCase:
    """One Autobahn case. ``outcomes`` and ``reference`` are functions so that family 9's
    digests of up to 16 MiB are made when a case is graded, not when the catalogue loads."""

    id: str
    description: str
    expectation: str
    steps: tuple[Step, ...] = field(hash=False)
    outcomes: Callable[[], Outcomes] = field(hash=False, repr=False)
    expected_close: ExpectedClose
    clauses: tuple[str, ...]  # the main clause first: where a FAILED behaviour is graded
    non_strict_clause: str | None = None  # the SHOULD clause a NON-STRICT outcome fails
    informational: bool = False  # 7.1.6, 7.13.x: Autobahn reports INFORMATIONAL whatever happens
    wrong_code_fails: bool = False  # 7.x: a WRONG CODE close fails the behaviour too
    # INFORMATIONAL cases: what the reference does (the INFO checks pass when the IUT does it)
    reference: Callable[[], list[Event]] | None = field(default=None, hash=False, repr=False)
    reference_code: int | None = None
    timeout: float | None = None  # the case's own limit (family 9), else --case-timeout
    contract: tuple[ContractCheck, ...] = ()  # the contract's checks beyond Autobahn's

    @property
    def family(self) -> str:
        return self.id.split(".")[0]

    @property
    def group(self) -> str:
        return ".".join(self.id.split(".")[:2])

    def expected(self) -> dict[str, list[Event]]:
        """Autobahn's accepted outcomes (verdict word -> events), made once per case."""
        return _outcomes_of(self)


@cache
def _outcomes_of(case: WireCase) -> dict[str, list[Event]]:
    return {verdict: list(events) for verdict, events in case.outcomes().items()}


def outcomes(ok: list[Event], non_strict: list[Event] | None = None) -> Callable[[], Outcomes]:
    """Outcomes known when the case is built (small ones)."""
    found: dict[str, list[Event]] = (
        {OK: ok} if non_strict is None else {OK: ok, NON_STRICT: non_strict}
    )
    return lambda: found


def echo_case(
    case_id: str,
    description: str,
    expectation: str,
    sends: Sequence[Step],
    ok: list[Event],
    clauses: tuple[str, ...],
    ms: int = ECHO_MS,
) -> WireCase:
    """The fuzzer sends, the client echoes (or pongs), the fuzzer closes with 1000."""
    return WireCase(
        case_id,
        description,
        expectation,
        (*sends, *expect_all(ok, ms), *server_closes()),
        outcomes(ok),
        ECHO_CLOSE,
        (*clauses, CLOSE_CLAUSE),
    )


def fail_case(
    case_id: str,
    description: str,
    expectation: str,
    sends: Sequence[Step],
    clauses: tuple[str, ...],
    ok: list[Event] | None = None,
    non_strict: list[Event] | None = None,
    close: ExpectedClose = FAIL_1002,
    ms: int = KILL_MS,
) -> WireCase:
    """The fuzzer breaks a rule; the client must fail the connection (close first). With
    ``non_strict``, an outcome Autobahn accepts as NON-STRICT, graded on PR9 (SHOULD)."""
    ok = ok or []
    lenient = non_strict is not None
    return WireCase(
        case_id,
        description,
        expectation,
        (*sends, *expect_all(ok, ms), *client_must_fail(ms)),
        outcomes(ok, non_strict),
        close,
        (*clauses, *((NON_STRICT_CLAUSE,) if lenient else ()), CLOSE_CLAUSE),
        non_strict_clause=NON_STRICT_CLAUSE if lenient else None,
    )
