"""The HTML report, the summary table and merging, on a synthetic report root."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conformance.report import build_html, summary_table
from conformance.report.html import COLOURS
from conformance.report.merge import MergeClash, merge


def test_index_has_every_case_agent_colour_and_link(report_root: Path) -> None:
    index = build_html(report_root)
    html = index.read_text("utf-8")
    for area in ("connect", "send", "close", "events", "protocol"):
        assert f"{area}.case[4]" in html
    for colour in COLOURS.values():
        assert colour in html
    assert html.count("Missing</td>") == 3
    assert "alpha/alpha_case_connect.case_0_.html" in html
    assert "http://" not in html and "https://" not in html  # self-contained


def test_detail_page_shows_everything_escaped(report_root: Path) -> None:
    build_html(report_root)
    page = (report_root / "alpha" / "alpha_case_close.case_0_.html").read_text("utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "&lt;img src=x" in page and "a &lt;b&gt;case&lt;/b&gt;" in page
    for text in ("Defaults are code 1000", "client → server", "BINARY", "00 01 02", "03e8"):
        assert text in page


def test_summary_counts_per_verdict_and_area(report_root: Path) -> None:
    table = summary_table(report_root)
    alpha = table.split("agent beta")[0]
    total = next(line for line in alpha.splitlines() if line.strip().startswith("total"))
    assert total.split()[1:] == ["5", "5", "5", "5", "5", "0", "0"]
    beta = table.split("agent beta")[1]
    beta_total = next(line for line in beta.splitlines() if line.strip().startswith("total"))
    assert beta_total.split()[1:] == ["22", "0", "0", "0", "0", "0", "3"]


def test_merge_joins_and_refuses_a_clash(report_root: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "other"
    shutil.copytree(report_root / "beta", elsewhere / "beta")
    (report_root / "beta").rename(tmp_path / "beta-away")
    out = tmp_path / "merged"
    index = merge(out, [report_root, elsewhere])
    assert (out / "alpha" / "index.json").exists() and (out / "beta" / "index.json").exists()
    assert "beta" in index.read_text("utf-8")
    clash = tmp_path / "clash"
    shutil.copytree(elsewhere / "beta", clash / "beta")
    data = json.loads((clash / "beta" / "index.json").read_text())
    first = next(iter(data["beta"]))
    data["beta"][first]["behavior"] = "FAILED"
    (clash / "beta" / "index.json").write_text(json.dumps(data))
    with pytest.raises(MergeClash):
        merge(out, [clash])


def test_ids_sort_as_numbers_and_cells_show_the_close_code(tmp_path: Path) -> None:
    from conformance.report.index_page import natural

    ids = ["wire.10.1.1", "wire.2.10", "wire.1.2.8", "wire.2.9"]
    assert sorted(ids, key=natural) == ["wire.1.2.8", "wire.2.9", "wire.2.10", "wire.10.1.1"]
    root = tmp_path / "reports"
    from tests.report.conftest import write_agent

    write_agent(root, "alpha", {case: "OK" for case in ids})
    html = build_html(root).read_text("utf-8")
    positions = [html.index(f"data-id='{case}'") for case in sorted(ids, key=natural)]
    assert positions == sorted(positions)  # the old index sorted them as text
    assert "Pass · 1000 · 12 ms" in html  # the close code the mock server received


def test_long_hex_in_a_check_is_also_shown_as_text() -> None:
    from conformance.casefile import CaseDocument
    from conformance.report.case_page import detail_page

    check = {
        "clause": "SN1",
        "level": "MUST",
        "passed": False,
        "verdict": "FAILED",
        "what": "payload",
        "expected": "68 65 6c 6c 6f 20 77 6f 72 6c 64",
        "observed": "68656c6c6f20776f726c6421ff",
    }
    case = {"id": "send.x", "behavior": "FAILED", "checks": [check]}
    page = detail_page(CaseDocument.from_json(case, "send.x.json"))
    assert "as text: hello world</div>" in page
    assert "as text: hello world!\\xff</div>" in page
