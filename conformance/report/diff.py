"""Comparing two runs: what got worse, what got fixed, what changed, what came and went.

``diff_runs(old, new)`` is pure (two ``{case id: verdict}`` maps in, a ``RunDiff`` out);
``read_run`` reads one run from a report folder or its ``index.json``; ``render_text`` and
``render_html`` show a diff. ``python -m conformance.report diff OLD NEW`` ties them together
and exits 1 when anything got worse (docs/reports.md, "Comparing runs").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from .model import VERDICTS as _SHOWN

VERDICTS = tuple(v for v in _SHOWN if v != "MISSING")  # what an index's behavior may be
# From best to worst, for "did it get worse": a pass is any of the first three.
RANK = {"OK": 0, "INFORMATIONAL": 0, "UNIMPLEMENTED": 1, "NON-STRICT": 2, "FAILED": 3}
HARNESS = "HARNESS-ERROR"  # the suite broke: not comparable, reported as a change


class DiffError(Exception):
    """A run that cannot be read; the message says which file and how to mend it."""


@dataclass(frozen=True)
class Change:
    case: str
    old: str | None  # None: the case is new
    new: str | None  # None: the case is gone

    @property
    def kind(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        old, new = RANK.get(self.old), RANK.get(self.new)
        if old is None or new is None:
            return "changed"
        if new > old:
            return "new failure" if old <= 1 else "worse"
        if new < old:
            return "fixed" if new <= 1 else "better"
        return "changed"


@dataclass
class RunDiff:
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0

    def of_kind(self, *kinds: str) -> list[Change]:
        return [c for c in self.changes if c.kind in kinds]

    @property
    def got_worse(self) -> bool:
        """A new failure, a worse verdict, or a case that now ends in HARNESS-ERROR."""
        return bool(
            self.of_kind("new failure", "worse")
            or any(c.new == HARNESS and c.old != HARNESS for c in self.changes)
        )


def diff_runs(old: dict[str, str], new: dict[str, str]) -> RunDiff:
    result = RunDiff()
    for case in sorted(set(old) | set(new)):
        before, after = old.get(case), new.get(case)
        if before == after:
            result.unchanged += 1
        else:
            result.changes.append(Change(case, before, after))
    return result


def read_run(path: Path, agent: str | None = None) -> tuple[str, dict[str, str]]:
    """``(agent, {case: verdict})`` from a report folder (``DIR/index.json``) or the file."""
    index = path / "index.json" if path.is_dir() else path
    try:
        data = json.loads(index.read_text("utf-8"))
    except FileNotFoundError:
        raise DiffError(
            f"{path}: no index.json there; give a report folder or its index.json"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise DiffError(f"{index}: cannot read it as a report index ({str(exc)[:200]})") from None
    if not isinstance(data, dict) or not data:
        raise DiffError(f"{index}: not a report index (an object of agent -> cases)")
    if agent is None:
        if len(data) > 1:
            raise DiffError(f"{index} holds agents {sorted(data)}; choose one with --agent")
        agent = next(iter(data))
    cases = data.get(agent)
    if not isinstance(cases, dict):
        raise DiffError(f"{index}: no agent {agent!r} (it has {sorted(data)})")
    verdicts: dict[str, str] = {}
    for case, row in cases.items():
        behavior = row.get("behavior") if isinstance(row, dict) else None
        if not isinstance(behavior, str):
            raise DiffError(f"{index}: case {case[:80]!r} has no verdict ('behavior')")
        if behavior not in VERDICTS:  # the rule build and merge keep (report.model)
            raise DiffError(
                f"{index}: case {case[:80]!r}: behavior {behavior[:40]!r} is none of "
                f"{', '.join(VERDICTS)}: rerun the suite, or fix the index"
            )
        verdicts[str(case)] = behavior
    return agent, verdicts


SECTIONS = ("new failure", "worse", "fixed", "better", "changed", "added", "removed")


def render_text(diff: RunDiff) -> str:
    lines = []
    for kind in SECTIONS:
        changes = diff.of_kind(kind)
        if not changes:
            continue
        lines.append(f"{kind} ({len(changes)}):")
        width = max(len(c.case) for c in changes)
        for c in changes:
            lines.append(f"  {c.case:<{width}}  {c.old or '-':>13} -> {c.new or '-'}")
    counts = ", ".join(f"{k} {len(diff.of_kind(k))}" for k in SECTIONS if diff.of_kind(k))
    lines.append(
        f"{len(diff.changes)} case(s) differ ({counts or 'none'}), {diff.unchanged} unchanged; "
        + ("WORSE" if diff.got_worse else "nothing got worse")
    )
    return "\n".join(lines)


def render_html(diff: RunDiff, old_name: str, new_name: str) -> str:
    rows = "".join(
        f"<tr><td>{escape(c.kind)}</td><td>{escape(c.case)}</td>"
        f"<td>{escape(c.old or '-')}</td><td>{escape(c.new or '-')}</td></tr>"
        for kind in SECTIONS
        for c in diff.of_kind(kind)
    )
    verdict = "worse" if diff.got_worse else "nothing got worse"
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>conformance diff"
        "</title><style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 7px;font-size:13px}</style></head><body>"
        f"<h1>{escape(old_name)} → {escape(new_name)}: {escape(verdict)}</h1>"
        f"<p>{len(diff.changes)} case(s) differ, {diff.unchanged} unchanged.</p>"
        "<table><tr><th>change</th><th>case</th><th>old</th><th>new</th></tr>"
        f"{rows}</table></body></html>\n"
    )
