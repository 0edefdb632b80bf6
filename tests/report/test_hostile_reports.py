"""Hostile reports: names that would lead out of the folder, malformed files, agent clashes.
Each gives one line naming the file and how to mend it, and writes nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.report import ReportError, build_html, load_root
from conformance.report.__main__ import main as report_main
from conformance.report.merge import MergeClash, merge
from conformance.report.paths import MAX_AGENT, agent_folder, derived_agent
from conformance.results import report_filename
from tests import forkserver
from tests.conformance.suite_runner import run_tool

from .conftest import write_agent

REPO = Path(__file__).resolve().parents[2]


def files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")} if root.exists() else set()


def set_row(root: Path, agent: str, field: str, value: object, folder: str = "") -> None:
    index = root / (folder or agent) / "index.json"
    data = json.loads(index.read_text("utf-8"))
    first = next(iter(data[agent]))
    data[agent][first][field] = value
    index.write_text(json.dumps(data), "utf-8")


@pytest.mark.parametrize("reportfile", ["../../../x.json", "/tmp/x.json", "..", "a/b.json", 5])
def test_a_reportfile_out_of_its_folder_is_refused(
    report_root: Path, tmp_path: Path, reportfile: object
) -> None:
    set_row(report_root, "alpha", "reportfile", reportfile)
    before = files(tmp_path)
    with pytest.raises(ReportError, match="reportfile"):
        build_html(report_root)
    with pytest.raises(ReportError, match="reportfile"):
        merge(tmp_path / "merged", [report_root])
    assert files(tmp_path) == before  # nothing written: no index.html, no merged/


MALFORMED_INDEX = [
    ("{not json", "not JSON"),
    ("[]", "not an object"),
    ('{"a": []}', "no object of cases"),
    ('{"a": {"c": 5}}', "not an object"),
    ('{"a": {"c": {"behavior": "GREAT", "reportfile": "x.json"}}}', "behavior"),
    ('{"a": {"c": {"behavior": "OK", "reportfile": "x.json", "clause": "CL2"}}}', "clause"),
    ('{"a": {"c": {"behavior": "OK", "reportfile": "x.json", "area": 5}}}', "area"),
    ("[" * 100_000 + "]" * 100_000, "index"),
]


@pytest.mark.parametrize(("text", "why"), MALFORMED_INDEX)
def test_a_malformed_index_is_one_line_and_writes_nothing(
    tmp_path: Path, text: str, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "reports"
    (root / "a").mkdir(parents=True)
    (root / "a" / "index.json").write_text(text, "utf-8")
    before = files(tmp_path)
    with pytest.raises(ReportError, match=why):
        load_root(root)
    for argv in (
        ["build", str(root)],
        ["summary", str(root)],
        ["merge", str(tmp_path / "m"), str(root)],
    ):
        assert report_main(argv) == 1
        err = capsys.readouterr().err
        assert "index.json" in err and "Traceback" not in err and len(err.splitlines()) == 1
    assert files(tmp_path) == before


@pytest.mark.parametrize(
    "text",
    [
        "{broken",
        "[1, 2]",
        '{"checks": 5}',
        '{"checks": [{"verdict": "NOPE"}]}',
        '{"trace": [{"t": "x"}]}',
    ],
)
def test_a_malformed_case_file_is_one_line_and_writes_nothing(
    report_root: Path, tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    alpha = json.loads((report_root / "alpha" / "index.json").read_text("utf-8"))["alpha"]
    reportfile = next(iter(alpha.values()))["reportfile"]
    (report_root / "alpha" / reportfile).write_text(text, "utf-8")
    before = files(tmp_path)
    assert report_main(["build", str(report_root)]) == 1
    err = capsys.readouterr().err
    assert reportfile in err and "Traceback" not in err and len(err.splitlines()) == 1
    assert report_main(["merge", str(tmp_path / "merged"), str(report_root)]) == 1
    capsys.readouterr()
    assert files(tmp_path) == before


def test_summary_of_a_missing_or_empty_folder_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert report_main(["summary", str(tmp_path / "nope")]) == 1
    assert "no such folder" in capsys.readouterr().err
    assert report_main(["summary", str(tmp_path)]) == 1
    assert "holds no index.json" in capsys.readouterr().err


def test_merge_sees_an_agent_clash_whatever_the_folders_are_called(
    report_root: Path, tmp_path: Path
) -> None:
    other = tmp_path / "machine-b"
    shutil.copytree(report_root / "beta", other / "beta-from-b")
    set_row(other, "beta", "behavior", "FAILED", folder="beta-from-b")
    out = tmp_path / "merged"
    with pytest.raises(MergeClash, match="'beta'"):
        merge(out, [report_root, other])
    assert not out.exists()
    same = tmp_path / "machine-c"
    shutil.copytree(report_root / "beta", same / "renamed")
    merge(out, [report_root, same])
    assert load_root(out).agents == ["alpha", "beta"]


def test_two_agents_in_folders_of_one_name_both_survive_a_merge(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    write_agent(first, "impl", {"close.x": "OK"})
    write_agent(second, "ignored", {"close.x": "FAILED"})
    data = json.loads((second / "ignored" / "index.json").read_text())
    (second / "ignored").rename(second / "impl")
    (second / "impl" / "index.json").write_text(json.dumps({"other": data["ignored"]}))
    out = tmp_path / "merged"
    merge(out, [first, second])
    matrix = load_root(out)
    assert sorted(matrix.agents) == ["impl", "other"]
    assert matrix.verdict("close.x", "other") == "FAILED"


def test_an_agent_name_with_slashes_stays_inside_reports(tmp_path: Path) -> None:
    proc = _conformance(tmp_path, "--agent", "../x/y")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    written = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*")}
    assert written == {"reports"}
    folder = agent_folder("../x/y")
    folders = [p.name for p in (tmp_path / "reports").iterdir() if p.is_dir()]
    assert folder.startswith("_") and folders == [folder]
    assert "../x/y" in (tmp_path / "reports" / folder / "index.json").read_text()


# -- round 2 (issue 18) -----------------------------------------------------------------------


def _conformance(cwd: Path, *args: str) -> forkserver.Finished:
    return run_tool(cwd, "-k", "independent_objects", *args)


def test_two_agents_whose_safe_names_agree_both_keep_their_report(tmp_path: Path) -> None:
    for agent in ("甲", "乙"):
        proc = _conformance(tmp_path, "--agent", agent)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    matrix = load_root(tmp_path / "reports")
    assert sorted(matrix.agents) == ["乙", "甲"]
    assert agent_folder("甲") != agent_folder("乙")


def test_another_agent_in_the_same_report_dir_is_refused_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _conformance(tmp_path, "--agent", "a", "--report-dir", str(out))
    assert first.returncode == 0, first.stderr[-2000:]
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    second = _conformance(tmp_path, "--agent", "b", "--report-dir", str(out))
    assert second.returncode == 4, second.stdout[-2000:] + second.stderr[-2000:]
    err = [line for line in second.stderr.splitlines() if "ERROR" in line or "agent" in line]
    assert (
        err
        and "holds the report of agent 'a'" in second.stderr
        and "Traceback" not in (second.stderr)
    )
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_an_agent_derived_from_a_long_driver_argument_is_bounded(tmp_path: Path) -> None:
    garbage = REPO / "tests" / "conformance" / "drivers" / "garbage.py"
    long_word = "x" * 240
    iut = f"cmd:{sys.executable} {garbage} stderr-bytes {long_word}"
    proc = run_tool(tmp_path, "--iut", iut, "--clause", "M2", "-p", "no:xdist")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    matrix = load_root(tmp_path / "reports")
    (agent,) = matrix.agents
    assert len(agent) <= MAX_AGENT and agent.startswith("cmd-xxx")
    assert all(len(p.name) < 200 for p in (tmp_path / "reports").rglob("*"))


def test_derived_and_given_agent_names_are_bounded_and_printable() -> None:
    long_a, long_b = "cmd-" + "x" * 240, "cmd-" + "x" * 239 + "y"
    assert len(derived_agent(long_a)) <= MAX_AGENT
    assert derived_agent(long_a) != derived_agent(long_b)
    assert derived_agent("cmd-a\nb\x7f") == "cmd-a_b_"
    assert len(report_filename(derived_agent(long_a), "close.x")) < 200


def test_merge_refuses_a_linked_agent_folder_before_writing(
    report_root: Path, tmp_path: Path
) -> None:
    out, elsewhere = tmp_path / "merged", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "alpha").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(ReportError, match="link"):
        merge(out, [report_root])
    assert list(elsewhere.iterdir()) == [] and sorted(p.name for p in out.iterdir()) == ["alpha"]


def test_merge_refuses_a_linked_case_file_or_page_before_writing(
    report_root: Path, tmp_path: Path
) -> None:
    out, victim = tmp_path / "merged", tmp_path / "victim.txt"
    victim.write_text("mine")
    (out / "beta").mkdir(parents=True)
    first = report_filename("beta", "connect.case[0]")
    (out / "beta" / first).symlink_to(victim)
    with pytest.raises(ReportError, match="link"):
        merge(out, [report_root])
    assert victim.read_text() == "mine" and not (out / "alpha").exists()
    (out / "beta" / first).unlink()
    (out / "index.html").symlink_to(victim)
    with pytest.raises(ReportError, match="link"):
        merge(out, [report_root])
    assert victim.read_text() == "mine" and not (out / "alpha").exists()


def test_build_refuses_a_linked_page_and_writes_nothing(report_root: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    (report_root / "index.html").symlink_to(victim)
    before = files(report_root)
    with pytest.raises(ReportError, match="link"):
        build_html(report_root)
    assert victim.read_text() == "mine" and files(report_root) == before


def test_the_suite_refuses_a_linked_report_file_before_the_run(tmp_path: Path) -> None:
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    out.mkdir()
    victim.write_text("mine")
    (out / "index.json").symlink_to(victim)
    proc = _conformance(tmp_path, "--agent", "a", "--report-dir", str(out))
    assert proc.returncode == 4 and "is a link" in proc.stderr, proc.stderr[-2000:]
    assert victim.read_text() == "mine"


@pytest.mark.parametrize("name", ["javascript:alert(1)", "a?b#c", "data:x,y", "%2e%2e", "x y"])
def test_every_link_in_the_pages_is_relative(tmp_path: Path, name: str) -> None:
    import re
    from urllib.parse import unquote, urlsplit

    root = tmp_path / "reports"
    write_agent(root, "alpha", {"close.x": "OK"})
    (root / "alpha").rename(root / name)
    build_html(root)
    for page in root.rglob("*.html"):
        for href in re.findall(r"href='([^']*)'", page.read_text("utf-8")):
            if href.startswith("#") and "/" not in href:  # within the page: a filter, a section
                continue
            parts = urlsplit(href)
            assert not parts.scheme and not parts.netloc and not parts.query, href
            assert not parts.fragment and not href.startswith("/"), href
            assert (page.parent / unquote(href)).resolve().is_file(), href


@pytest.mark.parametrize("verdict", ["failed", "ok", "PASS", ""])
def test_diff_refuses_a_verdict_that_is_not_one(
    report_root: Path, tmp_path: Path, verdict: str, capsys: pytest.CaptureFixture[str]
) -> None:
    new = tmp_path / "new"
    shutil.copytree(report_root / "alpha", new)
    set_row(tmp_path, "alpha", "behavior", verdict, folder="new")
    assert report_main(["diff", str(report_root / "alpha"), str(new)]) == 2
    err = capsys.readouterr().err
    assert "behavior" in err and "Traceback" not in err and len(err.splitlines()) == 1
    with pytest.raises(ReportError):
        build_html(tmp_path / "new")


def test_diff_html_is_utf8_whatever_the_locale(report_root: Path, tmp_path: Path) -> None:
    new = tmp_path / "new"
    shutil.copytree(report_root / "alpha", new)
    set_row(tmp_path, "alpha", "behavior", "FAILED", folder="new")
    page = tmp_path / "diff.html"
    env = {**os.environ, "PYTHONPATH": str(REPO), "LC_ALL": "C", "LANG": "C"}
    env.pop("PYTHONUTF8", None)
    env["PYTHONIOENCODING"] = "utf-8"  # the terminal, not the file: the file must not care
    proc = subprocess.run(
        [
            sys.executable,
            "-X",
            "utf8=0",
            "-m",
            "conformance.report",
            "diff",
            str(report_root / "alpha"),
            str(new),
            "--html",
            str(page),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    assert "→" in page.read_bytes().decode("utf-8")


def test_diff_html_refuses_a_link(report_root: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    (tmp_path / "diff.html").symlink_to(victim)
    argv = ["diff", str(report_root / "alpha"), str(report_root / "alpha")]
    assert report_main([*argv, "--html", str(tmp_path / "diff.html")]) == 2
    assert victim.read_text() == "mine"
