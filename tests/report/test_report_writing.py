"""How the report is written fast: case files and index.json by the C encoder (one member a
line), and a case page shared by the agent folder and its kept run rendered once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.jsontext import readable_json
from conformance.report import case_page, html
from tests.conformance.suite_runner import run_suite


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        {"a": [], "b": {}, "c": None},
        {"id": "x", "trace": [{"t": 0.5, "v": "ü\n"}, [1, [2, {"k": "é"}]]], "n": 3},
        {"agent": {"case[1]": {"behavior": "OK", "cells": ["a", "b"]}, "case[2]": {}}},
        [[[[1]]], {"deep": {"deeper": {"deepest": [True, False]}}}],
    ],
)
@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_readable_json_reads_back_as_the_same_value(value: object, depth: int) -> None:
    assert json.loads(readable_json(value, depth)) == value


def test_readable_json_puts_one_member_a_line_down_to_its_depth() -> None:
    text = readable_json({"a": {"x": 1, "y": [1, 2]}, "b": ["é", {"z": None}]}, depth=2)
    assert text.splitlines() == [
        "{",
        ' "a": {',
        '  "x": 1,',
        '  "y": [1, 2]',
        " },",
        ' "b": [',
        '  "é",',
        '  {"z": null}',
        " ]",
        "}",
    ]


def test_readable_json_writes_records_through_default() -> None:
    class Record:
        def as_json(self) -> dict[str, int]:
            return {"n": 1}

    text = readable_json({"trace": [Record()]}, default=lambda v: v.as_json())  # type: ignore[attr-defined]
    assert json.loads(text) == {"trace": [{"n": 1}]}


def test_a_kept_runs_case_pages_are_rendered_once_and_equal_the_agents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, rows = run_suite(tmp_path, "--clause", "CN1")
    assert rows
    (run_folder,) = (tmp_path / "runs").iterdir()
    for path in run_folder.glob("*.html"):
        if path.name != "index.html":
            path.unlink()
    (run_folder / "index.html").unlink()  # the run's pages are made again on the next build
    calls: list[Path] = []
    real = case_page.render_detail

    def counting(source: Path, *args: object) -> object:
        calls.append(source)
        return real(source, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(case_page, "render_detail", counting)
    pages = html.render_pages(tmp_path)
    assert len(calls) == len(rows), "a page rendered for the agent folder was rendered again"
    for row in rows.values():
        name = html.detail_name(row["reportfile"])
        assert pages[run_folder / name] == pages[tmp_path / name]
    # a case file that changes is a new page
    first = next(iter(rows.values()))["reportfile"]
    document = json.loads((tmp_path / first).read_text("utf-8"))
    document["description"] = "changed"
    (tmp_path / first).unlink()  # the run folder keeps its hard link: the old file
    (tmp_path / first).write_text(json.dumps(document), "utf-8")
    calls.clear()
    pages = html.render_pages(tmp_path)
    assert len(calls) == len(rows) + 1
    name = html.detail_name(first)
    assert "changed" in pages[tmp_path / name] and "changed" not in pages[run_folder / name]
