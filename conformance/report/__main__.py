"""``python -m conformance.report build ROOT | summary ROOT | merge OUT DIR...``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import build_html, summary_table
from .merge import MergeClash, merge
from .paths import ReportError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.report")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="rebuild ROOT/index.html").add_argument("root", type=Path)
    sub.add_parser("summary", help="print the summary table").add_argument("root", type=Path)
    merging = sub.add_parser("merge", help="join report roots into OUT")
    merging.add_argument("out", type=Path)
    merging.add_argument("sources", type=Path, nargs="+")
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    raise SystemExit(main())
