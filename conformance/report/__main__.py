"""``python -m conformance.report build ROOT | summary ROOT | merge OUT DIR... | diff OLD NEW``.

``diff`` takes two runs, each a report folder (``reports/impl``, a kept run
``reports/impl/runs/2026-12-01T103452Z``) or its ``index.json``, or ``AGENT@WHEN`` under
``--root`` (``impl@previous impl@latest``, ``impl@2026-12-01T10``; ``AGENT`` alone is the
agent's current view)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import build_html, summary_table
from .diff import DiffError, diff_runs, read_side, render_html, render_text, use_colour
from .merge import MergeClash, merge
from .paths import ReportError, write_file
from .runs import resolve_run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.report")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="rebuild ROOT/index.html").add_argument("root", type=Path)
    sub.add_parser("summary", help="print the summary table").add_argument("root", type=Path)
    merging = sub.add_parser("merge", help="join report roots into OUT")
    merging.add_argument("out", type=Path)
    merging.add_argument("sources", type=Path, nargs="+")
    diffing = sub.add_parser(
        "diff",
        help="compare two runs; exit 1 if anything got worse",
        description="Compare two runs of the suite. A run is a report folder (reports/impl, "
        "a kept run reports/impl/runs/<stamp>) or its index.json, or AGENT@WHEN under --root: "
        "WHEN is latest, previous, or the start of a run's stamp.",
        epilog="examples:\n  python -m conformance.report diff impl@previous impl@latest\n"
        "  python -m conformance.report diff baseline/impl reports/impl --html reports/diff.html",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    diffing.add_argument("old", help="the older run: a folder, an index.json, or AGENT@WHEN")
    diffing.add_argument("new", help="the newer run: a folder, an index.json, or AGENT@WHEN")
    diffing.add_argument("--agent", default=None, help="the agent, when a run holds several")
    diffing.add_argument(
        "--root",
        type=Path,
        default=Path("reports"),
        help="where AGENT@WHEN is looked up (default: reports)",
    )
    diffing.add_argument(
        "--html", type=Path, default=None, help="also write the diff as an HTML page here"
    )
    diffing.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the terminal output (default auto: on a terminal, unless NO_COLOR)",
    )
    args = parser.parse_args(argv)
    if args.command == "diff":
        return _diff(args)
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


def _diff(args: argparse.Namespace) -> int:
    try:
        old = read_side(resolve_run(args.old, args.root), args.agent)
        new = read_side(resolve_run(args.new, args.root), args.agent)
    except (DiffError, ReportError) as exc:
        print(f"diff: {exc}", file=sys.stderr)
        return 2
    result = diff_runs(old.verdicts, new.verdicts)
    print(render_text(result, old, new, use_colour(args.color, sys.stdout)))
    html: Path | None = args.html
    if html is not None:
        page = render_html(result, old, new, html.parent)
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
