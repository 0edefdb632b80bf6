"""Runs kept: every suite run is a folder ``<agent dir>/runs/<stamp>/`` of its own.

The agent folder (``reports/<agent>/``) holds the agent's current view: for each case, the row
of the latest run that ran it (``results.write_index`` merges; a selection adds to a report
and never deletes a fuller one). Beside it, ``runs/<stamp>/`` keeps each run as it was:

- ``run.json``: when, which suite, which implementation and driver (the ``hello`` reply),
  which transport, which command line, and the expectations file's word on each case;
- ``index.json``: that run's rows only (``{agent: {case: row}}``, docs/report-format.md);
- the run's case files, hard links to the agent folder's (``paths.write_file`` replaces a
  file by renaming, so a later run never changes an earlier run's bytes), copies where the
  file system has no hard links.

A run folder is a report folder like any other: ``report build``/``summary``/``diff`` take
it. ``RunRecorder`` (a pytest plugin object the suite's plugin registers) writes the folder
at the end of a session that ran conformance cases; nothing otherwise.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..casefile import CaseDocument
from ..iut.hello import DriverInfo
from ..iut.spec import is_driver_spec
from .ci import finish_junit
from .model import index_json, read_index
from .paths import ReportError, case_file, write_file

if TYPE_CHECKING:
    from ..results import CaseRow

RUNS = "runs"  # the folder of runs inside an agent folder
RUN_FILE = "run.json"
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d{6}Z(-\d+)?")


@dataclass(frozen=True)
class CaseExpectation:
    """What the run's ``--expectations`` file said of one case."""

    expected: str  # a verdict word, or "pass"
    reason: str


@dataclass(frozen=True)
class RunInfo:
    """One run's metadata (``run.json``). ``as_json`` is its one writer, ``from_json`` its one
    reader."""

    stamp: str  # the run folder's name: the start time, UTC
    agent: str
    started: str  # ISO 8601, UTC
    finished: str
    suite_version: str
    iut: str  # --iut as given
    implementation: str | None  # from the driver's hello (None: no driver, or it did not say)
    driver: str | None
    language: str | None
    api_level: int | None
    transport: str
    command: str
    cases: int
    expectations: dict[str, CaseExpectation] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["expectations"] = {c: asdict(e) for c, e in sorted(self.expectations.items())}
        return data

    @classmethod
    def from_json(cls, data: object, where: str) -> RunInfo:
        mend = "rerun the suite, or remove that run folder"
        if not isinstance(data, dict):
            raise ReportError(f"{where}: a run file is a JSON object: {mend}")
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = data.get(f.name)
            if f.name == "expectations":
                value = _read_expectations(value, where, mend)
            elif f.name in ("api_level", "cases"):
                if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                    raise ReportError(f"{where}: {f.name} is not a number: {mend}")
                value = value if value is not None or f.name == "api_level" else 0
            elif value is not None and not isinstance(value, str):
                raise ReportError(f"{where}: {f.name} is not text: {mend}")
            elif value is None and f.name not in ("implementation", "driver", "language"):
                value = ""
            values[f.name] = value
        return cls(**values)

    @property
    def when(self) -> str:
        """The start time as people read it (``2026-12-01 10:32:27 UTC``)."""
        try:
            return datetime.fromisoformat(self.started).strftime("%Y-%m-%d %H:%M:%S UTC")
        except ValueError:
            return self.started or self.stamp

    def facts(self) -> list[tuple[str, str]]:
        """``(label, text)`` pairs for a page header or the terminal, in reading order."""
        implementation = self.implementation or self.iut
        if self.language:
            implementation += f" ({self.language})"
        return [
            ("run", f"{self.when} ({self.stamp})"),
            ("suite", self.suite_version),
            ("implementation", implementation),
            ("driver", self.driver or "in-process (no driver)"),
            ("api level", "—" if self.api_level is None else str(self.api_level)),
            ("transport", self.transport),
            ("cases run", str(self.cases)),
            ("command", self.command),
        ]


def _read_expectations(value: object, where: str, mend: str) -> dict[str, CaseExpectation]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ReportError(f"{where}: expectations is not an object of cases: {mend}")
    result = {}
    for case, entry in value.items():
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("expected"), str)
            and isinstance(entry.get("reason", ""), str)
        ):
            raise ReportError(f"{where}: expectation of {str(case)[:80]!r} is malformed: {mend}")
        result[str(case)] = CaseExpectation(entry["expected"], entry.get("reason", ""))
    return result


@dataclass(frozen=True)
class Run:
    """A run folder and what its ``run.json`` says."""

    path: Path
    info: RunInfo


def list_runs(agent_dir: Path) -> list[Run]:
    """The agent folder's runs, oldest first (a folder without a readable ``run.json`` is
    skipped: it is not a run this suite wrote)."""
    runs_dir = Path(agent_dir) / RUNS
    if not runs_dir.is_dir() or runs_dir.is_symlink():
        return []
    found = []
    for path in sorted(runs_dir.iterdir()):
        if not _STAMP.fullmatch(path.name) or path.is_symlink() or not path.is_dir():
            continue
        info = read_run_info(path)
        if info is not None:
            found.append(Run(path, info))
    return found


def read_run_info(folder: Path) -> RunInfo | None:
    """``folder/run.json``, or None when there is none; a ReportError when it is malformed."""
    path = Path(folder) / RUN_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise ReportError(f"{path}: not a run file ({str(exc)[:100]}): remove that run") from None
    return RunInfo.from_json(data, str(path))


def run_of_cases(agent_dir: Path, runs: list[Run] | None = None) -> dict[str, Run]:
    """For each case of the agent's current view, the run its row comes from: the newest run
    that ran it (cases of reports written before runs were kept have none)."""
    result: dict[str, Run] = {}
    for run in runs if runs is not None else list_runs(agent_dir):  # oldest first
        try:
            index = read_index(run.path / "index.json")
        except ReportError:
            continue
        for cases in index.values():
            for case_id in cases:
                result[case_id] = run
    return result


def resolve_run(spec: str, root: Path) -> Path:
    """A run given as a folder (or its ``index.json``), or as ``AGENT@WHEN`` under ``root``:
    WHEN is ``latest``, ``previous``, or the start of a run's stamp (``2026-12-01T10``);
    ``AGENT`` alone is the agent's current view. A ReportError names what was not found."""
    path = Path(spec)
    if path.exists():
        return path
    agent, _, when = spec.partition("@")
    from .paths import agent_folder

    agent_dir = Path(root) / agent_folder(agent)
    if not (agent_dir / "index.json").is_file():
        raise ReportError(
            f"{spec}: neither a report folder nor an agent of {root} (no {agent_dir}/index.json): "
            "give a folder, or AGENT@WHEN with --root"
        )
    if not when:
        return agent_dir
    runs = list_runs(agent_dir)
    stamps = ", ".join(r.path.name for r in runs[-5:]) or "none"
    if when == "latest" and runs:
        return runs[-1].path
    if when == "previous" and len(runs) >= 2:
        return runs[-2].path
    matching = [r for r in runs if r.path.name.startswith(when)]
    if len(matching) == 1:
        return matching[0].path
    why = "several runs match" if matching else "no run matches"
    raise ReportError(
        f"{spec}: {why} {when!r} in {agent_dir / RUNS} (latest runs: {stamps}): "
        "give latest, previous, or more of a stamp"
    )


def new_stamp(started: datetime, agent_dir: Path) -> str:
    stamp = started.astimezone(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    name, n = stamp, 2
    while (agent_dir / RUNS / name).exists():
        name, n = f"{stamp}-{n}", n + 1
    return name


def record_run(agent_dir: Path, agent: str, case_ids: Iterable[str], info: RunInfo) -> Path:
    """Write ``agent_dir/runs/<info.stamp>/``: run.json, the rows of ``case_ids`` from the
    agent's ``index.json`` (just written), and their case files. Returns the folder."""
    agent_dir = Path(agent_dir)
    rows = read_index(agent_dir / "index.json").get(agent, {})
    ran = {case: rows[case] for case in sorted(set(case_ids)) if case in rows}
    folder = agent_dir / RUNS / info.stamp
    folder.mkdir(parents=True, exist_ok=False)
    for case_id, row in ran.items():
        source = case_file(agent_dir, row.reportfile, f"{agent_dir}: case {case_id!r}")
        if source.is_file() and not source.is_symlink():
            _link_or_copy(source, folder / source.name)
    write_file(folder / "index.json", index_json({agent: ran}))
    write_file(folder / RUN_FILE, json.dumps(info.as_json(), ensure_ascii=False, indent=1))
    return folder


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target, follow_symlinks=False)


# -- what a run knows about itself ---------------------------------------------------------


def suite_version() -> str:
    """The package version, and the checkout's commit when the suite runs from one."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        text = version("ohos-websocket-conformance")
    except PackageNotFoundError:
        text = "unknown"
    repo = Path(__file__).resolve().parents[2]
    if (repo / ".git").exists():
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run(
                ["git", "-C", str(repo), "describe", "--always", "--dirty"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
            if done.returncode == 0 and done.stdout.strip():
                text += f" ({done.stdout.strip()})"
    return text


def command_line() -> str:
    """How this process was started, as a person would type it."""
    argv = list(getattr(sys, "orig_argv", sys.argv))
    if argv:
        argv[0] = Path(argv[0]).name
    return shlex.join(argv)


def _hello(agent_dir: Path, rows: Mapping[str, CaseRow], iut: str) -> DriverInfo:
    """The driver's ``hello`` as the first case file of the run that holds one shows it (a
    blank ``DriverInfo``: no driver, or no readable case file says). An implementation run
    in-process (``iut`` names no driver) has none: no case file is read."""
    if not is_driver_spec(iut):
        return DriverInfo()
    for case_id, row in rows.items():
        with contextlib.suppress(OSError, ValueError, RecursionError, ReportError):
            path = case_file(agent_dir, row.reportfile, case_id)
            driver = CaseDocument.from_json(json.loads(path.read_text("utf-8")), str(path)).driver
            if driver is not None:
                return driver
    return DriverInfo()


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


class RunRecorder:
    """The suite plugin registers one per config: at the end of a session that ran
    conformance cases (on the controller under pytest-xdist), after ``index.json`` is written,
    it keeps the run as ``runs/<stamp>/``. A session without cases writes nothing."""

    def __init__(self, config: pytest.Config, agent: str, agent_dir: Path) -> None:
        self.config = config
        self.agent = agent
        self.agent_dir = agent_dir
        self.started = datetime.now(UTC)

    @pytest.hookimpl
    def pytest_conformance_run_finished(
        self, config: pytest.Config, rows: Mapping[str, CaseRow], index: Path | None
    ) -> None:
        """After the run wrote ``index.json`` (on the controller under pytest-xdist)."""
        if config is not self.config or not rows or index is None:
            return
        self._record(config, dict(rows))

    def _record(self, config: pytest.Config, ran_rows: dict[str, CaseRow]) -> None:
        """Keep this run (its rows, as the run just wrote them to index.json)."""
        agent, agent_dir = self.agent, self.agent_dir
        try:
            iut = str(config.getoption("--iut"))
            hello = _hello(agent_dir, ran_rows, iut)
            info = RunInfo(
                stamp=new_stamp(self.started, agent_dir),
                agent=agent,
                started=self.started.isoformat(timespec="seconds"),
                finished=datetime.now(UTC).isoformat(timespec="seconds"),
                suite_version=suite_version(),
                iut=iut,
                implementation=_text(hello.implementation),
                driver=_text(hello.driver),
                language=_text(hello.language),
                api_level=hello.api_level,
                transport=str(config.getoption("--transport")),
                command=command_line(),
                cases=len(ran_rows),
                expectations=self._expectations(ran_rows),
            )
            folder = record_run(agent_dir, agent, ran_rows, info)
            junit = config.getoption("xmlpath", None)
            if junit:
                finish_junit(Path(junit), folder, str(config.getoption("--fail-on")))
        except (OSError, ReportError) as exc:
            message = f"conformance: the run could not be kept in {agent_dir / RUNS}: {exc}"
        else:
            message = f"conformance: run kept in {folder}"
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(message)

    def _expectations(self, rows: Mapping[str, CaseRow]) -> dict[str, CaseExpectation]:
        from ..expectations import EXPECTATIONS_KEY

        known = self.config.stash.get(EXPECTATIONS_KEY, None)
        if known is None:
            return {}
        result = {}
        for case_id in rows:
            entry = known.entry_for(case_id)
            expected = rows[case_id].expected or (entry.verdict if entry else "pass")
            result[case_id] = CaseExpectation(expected, entry.reason if entry else "")
        return result
