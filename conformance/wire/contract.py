"""Where the contract asks more of a wire case than Autobahn does, as checks on its entry.

Autobahn sees the wire only: it accepts an empty close payload or a dropped TCP connection
where it expects 1002, and it cannot see the API. The contract (``API-CONTRACT.md``) can:
PR4 wants close code 1002 *and* ``'error'``, PR5 1007 and ``'error'``, PR6 the code it names
and ``'error'``, OR4 ``'error'`` before ``'close'``, PR3 no ``'error'`` for an unsolicited
pong. ``STRICTER`` attaches those checks to the Autobahn case ids they apply to (the cases
``cases/test_protocol.py`` once ran on steps of its own); ``catalogue`` puts them on the
entries, and ``cases/test_wire.py`` judges them (``judge``) beside Autobahn's grading, on the
same connection.

Close codes outside every range RFC 6455 defines (7.13.x: 5000, 65535) get no stricter check:
the contract (PR11, INFO) and Autobahn (INFORMATIONAL) both leave the answer open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

from .steps import INVALID_PAYLOAD, PROTOCOL_ERROR


class Demand(Enum):
    """What a contract check asks of the client."""

    CLOSE_CODE = "close code"  # the client's close frame carries one of ``codes``
    ERROR_EVENT = "error event"  # 'error' fires
    ERROR_BEFORE_CLOSE = "error before close"  # 'error' fires, and before 'close'
    NO_ERROR_EVENT = "no error event"  # 'error' never fires


@dataclass(frozen=True)
class ContractCheck:
    """One check the contract adds to an Autobahn case, on ``clause``."""

    clause: str
    demand: Demand
    codes: tuple[int, ...] = ()  # CLOSE_CODE: the codes the clause accepts

    def __post_init__(self) -> None:
        if (self.demand is Demand.CLOSE_CODE) != bool(self.codes):
            raise ValueError(f"{self}: a CLOSE_CODE check names its codes, no other does")


@dataclass(frozen=True)
class Observation:
    """What one connection showed, as the contract checks read it (the cases module fills it
    from the wire log and the trace)."""

    close_code: int | None  # the client's close code on the wire (None: no code sent)
    error_at: float | None  # when the first 'error' fired (None: never)
    close_at: float | None  # when 'close' fired (None: never)
    errors: tuple[object, ...]  # the 'error' events, as the report shows them
    order: tuple[str, ...]  # the events the observer saw, in order


@dataclass(frozen=True)
class Judgement:
    """A contract check's outcome with the evidence a report shows (``CaseContext.check``)."""

    clause: str
    passed: bool
    what: str
    expected: object
    observed: object


def judge(check: ContractCheck, seen: Observation) -> Judgement:
    """The outcome of ``check`` on what the connection showed."""
    if check.demand is Demand.CLOSE_CODE:
        accepted: object = check.codes[0] if len(check.codes) == 1 else list(check.codes)
        return Judgement(
            check.clause,
            seen.close_code in check.codes,
            "client's close code on the wire",
            accepted,
            seen.close_code,
        )
    if check.demand is Demand.ERROR_EVENT:
        return Judgement(
            check.clause,
            seen.error_at is not None,
            "'error' fires",
            "'error'",
            list(seen.errors[:1]) or "no 'error'",
        )
    if check.demand is Demand.ERROR_BEFORE_CLOSE:
        in_order = (
            seen.error_at is not None
            and seen.close_at is not None
            and seen.error_at <= seen.close_at
        )
        return Judgement(
            check.clause,
            in_order,
            "'error' before 'close'",
            "... 'error' ... 'close'",
            list(seen.order),
        )
    return Judgement(
        check.clause,
        seen.error_at is None,
        "no 'error' (an unsolicited pong is ignored)",
        [],
        list(seen.errors),
    )


def _fails_with(clause: str, *codes: int) -> tuple[ContractCheck, ...]:
    return (
        ContractCheck(clause, Demand.CLOSE_CODE, codes),
        ContractCheck(clause, Demand.ERROR_EVENT),
    )


_PR4 = (*_fails_with("PR4", PROTOCOL_ERROR), ContractCheck("OR4", Demand.ERROR_BEFORE_CLOSE))
_PR5 = _fails_with("PR5", INVALID_PAYLOAD)
_PR6 = _fails_with("PR6", PROTOCOL_ERROR)

# Autobahn case id -> the contract's checks on it.
STRICTER: Mapping[str, tuple[ContractCheck, ...]] = MappingProxyType(
    {
        "2.9": (ContractCheck("PR3", Demand.NO_ERROR_EVENT),),
        "2.5": _PR4,
        "3.1": _PR4,
        "3.2": _PR4,
        "3.4": _PR4,
        "4.1.1": _PR4,
        "4.2.1": _PR4,
        "5.1": _PR4,
        "5.9": _PR4,
        "5.18": _PR4,
        "6.3.1": _PR5,
        "6.3.2": _PR5,
        "6.4.1": (ContractCheck("PR5", Demand.CLOSE_CODE, (INVALID_PAYLOAD,)),),
        "7.3.2": _PR6,
        "7.5.1": _fails_with("PR6", PROTOCOL_ERROR, INVALID_PAYLOAD),
        "7.9.1": _PR6,
        "7.9.3": _PR6,
        "7.9.4": _PR6,
        "7.9.5": _PR6,
        "7.9.6": _PR6,
        "7.9.9": _PR6,
    }
)
