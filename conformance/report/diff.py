"""Comparing two runs: what got worse, what got fixed, what changed, what came and went,
and for each case that changed, the check that changed and both case pages.

``diff_runs(old, new)`` is pure (two ``{case id: verdict}`` maps in, a ``RunDiff`` out);
``read_run`` reads one run from a report folder or its ``index.json``; ``render_text`` and
``render_html`` show a diff. ``python -m conformance.report diff OLD NEW`` ties them together
and exits 1 when anything got worse (docs/reports.md, "Comparing runs").
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from ..casefile import CaseDocument
from ..results import CaseRow, Check, RowFormatError
from .html import COLOURS
from .model import VERDICTS as _SHOWN
from .paths import CASE_FILE, ReportError
from .runs import RunInfo, read_run_info

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
    agent, _, rows = _read_rows(path, agent)
    return agent, {case: row.behavior.value for case, row in rows.items()}


def _read_rows(path: Path, agent: str | None) -> tuple[str, Path, dict[str, CaseRow]]:
    """``(agent, index file, {case: row})``, each row read by ``CaseRow.from_json``; a
    DiffError naming the file (and the case) otherwise."""
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
    rows: dict[str, CaseRow] = {}
    for case, raw in cases.items():
        try:  # the rule build and merge keep (report.model)
            rows[str(case)] = CaseRow.from_json(str(case), raw)
        except RowFormatError as exc:
            raise DiffError(
                f"{index}: case {case[:80]!r}: {exc}: rerun the suite, or fix the index"
            ) from None
    return agent, index, rows


SECTIONS = ("new failure", "worse", "fixed", "better", "changed", "added", "removed")
WORSE_KINDS = ("new failure", "worse")
BETTER_KINDS = ("fixed", "better")


@dataclass(frozen=True)
class Side:
    """One run as the diff shows it: its agent, folder, rows and (if kept) its metadata."""

    agent: str
    folder: Path
    rows: dict[str, CaseRow]
    info: RunInfo | None

    @property
    def verdicts(self) -> dict[str, str]:
        return {case: row.behavior.value for case, row in self.rows.items()}

    def name(self) -> str:
        when = f", {self.info.when}" if self.info is not None else ""
        return f"{self.folder} ({self.agent}{when})"

    def case_file(self, case: str) -> Path | None:
        row = self.rows.get(case)
        name = None if row is None else row.reportfile
        if name is None or not CASE_FILE.fullmatch(name):
            return None
        return self.folder / name

    def case_page(self, case: str) -> Path | None:
        """The case's page if it was built, else its JSON file, else None."""
        source = self.case_file(case)
        if source is None:
            return None
        page = source.with_suffix(".html")
        return page if page.is_file() else (source if source.is_file() else None)

    def checks(self, case: str) -> tuple[Check, ...]:
        """The case's checks as its case file holds them; none when there is no case file or
        it cannot be read (the diff of verdicts comes from the rows; checks are its detail)."""
        source = self.case_file(case)
        if source is None:
            return ()
        try:
            data = json.loads(source.read_text("utf-8"))
            return CaseDocument.from_json(data, str(source)).checks
        except (OSError, ValueError, RecursionError):  # CaseFileError is a ValueError
            return ()


def read_side(path: Path, agent: str | None = None) -> Side:
    """A run (a report folder or its ``index.json``) with its rows; a DiffError otherwise."""
    agent, index, rows = _read_rows(path, agent)
    try:
        info = read_run_info(index.parent)
    except ReportError:  # metadata is shown when readable, never required
        info = None
    return Side(agent, index.parent, rows, info)


@dataclass(frozen=True)
class CheckChange:
    """A check whose verdict differs between the runs (None: the check is on one side only)."""

    clause: str
    what: str
    old: str | None
    new: str | None
    observed: str  # what the newer run observed (or the older, when the check went away)

    def line(self) -> str:
        return f"{self.clause} {self.what}: {self.old or 'absent'} -> {self.new or 'absent'}" + (
            f" (observed {self.observed})" if self.observed else ""
        )


def changed_checks(old: Side, new: Side, case: str) -> list[CheckChange]:
    """The checks of ``case`` whose verdicts differ, matched by clause and what they check."""

    def keyed(checks: tuple[Check, ...]) -> dict[tuple[str, str], Check]:
        result: dict[tuple[str, str], Check] = {}
        for c in checks:
            result.setdefault((c.clause, c.what), c)
        return result

    before, after = keyed(old.checks(case)), keyed(new.checks(case))
    changes = []
    for key in list(after) + [k for k in before if k not in after]:
        b, a = before.get(key), after.get(key)
        vb = None if b is None else b.verdict.value
        va = None if a is None else a.verdict.value
        if vb == va:
            continue
        seen = a if a is not None else b
        observed = "" if seen is None else _short(seen.observed)
        changes.append(CheckChange(key[0], key[1], vb, va, observed))
    return changes


def _short(value: object, limit: int = 100) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + " …"


# -- the terminal -----------------------------------------------------------------------------

_ANSI = {"worse": "\x1b[1;31m", "better": "\x1b[32m", "other": "\x1b[33m", "dim": "\x1b[2m"}
_RESET = "\x1b[0m"


def use_colour(choice: str, stream: Any) -> bool:
    """``--color always|never|auto``: auto colours a terminal unless NO_COLOR is set."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _tone(kind: str) -> str:
    if kind in WORSE_KINDS:
        return "worse"
    return "better" if kind in BETTER_KINDS else "other"


def render_text(
    diff: RunDiff, old: Side | None = None, new: Side | None = None, colour: bool = False
) -> str:
    """The diff for a terminal: a header naming both runs, each section's cases with their
    verdicts, the check that changed and both case pages (when the sides are given)."""

    def paint(text: str, tone: str) -> str:
        return f"{_ANSI[tone]}{text}{_RESET}" if colour else text

    lines = []
    if old is not None and new is not None:
        lines.append(f"old: {old.name()}")
        lines.append(f"new: {new.name()}")
    for kind in SECTIONS:
        changes = diff.of_kind(kind)
        if not changes:
            continue
        lines.append(paint(f"{kind} ({len(changes)}):", _tone(kind)))
        width = max(len(c.case) for c in changes)
        for c in changes:
            lines.append(
                "  "
                + paint(f"{c.case:<{width}}  {c.old or '-':>13} -> {c.new or '-'}", _tone(kind))
            )
            if old is None or new is None:
                continue
            for check in changed_checks(old, new, c.case)[:3]:
                lines.append(paint(f"      check {check.line()}", "dim"))
            pages = [
                f"{label} {page}"
                for label, side in (("old", old), ("new", new))
                if (page := side.case_page(c.case)) is not None
            ]
            if pages:
                lines.append(paint("      " + "  ".join(pages), "dim"))
    counts = ", ".join(f"{k} {len(diff.of_kind(k))}" for k in SECTIONS if diff.of_kind(k))
    summary = (
        f"{len(diff.changes)} case(s) differ ({counts or 'none'}), {diff.unchanged} unchanged; "
    )
    verdict = "WORSE" if diff.got_worse else "nothing got worse"
    lines.append(summary + paint(verdict, "worse" if diff.got_worse else "better"))
    return "\n".join(lines)


# -- the page ---------------------------------------------------------------------------------

_ROW_COLOUR = {"worse": "#f8d7d7", "better": "#d7f0d7", "other": "#fff3cd"}


def _link_from(page_dir: Path, target: Path | None, text: str) -> str:
    if target is None:
        return escape(text)
    from urllib.parse import quote

    parts = Path(os.path.relpath(target.resolve(), page_dir.resolve())).parts
    href = "/".join(quote(part, safe="") for part in parts)
    return f"<a href='{escape(href)}'>{escape(text)}</a>"


def _verdict(verdict: str | None) -> str:
    if verdict is None:
        return "<td>-</td>"
    colour = COLOURS.get(verdict, "#777")
    return f"<td style='background:{colour};color:#fff;font-weight:bold'>{escape(verdict)}</td>"


def render_html(
    diff: RunDiff,
    old_name: str | Side,
    new_name: str | Side,
    page_dir: Path | None = None,
) -> str:
    """The diff as a page: rows coloured by kind (red worse, green better, yellow other),
    each case linked to its page in both runs (links relative to ``page_dir``, the folder the
    page is written to), with the checks that changed."""
    old = old_name if isinstance(old_name, Side) else None
    new = new_name if isinstance(new_name, Side) else None
    here = page_dir or Path.cwd()
    rows = []
    for kind in SECTIONS:
        for c in diff.of_kind(kind):
            checks = (
                "<br>".join(escape(x.line()) for x in changed_checks(old, new, c.case)[:5])
                if old is not None and new is not None
                else ""
            )
            old_link = (
                _link_from(here, old.case_page(c.case), "old page") if old is not None else ""
            )
            new_link = (
                _link_from(here, new.case_page(c.case), "new page") if new is not None else ""
            )
            rows.append(
                f"<tr class='{escape(_tone(kind))}' style='background:"
                f"{_ROW_COLOUR[_tone(kind)]}'><td>{escape(kind)}</td><td>{escape(c.case)}</td>"
                f"{_verdict(c.old)}{_verdict(c.new)}<td>{checks}</td>"
                f"<td>{old_link} {new_link}</td></tr>"
            )
    verdict = "worse" if diff.got_worse else "nothing got worse"
    counts = ", ".join(f"{k} {len(diff.of_kind(k))}" for k in SECTIONS if diff.of_kind(k))
    old_text = old.name() if old is not None else str(old_name)
    new_text = new.name() if new is not None else str(new_name)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>conformance diff"
        "</title><style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 7px;font-size:13px;vertical-align:top}"
        "h1.worse{color:#900}h1.same{color:#070}</style></head><body>"
        f"<h1 class='{'worse' if diff.got_worse else 'same'}'>{escape(verdict)}</h1>"
        f"<p>old: {escape(old_text)}<br>→ new: {escape(new_text)}</p>"
        f"<p>{len(diff.changes)} case(s) differ ({escape(counts or 'none')}), "
        f"{diff.unchanged} unchanged.</p>"
        "<table id='diff'><tr><th>change</th><th>case</th><th>old</th><th>new</th>"
        f"<th>check that changed</th><th>pages</th></tr>{''.join(rows)}</table></body></html>\n"
    )
