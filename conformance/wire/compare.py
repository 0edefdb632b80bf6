"""Compare a run's wire-case verdicts with the real Autobahn|Testsuite's, case by case.

    python -m conformance.wire.compare REPORT_DIR AUTOBAHN_JSON [--markdown] [--column OUT]

REPORT_DIR is a run's ``--report-dir`` (its ``index.json``); AUTOBAHN_JSON a results file of
tools/autobahn (branch ``autobahn``: ``{"cases": {"1.1.1": {"behavior": ..., "behaviorClose":
...}}}``). Autobahn's behaviorClose words FAILED, UNCLEAN and WRONG CODE are all this suite's
FAILED. A case agrees when both its behavior and its behaviorClose are the same. Prints the
agreement figure (and with ``--markdown`` a table of every case); ``--column`` writes this run
as a column for tools/autobahn's calibration tables. Exit 0, or 2 when a file is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .grading import CLOSE_TO_VERDICT


def suite_verdicts(report_dir: Path) -> dict[str, dict[str, str]]:
    """{Autobahn case id: {behavior, behaviorClose}} from a run's index.json."""
    index = json.loads((report_dir / "index.json").read_text("utf-8"))
    rows: dict[str, Any] = next(iter(index.values()))
    found: dict[str, dict[str, str]] = {}
    for case_id, row in rows.items():
        if ".autobahn[" in case_id:
            ab_id = case_id.split("[", 1)[1].rstrip("]")
            found[ab_id] = {"behavior": row["behavior"], "behaviorClose": row["behaviorClose"]}
    return found


def autobahn_verdicts(path: Path) -> dict[str, dict[str, str]]:
    cases = json.loads(path.read_text("utf-8"))["cases"]
    return {
        case_id: {
            "behavior": v["behavior"],
            "behaviorClose": CLOSE_TO_VERDICT.get(v["behaviorClose"], v["behaviorClose"]),
        }
        for case_id, v in cases.items()
    }


def _key(case_id: str) -> tuple[int, ...]:
    return tuple(int(p) for p in case_id.split("."))


def compare(
    ours: dict[str, dict[str, str]], theirs: dict[str, dict[str, str]]
) -> tuple[int, int, list[str]]:
    """(agreeing, compared, the ids that disagree or ran on one side only)."""
    ids = sorted(set(ours) | set(theirs), key=_key)
    disagree = [i for i in ids if ours.get(i) != theirs.get(i)]
    return len(ids) - len(disagree), len(ids), disagree


def markdown(ours: dict[str, dict[str, str]], theirs: dict[str, dict[str, str]]) -> str:
    lines = [
        "| case | Autobahn | this suite | |",
        "|---|---|---|---|",
    ]
    for case_id in sorted(set(ours) | set(theirs), key=_key):
        a, b = theirs.get(case_id), ours.get(case_id)
        show_a = f"{a['behavior']} / {a['behaviorClose']}" if a else "–"
        show_b = f"{b['behavior']} / {b['behaviorClose']}" if b else "–"
        lines.append(f"| {case_id} | {show_a} | {show_b} | {'' if a == b else '**differs**'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report_dir", type=Path)
    parser.add_argument("autobahn_json", type=Path)
    parser.add_argument("--markdown", action="store_true", help="print every case as a table")
    parser.add_argument("--column", type=Path, help="write this run as a calibration column")
    args = parser.parse_args(argv)
    try:
        ours = suite_verdicts(args.report_dir)
        theirs = autobahn_verdicts(args.autobahn_json)
    except (OSError, ValueError, KeyError, StopIteration) as exc:
        print(f"compare: {exc}", file=sys.stderr)
        return 2
    agree, total, disagree = compare(ours, theirs)
    print(f"agreement: {agree}/{total} cases ({100 * agree / max(total, 1):.1f} %)")
    for case_id in disagree:
        print(f"  {case_id}: Autobahn {theirs.get(case_id)}, this suite {ours.get(case_id)}")
    if args.markdown:
        print(markdown(ours, theirs))
    if args.column:
        counts: dict[str, dict[str, int]] = {"behavior": {}, "behaviorClose": {}}
        for verdicts in ours.values():
            for key in counts:
                counts[key][verdicts[key]] = counts[key].get(verdicts[key], 0) + 1
        column = {"agent": "suite-wire", "label": "this suite (wire)", "counts": counts}
        column["cases"] = {k: ours[k] for k in sorted(ours, key=_key)}
        args.column.write_text(json.dumps(column, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
