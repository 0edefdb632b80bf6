"""The contract's clauses, read from the shipped copy of API-CONTRACT.md (one source of truth)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CONTRACT = Path(__file__).parent / "data" / "API-CONTRACT.md"
_ROW = re.compile(r"^\|\s*([A-Z]{1,2}\d+)\s*\|\s*(MUST|SHOULD|INFO)\s*\|\s*(.+?)\s*\|\s*$")
# The contract's one line naming the clauses ``behaviorClose`` grades ("Levels and verdicts").
_CLOSING = re.compile(r"^Closing clauses:\s*(.+?)\.?\s*$")


@dataclass(frozen=True)
class Clause:
    id: str
    level: str
    text: str


def _contract_lines() -> list[str]:
    return CONTRACT.read_text(encoding="utf-8").splitlines()


@cache
def clauses() -> dict[str, Clause]:
    table: dict[str, Clause] = {}
    for line in _contract_lines():
        match = _ROW.match(line)
        if match:
            table[match[1]] = Clause(match[1], match[2], match[3])
    return table


def clause(clause_id: str) -> Clause:
    try:
        return clauses()[clause_id]
    except KeyError:
        raise KeyError(f"no clause {clause_id!r} in {CONTRACT.name}") from None


@cache
def closing_clauses() -> frozenset[str]:
    """The clauses whose checks make a case's ``behaviorClose``: the contract's line
    ``Closing clauses: CL2, CL3, ...``. A contract without that line, or one naming a clause
    it does not define, is a defect of the shipped data: ``ValueError`` naming the mend."""
    found = [m[1] for m in map(_CLOSING.match, _contract_lines()) if m]
    if len(found) != 1:
        raise ValueError(
            f"{CONTRACT.name}: {len(found)} 'Closing clauses:' lines; it needs exactly one "
            "(see its section 'Levels and verdicts')"
        )
    ids = frozenset(part.strip() for part in found[0].split(","))
    unknown = sorted(ids - set(clauses()))
    if unknown:
        raise ValueError(
            f"{CONTRACT.name}: 'Closing clauses:' names {', '.join(unknown)}, which it does not "
            "define: list clause ids of its tables"
        )
    return ids
