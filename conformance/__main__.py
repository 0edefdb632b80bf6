"""``python -m conformance``: run the suite against an IUT, write reports, print a summary.

Extra arguments go to pytest (``-n auto``, ``-k CL2``, ``--junitxml``, ``--alluredir`` ...).
The exit code is pytest's: non-zero when a case is FAILED (or NON-STRICT with
``--fail-on non-strict``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "cases"


def _option(argv: list[str], name: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


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
    status = int(pytest.main(pytest_args))
    from .iut.session import IUT
    from .report import build_html, summary_table

    agent_dir = _option(args, "--report-dir")
    agent = _option(args, "--agent") or IUT.agent_for(_option(args, "--iut") or "impl")
    # Default: reports/, one column per agent dir below it. With --report-dir, that dir alone,
    # so nothing is written outside the folder the user chose.
    root = Path(agent_dir) if agent_dir else Path("reports")
    if (root / "index.json").exists() or (root / agent / "index.json").exists():
        index = build_html(root)
        print(summary_table(root))
        print(f"HTML report: {index.resolve()}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
