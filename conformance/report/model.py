"""Reading report directories: every ``ROOT/<agent>/index.json`` is one agent's column."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..jsontext import readable_json
from ..results import CaseRow, RowFormatError
from ..verdicts import WORDS, Judgement, judge
from .paths import ReportError, case_file, inside

# A report-only state: the agent has no row for the case (it did not run there). Never a verdict.
MISSING = "MISSING"
# The columns of a report: every verdict word (HARNESS-ERROR: the suite broke in that case and
# judged nothing, never the IUT's FAILED), then MISSING.
VERDICTS: tuple[str, ...] = (*WORDS, MISSING)
AREAS = ("module", "connect", "send", "close", "events", "ordering", "errors", "protocol")


@dataclass
class Matrix:
    agents: list[str] = field(default_factory=list)
    dirs: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, dict[str, CaseRow]] = field(default_factory=dict)  # case -> agent -> row

    def verdict(self, case_id: str, agent: str) -> str:
        row = self.rows[case_id].get(agent)
        return MISSING if row is None else row.behavior.value

    def area(self, case_id: str) -> str:
        row = next(iter(self.rows[case_id].values()))
        return row.area or case_id.split(".", 1)[0]

    def ordered_cases(self) -> list[str]:
        def key(case_id: str) -> tuple[int, str]:
            area = self.area(case_id)
            return (AREAS.index(area) if area in AREAS else len(AREAS), case_id)

        return sorted(self.rows, key=key)


def load_root(root: Path) -> Matrix:
    """Every ``root/<agent>/index.json``; or ``root/index.json`` when root is one agent's dir.

    A folder that is missing or holds no index, an index that is not what
    docs/report-format.md describes, a ``reportfile`` that would lead out of its folder, or
    one agent in two folders, is a ``ReportError`` (one line: the file, what, how to mend)."""
    root = Path(root)
    if not root.is_dir():
        raise ReportError(
            f"{root}: no such folder: give the folder that holds <agent>/index.json "
            "(reports/ by default)"
        )
    matrix = Matrix()
    single = root / "index.json"
    indexes = [single] if single.exists() else sorted(root.glob("*/index.json"))
    if not indexes:
        raise ReportError(
            f"{root} holds no index.json nor <agent>/index.json: run the suite first "
            "(python -m conformance), or give the folder it wrote"
        )
    for index in indexes:
        if not inside(index, root):
            raise ReportError(f"{index} leads out of {root} (a link): copy the report in instead")
        for agent, cases in read_index(index).items():
            if agent in matrix.dirs:
                raise ReportError(
                    f"agent {agent!r} is in both {matrix.dirs[agent]} and {index.parent}: "
                    "remove one, or rerun one with another --agent"
                )
            matrix.agents.append(agent)
            matrix.dirs[agent] = index.parent
            for case_id, row in cases.items():
                matrix.rows.setdefault(case_id, {})[agent] = row
    return matrix


Index = dict[str, dict[str, CaseRow]]  # agent -> case id -> row


def read_index(index: Path) -> Index:
    """One ``index.json``, checked: ``{agent: {case_id: row}}``, each row read by
    ``CaseRow.from_json``; a ReportError naming the file and the case otherwise."""
    mend = "rerun the suite, or remove that folder"
    try:
        data = json.loads(index.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ReportError(f"{index}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ReportError(f"{index}: not UTF-8 ({exc.reason}): {mend}") from None
    except RecursionError:
        raise ReportError(f"{index}: nested too deeply to be an index: {mend}") from None
    except ValueError as exc:
        raise ReportError(f"{index}: not JSON ({str(exc)[:120]}): {mend}") from None
    if not isinstance(data, dict) or not data:
        raise ReportError(f"{index}: not an object of agents ({{agent: {{case: row}}}}): {mend}")
    result: Index = {}
    for agent, cases in data.items():
        if not isinstance(cases, dict):
            raise ReportError(f"{index}: agent {agent[:60]!r} holds no object of cases: {mend}")
        rows = result.setdefault(agent, {})
        for case_id, raw in cases.items():
            where = f"{index}: case {case_id[:80]!r}"
            try:
                row = CaseRow.from_json(case_id, raw)
            except RowFormatError as exc:
                raise ReportError(f"{where}: {exc}: {mend}") from None
            case_file(index.parent, row.reportfile, where)
            rows[case_id] = row
    return result


def index_json(rows: dict[str, dict[str, CaseRow]]) -> str:
    """``{agent: {case id: row}}`` as ``index.json`` holds it (each row by
    ``CaseRow.as_json``): the one writer of an index the report copies or keeps."""
    return readable_json(
        {agent: {c: row.as_json() for c, row in cases.items()} for agent, cases in rows.items()}
    )


def counts(matrix: Matrix, agent: str) -> dict[str, int]:
    result = dict.fromkeys(VERDICTS, 0)
    for case_id in matrix.rows:
        result[matrix.verdict(case_id, agent)] += 1
    return result


def summary_table(root: Path) -> str:
    """Cases per verdict, per area, per agent: a plain-text table for the terminal."""
    matrix = load_root(root)
    shown = [*WORDS, MISSING]
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


def expectation_counts(matrix: Matrix, agent: str) -> dict[str, int] | None:
    """How the agent's run went against its --expectations file (None: it had none)."""
    rows = [r[agent] for r in matrix.rows.values() if agent in r and r[agent].expected]
    if not rows:
        return None
    result = dict.fromkeys(
        ("as expected", "known failures", "unexpected failures", "unexpected passes"), 0
    )
    for row in rows:
        judgement = judge(row.behavior, row.expected)
        if judgement.as_expected:
            result["as expected"] += 1
        if judgement is Judgement.KNOWN_FAILURE:
            result["known failures"] += 1
        elif judgement is Judgement.UNEXPECTED_PASS:
            result["unexpected passes"] += 1
        elif judgement is Judgement.UNEXPECTED_FAILURE:
            result["unexpected failures"] += 1
    return result
