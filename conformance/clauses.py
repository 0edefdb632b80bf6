"""The contract's clauses, read from the shipped copy of API-CONTRACT.md (one source of truth)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CONTRACT = Path(__file__).parent / "data" / "API-CONTRACT.md"
_ROW = re.compile(r"^\|\s*([A-Z]{1,2}\d+)\s*\|\s*(MUST|SHOULD|INFO)\s*\|\s*(.+?)\s*\|\s*$")


@dataclass(frozen=True)
class Clause:
    id: str
    level: str
    text: str


@cache
def clauses() -> dict[str, Clause]:
    table: dict[str, Clause] = {}
    for line in CONTRACT.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            table[match[1]] = Clause(match[1], match[2], match[3])
    return table


def clause(clause_id: str) -> Clause:
    try:
        return clauses()[clause_id]
    except KeyError:
        raise KeyError(f"no clause {clause_id!r} in {CONTRACT.name}") from None
