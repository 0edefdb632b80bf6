"""Writing a run's results in the format of docs/report-format.md (index.json + one file per
case). Workers write their cases' files; the controller writes index.json at the end."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .clauses import clause
from .context import CaseContext


def report_filename(agent: str, case_id: str) -> str:
    return f"{agent}_case_{re.sub(r'[^A-Za-z0-9._-]', '_', case_id)}.json"


def index_row(ctx: CaseContext, agent: str) -> dict[str, Any]:
    return {
        "behavior": ctx.verdict,
        "behaviorClose": ctx.verdict_close,
        "duration": ctx.duration_ms,
        "remoteCloseCode": ctx.remote_close_code(),
        "reportfile": report_filename(agent, ctx.case_id),
        "clause": list(ctx.meta["clauses"]),
        "level": ctx.meta["level"],
        "area": ctx.meta["area"],
        "method": ctx.meta["method"],
        "overload": ctx.meta["overload"],
    }


def write_case(directory: Path, agent: str, ctx: CaseContext) -> Path:
    row = index_row(ctx, agent)
    document = {
        "agent": agent,
        "id": ctx.case_id,
        "area": row["area"],
        "method": row["method"],
        "overload": row["overload"],
        "description": ctx.meta["description"],
        "expectation": ctx.meta["expectation"],
        "clauses": [
            {"id": c, "level": clause(c).level, "text": clause(c).text} for c in row["clause"]
        ],
        "behavior": row["behavior"],
        "behaviorClose": row["behaviorClose"],
        "duration": row["duration"],
        "remoteCloseCode": row["remoteCloseCode"],
        "checks": [c.as_json() for c in ctx.checks],
        "trace": ctx.session.trace,
        "wirelog": ctx.wirelog,
        "harness_error": ctx.harness_error,
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / row["reportfile"]
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1, default=repr), "utf-8")
    return path


def write_index(directory: Path, agent: str, rows: dict[str, dict[str, Any]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "index.json"
    ordered = dict(sorted(rows.items()))
    path.write_text(json.dumps({agent: ordered}, ensure_ascii=False, indent=1), "utf-8")
    return path


def clear_cases(directory: Path, agent: str) -> None:
    """A run replaces the agent's previous results (no stale case files)."""
    if directory.is_dir():
        for old in directory.glob(f"{agent}_case_*.json"):
            old.unlink()
        (directory / "index.json").unlink(missing_ok=True)
