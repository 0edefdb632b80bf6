"""``python -m conformance``: run the suite against an IUT, write reports, print a summary.

The tool's own options are checked here first (a bad one is one line, exit 4), ``--help``
lists them grouped with their defaults and examples (pytest's own behind ``--help-pytest``),
and a small selection runs without pytest-xdist workers, whose fixed cost outweighs it. The
rest goes to pytest (``-k CL2``, ``--junitxml``, ``--alluredir`` ...). The exit code is
pytest's as the gating plugin sets it (docs/conformance.md, "Exit status").
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import pytest

CASES = Path(__file__).parent / "cases"
PROG = "python -m conformance"
USAGE_ERROR = int(pytest.ExitCode.USAGE_ERROR)  # 4

# Below this many selected cases, pytest-xdist workers cost more than they save: each starts
# its own interpreter, IUT and mock server (with a fresh test CA). Measured on two shared
# cores (load ~13): 55 cases 8.5 s alone vs 18.6 s with -n 2; 79 cases 19.6 s vs 25.2 s; the
# issue's 25 cases 3.7 s vs 8 s. The whole suite (568) gains from workers (about 45 s with
# -n 2). docs/reports.md, "Workers".
WORKERS_FROM = 120

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "the implementation under test",
        (
            "--iut",
            "--agent",
            "--iut-wait",
            "--close-timeout",
            "--handshake-timeout",
            "--case-timeout",
        ),
    ),
    ("which cases", ("--clause", "-k", "--transport", "--wire-perf", "-n")),
    ("reports", ("--report-dir", "--junitxml", "--alluredir", "--clause-url")),
    (
        "gating (the exit status)",
        ("--fail-on", "--expectations", "--strict-expectations", "--update-expectations"),
    ),
    ("the mock server (devices, fixed ports)", ("--mock-host", "--mock-port", "--advertise-host")),
)
# pytest's (and its plugins') options the tool's help lists; the rest: --help-pytest.
PYTEST_OPTIONS: dict[str, dict[str, Any]] = {
    "-k": {"metavar": "EXPRESSION", "help": "only cases whose id or clause matches (pytest's -k)"},
    "-n": {
        "metavar": "N|auto",
        "help": f"pytest-xdist workers; below {WORKERS_FROM} selected cases the tool runs "
        "without them (faster)",
    },
    "--junitxml": {"metavar": "FILE", "help": "JUnit XML: one test per case, named by case id"},
    "--alluredir": {"metavar": "DIR", "help": "allure results (trace and wire log attached)"},
}
EXAMPLES = """\
examples:
  python -m conformance                                  # impl, every case (see README)
  python -m conformance --iut "cmd:node my-driver.js" -n auto --junitxml conformance.xml
  python -m conformance --clause CL2 -k promise          # a selection (no workers: faster)
  python -m conformance --update-expectations expectations.toml   # record the baseline
  python -m conformance --expectations expectations.toml          # gate: nothing got worse
  python -m conformance.report diff impl@previous impl@latest     # what changed

exit status: 0 all passed (or as expected), 1 a case FAILED (or unexpected), 4 a bad option,
6 the suite itself broke (HARNESS-ERROR). Reports: reports/<agent>/, every run kept in
reports/<agent>/runs/<time>/, the HTML in reports/index.html. pytest's own options:
python -m conformance --help-pytest."""


class _Recorder:
    """Stands in for pytest's parser to read the plugins' option declarations (the one place
    they are written), so the tool's help and checks never restate them."""

    def __init__(self) -> None:
        self.options: list[tuple[tuple[str, ...], dict[str, Any]]] = []

    def getgroup(self, *args: Any, **kwargs: Any) -> _Recorder:
        return self

    def addoption(self, *names: str, **kwargs: Any) -> None:
        self.options.append((names, kwargs))

    def addini(self, *args: Any, **kwargs: Any) -> None:
        return None


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(f"{PROG}: {message} ({PROG} --help lists the options)", file=sys.stderr)
        raise SystemExit(USAGE_ERROR)


def tool_parser() -> argparse.ArgumentParser:
    """The tool's options, grouped, from the plugins' own declarations plus the few pytest
    options a user of the tool needs; used for ``--help`` and to check options up front."""
    from . import plugin

    recorder = _Recorder()
    plugin.pytest_addoption(recorder)  # type: ignore[arg-type]
    declared = {names[0]: (names, kwargs) for names, kwargs in recorder.options}
    declared.update({name: ((name,), kwargs) for name, kwargs in PYTEST_OPTIONS.items()})
    parser = _OneLineParser(
        prog=PROG,
        usage=f"{PROG} [options] [pytest options]",
        description="Run the @ohos.net.webSocket conformance suite against an implementation "
        "under test (IUT) on the embedded mock server; write reports and print a summary.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
        add_help=False,
    )
    parser.add_argument("-h", "--help", action="store_true", help="this help")
    parser.add_argument("--help-pytest", action="store_true", help="pytest's own options")
    placed: set[str] = set()
    for title, names in (*GROUPS, ("other", tuple(n for n in declared if n))):
        group = parser.add_argument_group(title)
        for name in names:
            if name in placed or name not in declared:
                continue
            placed.add(name)
            flags, kwargs = declared[name]
            group.add_argument(*flags, **_with_default(name, kwargs))
    return parser


METAVARS = {
    "--iut": "SPEC",
    "--agent": "NAME",
    "--iut-wait": "SECONDS",
    "--close-timeout": "SECONDS",
    "--handshake-timeout": "SECONDS",
    "--case-timeout": "SECONDS",
    "--clause": "ID",
    "--report-dir": "DIR",
    "--clause-url": "URL",
    "--mock-host": "ADDR",
    "--mock-port": "BASE",
    "--advertise-host": "HOST",
}


def _with_default(name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    kwargs = dict(kwargs)
    if name in METAVARS and "metavar" not in kwargs and kwargs.get("action") is None:
        kwargs["metavar"] = METAVARS[name]
    default, text = kwargs.get("default"), str(kwargs.get("help", ""))
    if default not in (None, False, [], "") and "default" not in text:
        kwargs["help"] = f"{text} (default: {default})"
    kwargs["help"] = str(kwargs.get("help", "")).replace("%", "%%")
    return kwargs


def _workers(args: list[str]) -> tuple[str | None, list[str]]:
    """The ``-n`` value in ``args`` (None: not given), and ``args`` without it."""
    rest: list[str] = []
    value = None
    items = iter(args)
    for arg in items:
        if arg in ("-n", "--numprocesses"):
            value = next(items, None)
        elif arg.startswith("--numprocesses="):
            value = arg.split("=", 1)[1]
        elif arg.startswith("-n") and len(arg) > 2 and not arg.startswith("--"):
            value = arg[2:]
        else:
            rest.append(arg)
    return value, rest


SELECTING = ("-k", "-m", "--clause", "--lf", "--last-failed", "--deselect")


def _is_selection(args: list[str]) -> bool:
    return any(a.split("=", 1)[0] in SELECTING or "::" in a or a.endswith(".py") for a in args)


def choose_workers(args: list[str], count: Callable[[list[str]], int | None]) -> list[str]:
    """``args`` with ``-n`` dropped when it selects fewer than WORKERS_FROM cases (counted by
    ``count``, a collection without running); otherwise as given."""
    value, rest = _workers(args)
    if value in (None, "0") or not _is_selection(rest):
        return args
    selected = count(rest)
    if selected is None or selected >= WORKERS_FROM:
        return args
    print(
        f"conformance: {selected} case(s) selected, fewer than {WORKERS_FROM}: running without "
        f"-n {value} workers (faster for a small selection)",
        file=sys.stderr,
    )
    return rest


class _Counter:
    def __init__(self) -> None:
        self.count: int | None = None

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.count = len(session.items)


def _count_cases(args: list[str]) -> int | None:
    counter = _Counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        status = pytest.main([*_base_args(), *args, "--collect-only"], plugins=[counter])
    return counter.count if int(status) in (0, 5) else None


def _base_args() -> list[str]:
    # The cases' own settings, whatever pytest configuration sits in the current directory.
    # The tool imported the plugins (for its own options) before pytest could mark them for
    # assertion rewriting; they hold no test asserts, so pytest's warning about that is noise.
    quiet = ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    return [
        "-c",
        os.devnull,
        "--rootdir",
        str(CASES),
        "-p",
        "no:cacheprovider",
        "-q",
        *quiet,
        str(CASES),
    ]


class ReportLocation:
    """Learns from the run's own config where the plugin wrote (no re-parsing of argv), and
    whether any case ran (only then is the HTML rebuilt)."""

    def __init__(self) -> None:
        self.agent_dir: Path | None = None
        self.explicit = False
        self.ran = False

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        from .plugin import report_dir

        self.agent_dir = report_dir(config)
        self.explicit = bool(config.getoption("--report-dir"))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" and "case_id" in dict(report.user_properties):
            self.ran = True


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    parser = tool_parser()
    known, _ = parser.parse_known_args(args)  # a bad tool option: one line, exit 4
    if known.help_pytest:
        return int(pytest.main([*_base_args(), "--help"]))
    if known.help:
        parser.print_help()
        return 0
    args = choose_workers(args, _count_cases)
    where = ReportLocation()
    status = int(pytest.main([*_base_args(), *args], plugins=[where]))
    if not where.ran or where.agent_dir is None or not (where.agent_dir / "index.json").exists():
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
