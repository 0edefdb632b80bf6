"""``python -m conformance.report build ROOT | summary ROOT | merge OUT DIR... | diff OLD NEW``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import build_html, summary_table
from .diff import DiffError, diff_runs, read_run, render_html, render_text
from .merge import MergeClash, merge
from .paths import ReportError, write_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.report")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="rebuild ROOT/index.html").add_argument("root", type=Path)
    sub.add_parser("summary", help="print the summary table").add_argument("root", type=Path)
    merging = sub.add_parser("merge", help="join report roots into OUT")
    merging.add_argument("out", type=Path)
    merging.add_argument("sources", type=Path, nargs="+")
    diffing = sub.add_parser("diff", help="compare two runs; exit 1 if anything got worse")
    diffing.add_argument("old", type=Path, help="a report folder or its index.json")
    diffing.add_argument("new", type=Path, help="a report folder or its index.json")
    diffing.add_argument("--agent", default=None, help="the agent, when a run holds several")
    diffing.add_argument(
        "--html", type=Path, default=None, help="also write the diff as an HTML page here"
    )
    args = parser.parse_args(argv)
    if args.command == "diff":
        return _diff(args.old, args.new, args.agent, args.html)
    try:
        if args.command == "build":
            print(build_html(args.root))
        elif args.command == "summary":
            print(summary_table(args.root))
        else:
            print(merge(args.out, args.sources))
    except MergeClash as exc:
        print(f"merge refused: {exc}", file=sys.stderr)
        return 1
    except ReportError as exc:
        print(f"{parser.prog} {args.command}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"{parser.prog} {args.command}: {exc.filename or ''}: {exc.strerror or exc}: "
            "check the folder exists and can be read and written",
            file=sys.stderr,
        )
        return 1
    return 0


def _diff(old: Path, new: Path, agent: str | None, html: Path | None) -> int:
    try:
        old_agent, before = read_run(old, agent)
        new_agent, after = read_run(new, agent)
    except DiffError as exc:
        print(f"diff: {exc}", file=sys.stderr)
        return 2
    result = diff_runs(before, after)
    print(render_text(result))
    if html is not None:
        page = render_html(result, f"{old} ({old_agent})", f"{new} ({new_agent})")
        try:
            write_file(html, page)  # UTF-8 whatever the locale; never through a link
        except ReportError as exc:
            print(f"diff: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"diff: cannot write {html}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        print(f"HTML: {html.resolve()}")
    return 1 if result.got_worse else 0


if __name__ == "__main__":
    raise SystemExit(main())
