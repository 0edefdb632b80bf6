"""Known-failure expectations gate on "nothing got worse"; `report diff` lists exactly the
cases whose verdicts changed between two real runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import expectations
from conformance.report.diff import diff_runs
from tests.conformance.suite_runner import REPO, run_suite, run_tool

BROKEN = "tests.conformance.broken.close_default_1001"  # CL2: close() sends 1001


def _run_with(tmp_path: Path, name: str, *args: str) -> tuple[int, dict, str]:
    """``python -m conformance --report-dir OUT --clause CL2 ARGS`` (run_tool: forked)."""
    out = tmp_path / name
    proc = run_tool(REPO, "--report-dir", str(out), "--clause", "CL2", *args, timeout=240)
    rows = next(iter(json.loads((out / "index.json").read_text()).values()))
    return proc.returncode, rows, proc.stdout + proc.stderr


def test_a_file_listing_every_failure_passes_and_a_new_failure_fails(tmp_path: Path) -> None:
    known = tmp_path / "expectations.toml"
    status, rows, _ = _run_with(
        tmp_path, "first", "--iut", BROKEN, "--update-expectations", str(known)
    )
    failing = sorted(c for c, r in rows.items() if r["behavior"] == "FAILED")
    # Recording the baseline succeeds (exit 0: a CI step that records it must not fail);
    # the old code exited 1 here.
    assert status == 0 and failing
    written = expectations.load(known)
    assert sorted(e.case for e in written.entries) == failing

    status, rows, output = _run_with(
        tmp_path, "again", "--iut", BROKEN, "--expectations", str(known)
    )
    assert status == 0, output
    assert {r["expected"] for c, r in rows.items() if c in failing} == {"FAILED"}

    dropped = failing[0]  # now one failure is not in the file: a "new" failure
    entries = [e for e in written.entries if e.case != dropped]
    known.write_text(expectations.render(entries))
    status, _, output = _run_with(tmp_path, "third", "--iut", BROKEN, "--expectations", str(known))
    assert status == 1
    assert f"UNEXPECTED FAILED: {dropped}" in output

    status, _, output = _run_with(
        tmp_path, "fixed", "--expectations", str(known), "--strict-expectations"
    )
    assert status == 1 and "UNEXPECTED PASS" in output  # impl passes what the file expects to fail


def test_update_keeps_reasons_and_patterns() -> None:
    old = expectations.parse(
        '[[expect]]\ncase = "a.one"\nverdict = "FAILED"\nreason = "bug 1"\n'
        '[[expect]]\ncase = "b.*"\nverdict = "NON-STRICT"\nreason = "known"\n'
        '[[expect]]\ncase = "c.gone"\nverdict = "FAILED"\nreason = "fixed since"\n'
    )
    verdicts = {"a.one": "FAILED", "b.x[1]": "NON-STRICT", "c.gone": "OK", "d.new": "FAILED"}
    entries = expectations.updated(old, verdicts)
    assert [(e.case, e.reason) for e in entries] == [
        ("b.*", "known"),
        ("a.one", "bug 1"),
        ("d.new", "TODO: say why this case fails, or link a bug"),
    ]
    assert expectations.parse(expectations.render(entries)).entries == entries


def test_update_after_a_selection_keeps_the_entries_of_cases_that_did_not_run() -> None:
    """--update-expectations after a run of some cases (-k, --clause) judges those cases only:
    every other entry, exact or pattern, stays with its reason."""
    old = expectations.parse(
        '[[expect]]\ncase = "close.a"\nverdict = "FAILED"\nreason = "bug 7"\n'
        '[[expect]]\ncase = "wire.*"\nverdict = "NON-STRICT"\nreason = "ws is lazy"\n'
        '[[expect]]\ncase = "send.b"\nverdict = "FAILED"\nreason = "fixed now"\n'
    )
    entries = expectations.updated(old, {"send.b": "OK", "send.c": "FAILED"})
    assert [(e.case, e.reason) for e in entries] == [
        ("close.a", "bug 7"),
        ("wire.*", "ws is lazy"),
        ("send.c", "TODO: say why this case fails, or link a bug"),
    ]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[[expect]]\ncase = 'x'\nverdict = 'FAILED'\n", "'reason' must say why"),
        ("[[expect]]\ncase = 'x'\nverdict = 'BAD'\nreason = 'r'\n", "'verdict' must be one of"),
        ("[[expect]]\ncase = 'x'\nverdict = 'OK'\nreason = 'r'\ncolour = 1\n", "unknown key"),
        ("[[expect]\n", "not valid TOML"),
        ("[other]\n", "unknown table"),
        (  # an id of a case that became a check on a wire case: never matched again
            "[[expect]]\ncase = 'protocol.6_4_invalid_utf8_fails_fast'\nverdict = 'NON-STRICT'\n"
            "reason = 'ws is lazy'\n",
            r"renamed to 'wire\.autobahn\[6\.4\.1\]'.*rename the entry",
        ),
    ],
)
def test_a_bad_file_is_one_clear_line(text: str, said: str) -> None:
    with pytest.raises(expectations.ExpectationsError, match=said) as caught:
        expectations.parse(text, "exp.toml")
    assert "\n" not in str(caught.value)


def test_brackets_in_case_ids_are_literal() -> None:
    assert expectations.matches("send.payload[promise-1MiB]", "send.payload[promise-*]")
    assert not expectations.matches("send.payload[p]", "send.payload[pq]")


def test_diff_of_two_real_runs_lists_exactly_the_changed_cases(tmp_path: Path) -> None:
    _, reference = run_suite(tmp_path / "impl", "--clause", "CL2", "--clause", "CL3")
    _, broken = run_suite(
        tmp_path / "broken", "--iut", BROKEN, "--clause", "CL2", "--clause", "CL3"
    )
    changed = {c for c in reference if reference[c]["behavior"] != broken[c]["behavior"]}
    assert changed
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "conformance.report",
            "diff",
            str(tmp_path / "impl"),
            str(tmp_path / "broken" / "index.json"),
            "--html",
            str(tmp_path / "diff.html"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1  # something got worse
    listed = {
        line.split()[0]
        for line in proc.stdout.splitlines()
        if line.startswith("  ") and not line.startswith("   ")  # a case, not its details
    }
    assert listed == changed
    assert all(c in (tmp_path / "diff.html").read_text() for c in changed)
    back = subprocess.run(
        [
            sys.executable,
            "-m",
            "conformance.report",
            "diff",
            str(tmp_path / "broken"),
            str(tmp_path / "impl"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert back.returncode == 0 and "fixed" in back.stdout


def test_diff_kinds() -> None:
    diff = diff_runs(
        {"a": "OK", "b": "FAILED", "c": "NON-STRICT", "d": "OK", "gone": "OK"},
        {"a": "FAILED", "b": "OK", "c": "FAILED", "d": "INFORMATIONAL", "new": "OK"},
    )
    assert {c.case: c.kind for c in diff.changes} == {
        "a": "new failure",
        "b": "fixed",
        "c": "worse",
        "d": "changed",
        "gone": "removed",
        "new": "added",
    }
    assert diff.got_worse
