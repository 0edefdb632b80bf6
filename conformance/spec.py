"""What a case is: ``CaseSpec``, built once at collection from the case's ``case`` marker.

A case reads its spec (``ctx.spec``) and never edits it: ``refine(*clauses)`` returns a new spec
whose main clause, and so whose level, follow the refined clauses. The marker's ``overload``
and ``cells`` may be functions of the case's parameters (``lambda p: ...``); they are applied
here, once, so the spec of every parametrized item is complete before the case runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pytest

from .clauses import clause

Params = Mapping[str, Any]  # a case's parameters, by name (pytest's callspec.params)
CellSpec = Iterable[str] | Callable[[Params], Iterable[str]]
OverloadSpec = str | Callable[[Params], str]
TRANSPORT_PARAM = "conformance_transport"  # the parameter --transport adds to every case

MARKER_FIELDS = frozenset(
    (
        "area",
        "method",
        "overload",
        "clauses",
        "description",
        "expectation",
        "timeout",
        "cells",
        "needs",
        "perf",
    )
)


class UndeclaredClause(Exception):
    """A case checked (or refined to) a clause it does not declare: a defect of the case
    (HARNESS-ERROR, never the implementation's FAILED)."""


@dataclass(frozen=True)
class CaseSpec:
    """One collected case: its id, labels, clauses and what it needs.

    ``clauses`` are those the case judges (main clause first); ``declared`` those its marker
    names (what ``refine`` may narrow to). ``level`` is always the main clause's level."""

    case_id: str
    area: str
    method: str
    overload: str
    clauses: tuple[str, ...]
    declared: tuple[str, ...]
    level: str
    description: str
    expectation: str
    cells: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    timeout: float | str | None = None  # seconds, AFTER_*_TIMEOUT, or None: --case-timeout
    transport: str = "ws"
    perf: str | None = None  # wire-perf cases: "sample" or "full"

    @property
    def main_clause(self) -> str:
        return self.clauses[0]

    def refine(self, *clauses: str) -> CaseSpec:
        """The spec judging only ``clauses`` (a subset of the declared ones, main clause
        first); the level is re-derived from the new main clause. ``UndeclaredClause`` for an
        empty or wider set."""
        declared = set(self.declared)
        extra = [c for c in clauses if c not in declared]
        if not clauses or extra:
            raise UndeclaredClause(
                f"refine({', '.join(clauses)}): not a subset of the declared clauses "
                f"({', '.join(sorted(declared))})"
            )
        return replace(self, clauses=tuple(clauses), level=clause(clauses[0]).level)

    @classmethod
    def from_marker(
        cls,
        marker: pytest.Mark,
        name: str,
        params: Params,
        callspec_id: str = "",
    ) -> CaseSpec:
        """The spec of one item: ``name`` is the test function's name without ``test_``,
        ``params`` its parameters and ``callspec_id`` pytest's id for them (``--transport``'s
        parameter included; it is taken out of the case id again, and ``@wss`` added)."""
        kwargs = dict(marker.kwargs)
        unknown = set(kwargs) - MARKER_FIELDS
        if unknown:
            raise TypeError(
                f"case marker of {name}: unknown field(s) {sorted(unknown)}; "
                f"the marker takes {sorted(MARKER_FIELDS)}"
            )
        own = {k: v for k, v in params.items() if k != TRANSPORT_PARAM}
        transport = str(params.get(TRANSPORT_PARAM, "ws"))
        ident = callspec_id
        if TRANSPORT_PARAM in params:
            ident = ident.removesuffix(transport).removesuffix("-")
        area = str(kwargs["area"])
        case_id = f"{area}.{name}" + (f"[{ident}]" if ident else "")
        clauses = tuple(str(c) for c in kwargs["clauses"])
        overload: OverloadSpec = kwargs.get("overload", kwargs["method"])
        cells: CellSpec | None = kwargs.get("cells")
        return cls(
            case_id=case_id + ("@wss" if transport == "wss" else ""),
            area=area,
            method=str(kwargs["method"]),
            overload=str(overload(own) if callable(overload) else overload),
            clauses=clauses,
            declared=tuple(sorted(clauses)),
            level=clause(clauses[0]).level,
            description=str(kwargs["description"]),
            expectation=str(kwargs["expectation"]),
            cells=_cells(cells, own),
            needs=tuple(str(n) for n in kwargs.get("needs", ())),
            timeout=kwargs.get("timeout"),
            transport=transport,
            perf=kwargs.get("perf"),
        )


def _cells(spec: CellSpec | None, params: Params) -> tuple[str, ...]:
    """The cells a case fills, from its marker's ``cells`` and its parameters."""
    if spec is None:
        return ()
    cells = spec(params) if callable(spec) else spec
    return tuple(dict.fromkeys(str(c) for c in cells))


CASE_KEY = pytest.StashKey[CaseSpec]()  # item.stash[CASE_KEY]: the spec of a case item


def spec_of(item: pytest.Item) -> CaseSpec | None:
    """The spec of a collected case item (None for any other test)."""
    return item.stash.get(CASE_KEY, None)
