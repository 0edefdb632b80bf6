"""``python -m conformance``: run the suite against an IUT, write reports, print a summary.

Extra arguments go to pytest (``-n auto``, ``-k CL2``, ``--junitxml``, ``--alluredir`` ...).
The exit code is pytest's as the gating plugin sets it (docs/conformance.md, "Exit status").
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "cases"


class ReportLocation:
    """Learns from the run's own config where the plugin wrote (no re-parsing of argv)."""

    def __init__(self) -> None:
        self.agent_dir: Path | None = None
        self.explicit = False

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        from .plugin import report_dir

        self.agent_dir = report_dir(config)
        self.explicit = bool(config.getoption("--report-dir"))


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    # The cases' own settings, whatever pytest configuration sits in the current directory.
    pytest_args = [
        "-c",
        os.devnull,
        "--rootdir",
        str(CASES),
        "-p",
        "no:cacheprovider",
        "-q",
        str(CASES),
        *args,
    ]
    where = ReportLocation()
    status = int(pytest.main(pytest_args, plugins=[where]))
    if where.agent_dir is None or not (where.agent_dir / "index.json").exists():
        return status
    from .report import ReportError, build_html, summary_table

    # Default: reports/, one column per agent dir below it. With --report-dir, that dir alone,
    # so nothing is written outside the folder the user chose.
    root = where.agent_dir if where.explicit else where.agent_dir.parent
    try:
        index = build_html(root)
        table = summary_table(root)
    except (OSError, ValueError, ReportError) as exc:
        print(f"conformance: the HTML report could not be written: {exc}", file=sys.stderr)
        return status or 1
    print(table)
    print(f"HTML report: {index.resolve()}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
