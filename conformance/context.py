"""What a case works with (``ctx``): the IUT session, the mock server, checks, the verdict.

Data flows one way: the case tells the mock server what to do (a URL or a script), drives
the IUT, and records checks; ``finish`` adds the ordering invariants and turns it all into
the verdict and the per-case report.
"""

from __future__ import annotations

import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Any

from mockserver import MockServer
from mockserver.records import ConnectionEntry

from .clauses import clause, closing_clauses
from .iut import CALLBACK, IUT, DriverInfo, Session, Subscriber, TraceEntry
from .iut.api import CallOutcome
from .ordering import OBSERVER, ordering_violations
from .results import CaseResult, CaseRow, Check, report_filename
from .spec import CaseSpec, UndeclaredClause
from .verdicts import FAILED, HARNESS_ERROR, UNIMPLEMENTED, Verdict, check_verdict, worst

EVENT_TYPES = ("open", "message", "close", "error")
# A case whose marker says ``timeout=AFTER_CLOSE_TIMEOUT`` gets the IUT's close timeout plus
# CLOSE_MARGIN plus CONNECT_ALLOWANCE seconds (it waits out a close timeout on purpose).
AFTER_CLOSE_TIMEOUT = "after-close-timeout"
# ... and ``timeout=AFTER_HANDSHAKE_TIMEOUT`` the IUT's handshake timeout plus the same.
AFTER_HANDSHAKE_TIMEOUT = "after-handshake-timeout"
DEFAULT_HANDSHAKE_TIMEOUT = 20.0  # when neither the driver's hello nor --handshake-timeout says
CLOSE_MARGIN = 3.0
CONNECT_ALLOWANCE = 5.0
DEFAULT_CLOSE_TIMEOUT = 10.0  # when neither the driver's hello nor --close-timeout says
MAX_CLOSE_TIMEOUT = 100.0  # the mock server stalls at most 120 s
# How long a case waits for the 'open' it needs (bounded by the case's deadline). The
# connection's end ('error', 'close', a rejected connect) ends the wait at once.
OPEN_WAIT = 5.0
# The clause a case's precondition is graded on: it needed an open connection to a server that
# accepts it, and 'open' never came (CN4: on success, 'open' fires once).
PRECONDITION_CLAUSE = "CN4"
# Clauses every case may check whatever it declares: the ordering invariants (finish), the
# driver's own protocol (DP1), and the precondition above.
ALWAYS_CHECKED = frozenset(("OR1", "OR2", "OR3", "OR4", "OR5", "DP1", PRECONDITION_CLAUSE))
# Checks on these clauses grade the closing behaviour, reported apart as ``behaviorClose``:
# the contract's own list ("Closing clauses:", section "Levels and verdicts").
CLOSE_CLAUSES = closing_clauses()


class PreconditionFailed(Exception):
    """What the case needs never happened (the connection never opened): the case ends at
    once, graded on ``PRECONDITION_CLAUSE`` with this evidence, and on nothing else."""

    def __init__(self, what: str, observed: Any) -> None:
        super().__init__(what)
        self.what = what
        self.observed = observed


__all__ = ["CLOSE_CLAUSES", "CaseContext", "Check", "PreconditionFailed", "UndeclaredClause"]


@dataclass
class CaseContext:
    """One running case. ``spec`` is what it is (read it, never edit it: ``refine`` replaces
    it with a narrower one); ``checks`` what it observed so far."""

    iut: IUT
    server: MockServer
    spec: CaseSpec
    timeout: float
    session: Session = field(init=False)
    checks: list[Check] = field(default_factory=list)
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    harness_error: str | None = None  # the suite's own fault: the case's verdict is void
    iut_error: str | None = None  # the IUT hung, crashed, or its driver broke the protocol
    missing_feature: str | None = None  # a driver feature the case needs and the driver lacks
    close_timeout: float = 10.0  # the IUT's close timeout (hello, or --close-timeout)
    handshake_timeout: float = 20.0  # the IUT's handshake timeout (hello, --handshake-timeout)
    transport: str = "ws"  # "wss": every URL of the case goes to the TLS listener
    started: float = field(default_factory=time.monotonic)
    wirelog: list[ConnectionEntry] = field(default_factory=list)  # the case file's (finish)
    verdict: Verdict = FAILED
    verdict_close: Verdict = FAILED
    duration_ms: int = 0

    def __post_init__(self) -> None:
        self.session = self.iut.session(self.timeout)

    @property
    def case_id(self) -> str:
        return self.spec.case_id

    # -- talking to the mock server -------------------------------------------------------------

    def url(self, route: str, **query: Any) -> str:
        """A ws:// URL on the mock server, tagged so the case finds its connections."""
        query["tag"] = self.tag
        sep = "&" if "?" in route else "?"
        base = self.server.wss_url if self.transport == "wss" else self.server.ws_url
        return f"{base}{route}{sep}{urllib.parse.urlencode(query)}"

    def script_url(
        self, steps: list[dict[str, Any]], handshake: dict[str, Any] | None = None
    ) -> str:
        document: dict[str, Any] = {"steps": steps}
        if handshake:
            document["handshake"] = handshake
        return self.url(self.server.add_script(document))

    def server_log(self, timeout: float = 3.0) -> ConnectionEntry | None:
        """The first connection of this case as the server saw it, once TCP ended."""
        left = max(0.05, min(timeout, self.session.deadline - time.monotonic()))
        return self.server.wirelog.wait_entry_sync(self.tag, left)

    # -- talking to the IUT ---------------------------------------------------------------------

    def socket(self, observe: bool = True) -> str:
        """createWebSocket(), with the suite's observer on every event (for OR1–OR4)."""
        sock = self.session.create()
        if observe:
            for event in EVENT_TYPES:
                self.session.call(sock, "on", event, Subscriber(OBSERVER))
        return sock

    def invoke(self, sock: str, method: str, style: str, *args: Any) -> CallOutcome:
        """A call in callback style (a recording callback last) or promise style."""
        if style == "callback":
            return self.session.call(sock, method, *args, CALLBACK)
        return self.session.call(sock, method, *args, promise=True)

    def settle(
        self, sock: str, method: str, style: str, *args: Any, timeout: float = 5.0
    ) -> TraceEntry | None:
        """Invoke and wait for the settlement; the ``result`` entry (``err``, ``value``)."""
        outcome = self.invoke(sock, method, style, *args)
        if outcome.raised is not None:
            return TraceEntry(kind="raised", err=outcome.raised)
        return self.session.result(outcome, timeout)

    def open(
        self, sock: str, url: str, *args: Any, style: str = "promise", sub: str = OBSERVER
    ) -> CallOutcome:
        """``connect(url, *args)`` and wait for ``'open'``: what a case does before it talks.

        The contract lets ``connect`` settle before or after the handshake (CN12), so a case
        acts on ``'open'``, never on the settlement. Returns the connect call (its settlement
        can be read later); raises ``PreconditionFailed`` when the connection ends or the wait
        runs out first, so the case ends at once instead of timing out step by step.
        """
        start = len(self.session.trace)
        outcome = self.invoke(sock, "connect", style, url, *args)
        if outcome.raised is not None:
            raise PreconditionFailed("connect raised", outcome.raised)
        self.wait_open(sock, sub=sub, connect=outcome, after=start)
        return outcome

    def wait_open(
        self,
        sock: str,
        timeout: float = OPEN_WAIT,
        sub: str = OBSERVER,
        connect: CallOutcome | None = None,
        after: int = 0,
    ) -> TraceEntry:
        """The ``'open'`` event of ``sock`` as ``sub`` saw it; ``PreconditionFailed`` when
        ``'error'``/``'close'`` comes first, ``connect`` settles with an error, or none comes
        within ``timeout``. Only trace entries from index ``after`` on count (an earlier
        connection of the same object has its own 'open')."""

        def decisive(e: TraceEntry) -> bool:
            if e.kind == "event" and e.socket == sock and e.sub == sub:
                return e.type in ("open", "error", "close")
            return (
                connect is not None
                and e.kind == "result"
                and e.call == connect.call
                and e.err is not None
            )

        entry = self.session.wait_for(decisive, timeout, after=after)
        if entry is not None and entry.kind == "event" and entry.type == "open":
            return entry
        if entry is None:
            what = f"no 'open' within {timeout:g} s of connect"
        elif entry.kind == "result":
            what = "connect failed on a server that accepts the connection"
        else:
            what = f"'{entry.type}' instead of 'open' on a server that accepts the connection"
        raise PreconditionFailed(what, entry)

    def close_and_wait(
        self, sock: str, *args: Any, style: str = "promise", timeout: float = 5.0
    ) -> TraceEntry | None:
        """``close(*args)`` and wait for its ``'close'`` event too: what a case does before it
        reuses the object (CN11: after ``'close'``, ``connect`` works again). ``close`` may
        settle before ``'close'`` fires (CL12). Returns the settlement."""
        start = len(self.session.trace)
        result = self.settle(sock, "close", style, *args, timeout=timeout)
        self.session.wait_for(
            lambda e: (
                e.kind == "event" and e.socket == sock and e.type == "close" and e.sub == OBSERVER
            ),
            timeout,
            after=start,
        )
        return result

    def events(self, sock: str, event_type: str, sub: str = OBSERVER) -> list[TraceEntry]:
        return self.session.entries(
            lambda e: (
                e.kind == "event" and e.socket == sock and e.type == event_type and e.sub == sub
            )
        )

    def wait_event(
        self,
        sock: str,
        event_type: str | tuple[str, ...],
        timeout: float = 5.0,
        sub: str = OBSERVER,
    ) -> TraceEntry | None:
        """The first ``event_type`` event on ``sock`` (one of them, for a tuple: e.g. a
        'message' or the 'close' after which none can come), or None after ``timeout``."""
        types = (event_type,) if isinstance(event_type, str) else event_type
        return self.session.wait_for(
            lambda e: e.kind == "event" and e.socket == sock and e.type in types and e.sub == sub,
            timeout,
        )

    # -- checks -----------------------------------------------------------------------------

    def check(self, clause_id: str, passed: bool, what: str, expected: Any, observed: Any) -> bool:
        """Record one observation: ``expected`` and ``observed`` are the evidence the report
        shows, so a reader can judge the verdict without rerunning the case."""
        if clause_id not in self.allowed_clauses():
            raise UndeclaredClause(
                f"a check on {clause_id}, which the case does not declare "
                f"({', '.join(self.spec.clauses)}): a case judges only the clauses it names"
            )
        level = clause(clause_id).level
        self.checks.append(
            Check(
                clause_id,
                level,
                bool(passed),
                check_verdict(level, passed),
                what,
                expected,
                observed,
            )
        )
        return bool(passed)

    def allowed_clauses(self) -> frozenset[str]:
        """The clauses this case may check: those it declares, and ``ALWAYS_CHECKED``."""
        return frozenset(self.spec.clauses) | ALWAYS_CHECKED

    def refine(self, *clauses: str) -> None:
        """Narrow the case's clauses to those this parameter set judges (a subset of what its
        marker declares, main clause first); the row's level follows the new main clause
        (``CaseSpec.refine``). The collected spec is left as it was."""
        self.spec = self.spec.refine(*clauses)

    def precondition_failed(self, exc: PreconditionFailed) -> None:
        """Grade the unmet precondition (on ``PRECONDITION_CLAUSE``) and nothing else."""
        self.check(PRECONDITION_CLAUSE, False, f"precondition: {exc.what}", "'open'", exc.observed)

    def unimplemented(self, what: str) -> None:
        """The IUT lacks an optional feature the case needs: UNIMPLEMENTED on its main clause."""
        main = self.spec.main_clause
        self.checks.append(Check(main, clause(main).level, False, UNIMPLEMENTED, what, None, None))

    def check_equal(self, clause_id: str, what: str, expected: Any, observed: Any) -> bool:
        return self.check(clause_id, expected == observed, what, expected, observed)

    # -- the end of a case --------------------------------------------------------------------

    def finish(self) -> None:
        """End the case: reset the IUT, run the ordering invariants, and grade.

        A harness error voids the verdict (``HARNESS-ERROR``: the suite's fault, never the
        implementation's). Otherwise the verdict is the worst of the checks, and FAILED when
        the IUT hung, crashed or its driver broke the protocol (DP1).
        """
        reset_error = self.session.close()
        self.iut_error = self.iut_error or reset_error
        if not self.wirelog:
            self.wirelog = self.server.wirelog.entries(self.tag)
        complete = all(not e.dropped.messages for e in self.wirelog)
        server_messages = [  # OR3 compares orders only on a log that kept every message
            m.to_json()
            for entry in (self.wirelog if complete else [])
            for m in entry.messages_of("out")
        ]
        for clause_id, what in ordering_violations(self.session.trace, server_messages):
            self.check(clause_id, False, what, "contract order", "see trace")
        for entry in self.session.entries(lambda e: e.kind == "protocol_error"):
            self.check("DP1", False, "the driver's output", "protocol lines", entry.message)
        if self.harness_error is None and not self.checks and self.iut_error is None:
            self.harness_error = "the case made no check (a defect of the case)"
        verdicts = [c.verdict for c in self.checks]
        if self.iut_error is not None:
            verdicts.append(FAILED)
        self.verdict = HARNESS_ERROR if self.harness_error else worst(verdicts)
        self.verdict_close = worst([c.verdict for c in self.checks if c.clause in CLOSE_CLAUSES])
        self.duration_ms = int((time.monotonic() - self.started) * 1000)

    def result(self, agent: str, driver: DriverInfo | None = None) -> CaseResult:
        spec = self.spec
        row = CaseRow(
            case_id=self.case_id,
            behavior=self.verdict,
            behaviorClose=self.verdict_close,
            duration=self.duration_ms,
            remoteCloseCode=self.remote_close_code(),
            reportfile=report_filename(agent, self.case_id),
            clause=spec.clauses,
            level=spec.level,
            area=spec.area,
            method=spec.method,
            overload=spec.overload,
            cells=spec.cells,
        )
        return CaseResult(
            row=row,
            agent=agent,
            description=spec.description,
            expectation=spec.expectation,
            checks=tuple(self.checks),
            trace=tuple(self.session.trace),
            wirelog=tuple(self.wirelog),
            harness_error=self.harness_error,
            iut_error=self.iut_error,
            trace_dropped=dict(self.session.dropped),
            driver=driver,
            # issue 17: where the trace's t = 0 lies on the wall clock, which the wire log's
            # connections use ("started"), so a case page puts both on one time line
            trace_origin=time.time() - (time.monotonic() - self.session.t0),
        )

    def remote_close_code(self) -> int | None:
        for entry in self.wirelog:
            if entry.close.incoming is not None:
                return entry.close.incoming.code
        return None
