"""Reading report directories: every ``ROOT/<agent>/index.json`` is one agent's column."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# HARNESS-ERROR: the suite broke in that case and judged nothing (never the IUT's FAILED).
VERDICTS = (
    "OK",
    "NON-STRICT",
    "INFORMATIONAL",
    "UNIMPLEMENTED",
    "FAILED",
    "HARNESS-ERROR",
    "MISSING",
)
AREAS = ("module", "connect", "send", "close", "events", "ordering", "errors", "protocol")


@dataclass
class Matrix:
    agents: list[str] = field(default_factory=list)
    dirs: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # case -> agent -> row

    def verdict(self, case_id: str, agent: str) -> str:
        row = self.rows[case_id].get(agent)
        return "MISSING" if row is None else str(row["behavior"])

    def area(self, case_id: str) -> str:
        row = next(iter(self.rows[case_id].values()))
        return str(row.get("area") or case_id.split(".", 1)[0])

    def ordered_cases(self) -> list[str]:
        def key(case_id: str) -> tuple[int, str]:
            area = self.area(case_id)
            return (AREAS.index(area) if area in AREAS else len(AREAS), case_id)

        return sorted(self.rows, key=key)


def load_root(root: Path) -> Matrix:
    """Every ``root/<agent>/index.json``; or ``root/index.json`` when root is one agent's dir."""
    matrix = Matrix()
    single = Path(root) / "index.json"
    for index in [single] if single.exists() else sorted(Path(root).glob("*/index.json")):
        data = json.loads(index.read_text("utf-8"))
        for agent, cases in data.items():
            matrix.agents.append(agent)
            matrix.dirs[agent] = index.parent
            for case_id, row in cases.items():
                matrix.rows.setdefault(case_id, {})[agent] = row
    return matrix


def counts(matrix: Matrix, agent: str) -> dict[str, int]:
    result = dict.fromkeys(VERDICTS, 0)
    for case_id in matrix.rows:
        result[matrix.verdict(case_id, agent)] += 1
    return result


def summary_table(root: Path) -> str:
    """Cases per verdict, per area, per agent: a plain-text table for the terminal."""
    matrix = load_root(root)
    shown = [v for v in VERDICTS if v != "MISSING"] + ["MISSING"]
    lines = []
    for agent in matrix.agents:
        lines.append(f"agent {agent}")
        header = f"  {'area':<10}" + "".join(f"{v:>15}" for v in shown)
        lines.append(header)
        areas: dict[str, dict[str, int]] = {}
        for case_id in matrix.rows:
            per = areas.setdefault(matrix.area(case_id), dict.fromkeys(shown, 0))
            per[matrix.verdict(case_id, agent)] += 1
        for area in sorted(areas, key=lambda a: AREAS.index(a) if a in AREAS else 99):
            lines.append(f"  {area:<10}" + "".join(f"{areas[area][v]:>15}" for v in shown))
        total = counts(matrix, agent)
        lines.append(f"  {'total':<10}" + "".join(f"{total[v]:>15}" for v in shown))
        expected = expectation_counts(matrix, agent)
        if expected is not None:
            lines.append(
                "  expectations: {as expected} as expected ({known failures} known failures), "
                "{unexpected failures} unexpected failure(s), {unexpected passes} unexpected "
                "pass(es)".format(**expected)
            )
    return "\n".join(lines)


PASSING = ("OK", "INFORMATIONAL", "UNIMPLEMENTED")


def expectation_counts(matrix: Matrix, agent: str) -> dict[str, int] | None:
    """How the agent's run went against its --expectations file (None: it had none)."""
    rows = [r[agent] for r in matrix.rows.values() if agent in r and r[agent].get("expected")]
    if not rows:
        return None
    result = dict.fromkeys(
        ("as expected", "known failures", "unexpected failures", "unexpected passes"), 0
    )
    for row in rows:
        verdict, expected = row["behavior"], row["expected"]
        if verdict == expected or (expected == "pass" and verdict in PASSING):
            result["as expected"] += 1
            result["known failures"] += expected != "pass" and verdict not in PASSING
        elif verdict in PASSING:
            result["unexpected passes"] += 1
        else:
            result["unexpected failures"] += 1
    return result
