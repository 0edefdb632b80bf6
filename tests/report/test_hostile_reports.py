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
from conformance.results import clear_cases, report_filename

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


def test_clear_cases_leaves_other_agents_alone(tmp_path: Path) -> None:
    mine, theirs = report_filename("*", "close.x"), report_filename("impl", "close.x")
    for name in (mine, theirs):
        (tmp_path / name).write_text("{}")
    clear_cases(tmp_path, "*")
    assert not (tmp_path / mine).exists() and (tmp_path / theirs).exists()


def test_an_agent_name_with_slashes_stays_inside_reports(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "--agent", "../x/y", "-k", "independent_objects"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    written = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*")}
    assert written == {"reports"}
    assert (tmp_path / "reports" / "_x_y" / "index.json").exists()
    assert "../x/y" in (tmp_path / "reports" / "_x_y" / "index.json").read_text()
