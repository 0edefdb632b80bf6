"""The plugin side's seams (issue 16): one list of verdict words and one "as expected", a case
spec that a case cannot rewrite, frozen checks and results, the closing clauses read from the
contract, one run object that exists only where cases run, no import cycles, no private pytest
names, and hooks as extension points."""

from __future__ import annotations

import ast
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import clauses as clauses_module
from conformance.clauses import clause, closing_clauses
from conformance.context import CLOSE_CLAUSES
from conformance.expectations import KNOWN
from conformance.report.model import VERDICTS
from conformance.results import CaseRow, Check
from conformance.spec import CaseSpec, UndeclaredClause
from conformance.verdicts import WORDS, Judgement, Verdict, check_verdict, judge, meets

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "conformance"


# -- verdicts -------------------------------------------------------------------------------


def test_the_verdict_words_are_listed_once() -> None:
    assert WORDS == (
        "OK",
        "NON-STRICT",
        "INFORMATIONAL",
        "UNIMPLEMENTED",
        "FAILED",
        "HARNESS-ERROR",
    )
    assert VERDICTS == (*WORDS, "MISSING")  # the report's columns: derived, MISSING apart
    assert sorted(KNOWN) == sorted(WORDS)  # what an expectations file may name
    assert Verdict.parse("MISSING") is None  # a report-only state, never a verdict
    # A member is its word: JSON and properties carry the word itself.
    assert json.dumps([Verdict.NON_STRICT]) == '["NON-STRICT"]'
    assert check_verdict("SHOULD", False) is Verdict.NON_STRICT


@pytest.mark.parametrize(
    ("verdict", "expected", "judgement"),
    [
        ("OK", "pass", Judgement.AS_EXPECTED),
        ("UNIMPLEMENTED", "pass", Judgement.AS_EXPECTED),
        ("FAILED", "FAILED", Judgement.KNOWN_FAILURE),
        ("NON-STRICT", "FAILED", Judgement.UNEXPECTED_FAILURE),
        ("HARNESS-ERROR", "pass", Judgement.UNEXPECTED_FAILURE),
        ("OK", "NON-STRICT", Judgement.UNEXPECTED_PASS),
        ("OK", "OK", Judgement.AS_EXPECTED),
    ],
)
def test_as_expected_is_decided_in_one_place(
    verdict: str, expected: str, judgement: Judgement
) -> None:
    assert judge(verdict, expected) is judgement
    assert meets(verdict, expected) is judgement.as_expected


# -- the case spec and the check ---------------------------------------------------------------


def _spec(clauses: tuple[str, ...], **params: str) -> CaseSpec:
    marker = pytest.mark.case(
        area="events",
        method="on",
        overload=lambda p: f"on('{p['kind']}')",
        clauses=clauses,
        description="d",
        expectation="e",
        cells=lambda p: ["a, with a comma", "a, with a comma", "b"],
    ).mark
    return CaseSpec.from_marker(marker, "received", params, "-".join(params.values()))


def test_refine_gives_a_new_spec_whose_level_follows_the_new_main_clause() -> None:
    spec = _spec(("EV12", "EV13"), kind="text")
    assert (spec.case_id, spec.overload) == ("events.received[text]", "on('text')")
    assert spec.level == "MUST"
    assert spec.cells == ("a, with a comma", "b")  # once each, commas kept
    refined = spec.refine("EV13")
    assert (refined.clauses, refined.level) == (("EV13",), "INFO")
    assert refined.level == clause("EV13").level
    assert (spec.clauses, spec.level) == (("EV12", "EV13"), "MUST")  # the collected spec stays
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.level = "INFO"  # type: ignore[misc]
    with pytest.raises(UndeclaredClause):
        spec.refine("EV12", "SD1")
    with pytest.raises(UndeclaredClause):
        spec.refine()


def test_a_refined_row_carries_the_refined_level(pytester: pytest.Pytester) -> None:
    """The row and the case file of a case that refines to its SHOULD clause say SHOULD, and
    the item's collected spec is the marker's, untouched by the case."""
    pytester.makeconftest(
        """
import json
from conformance.spec import spec_of

def pytest_runtest_teardown(item):
    spec = spec_of(item)
    if spec is not None:
        with open("collected.json", "w") as out:
            json.dump({"clauses": list(spec.clauses), "level": spec.level}, out)
"""
    )
    pytester.makepyfile(
        """
import pytest

@pytest.mark.case(area="events", method="on", clauses=("EV3", "EV4"),
                  description="d", expectation="e")
def test_server_close(ctx):
    ctx.refine("EV4", "EV3")
    ctx.check("EV4", True, "code", 1005, 1005)
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--report-dir", "out")
    assert result.ret == 0, result.outlines[-20:]
    row = json.loads((pytester.path / "out" / "index.json").read_text())["impl"][
        "events.server_close"
    ]
    assert (row["clause"], row["level"]) == (["EV4", "EV3"], "SHOULD")
    case_file = json.loads((pytester.path / "out" / row["reportfile"]).read_text())
    assert [c["id"] for c in case_file["clauses"]] == ["EV4", "EV3"]
    assert case_file["checks"][0]["verdict"] == "OK"
    collected = json.loads((pytester.path / "collected.json").read_text())
    assert collected == {"clauses": ["EV3", "EV4"], "level": "MUST"}


def test_checks_and_rows_are_frozen_and_written_once() -> None:
    check = Check("CL2", "MUST", False, Verdict.FAILED, "payload", "03e8", "03e9")
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.verdict = Verdict.OK  # type: ignore[misc]
    assert check.as_json() == {
        "clause": "CL2",
        "level": "MUST",
        "passed": False,
        "verdict": "FAILED",
        "what": "payload",
        "expected": "03e8",
        "observed": "03e9",
    }
    row = CaseRow("a.b", "OK", "FAILED", 1, None, "x.json", ("CL2",), "MUST", "a", "m", "o")  # type: ignore[arg-type]
    assert row.behaviorClose is Verdict.FAILED
    # What crosses to the xdist controller is plain text, never an enum member.
    assert all(type(v) in (str, int, type(None)) for _, v in row.as_properties())
    assert CaseRow.from_properties(row.as_properties()) == row


# -- the closing clauses ---------------------------------------------------------------------


def test_the_closing_clauses_are_the_contracts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert CLOSE_CLAUSES == closing_clauses()
    assert {"CL2", "EV4", "PR10"} <= CLOSE_CLAUSES and "CL1" not in CLOSE_CLAUSES
    contract = clauses_module.CONTRACT.read_text("utf-8")
    assert "\nClosing clauses: " in contract
    # Another contract text, another set: nothing is kept by hand beside it.
    other = tmp_path / "API-CONTRACT.md"
    other.write_text(contract.replace("Closing clauses: CL2, ", "Closing clauses: CL1, CL2, "))
    monkeypatch.setattr(clauses_module, "CONTRACT", other)
    clauses_module.clauses.cache_clear()
    clauses_module.closing_clauses.cache_clear()
    try:
        assert "CL1" in closing_clauses()
        other.write_text(contract.replace("Closing clauses: CL2, ", "Closing clauses: ZZ9, "))
        clauses_module.closing_clauses.cache_clear()
        with pytest.raises(ValueError, match="ZZ9"):
            closing_clauses()
    finally:
        monkeypatch.undo()
        clauses_module.clauses.cache_clear()
        clauses_module.closing_clauses.cache_clear()


# -- the run object ----------------------------------------------------------------------------


def test_a_plain_pytest_run_registers_nothing_and_leaves_reports_alone(
    pytester: pytest.Pytester,
) -> None:
    reports = pytester.path / "reports" / "impl"
    reports.mkdir(parents=True)
    (reports / "index.json").write_text('{"impl": {}}')
    (reports / "impl_case_x.json").write_text("{}")
    before = {p: p.read_bytes() for p in reports.iterdir()}
    pytester.makepyfile(
        """
def test_plain(request):
    names = [n for n, _ in request.config.pluginmanager.list_name_plugin() if n]
    assert not [n for n in names if n.startswith("ohos-ws-")], names

def test_fails():
    assert False
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert {p: p.read_bytes() for p in reports.iterdir()} == before


def test_expectations_apply_once_per_case_and_the_hooks_see_every_result(
    pytester: pytest.Pytester,
) -> None:
    """One case, one judgement against the file (the run records it in the row; gating reads
    the row); the extension hooks get the case's result and, at the end, every row."""
    pytester.makeconftest(
        """
import json
from conformance.expectations import Expectations

calls = {"judge": 0, "case": [], "end": None}
_judge = Expectations.judge

def counting(self, case_id, verdict):
    calls["judge"] += 1
    return _judge(self, case_id, verdict)

Expectations.judge = counting

def pytest_conformance_case_result(item, result):
    calls["case"].append([result.row.case_id, result.row.behavior, result.row.expected])

def pytest_conformance_run_finished(config, rows, index):
    calls["end"] = sorted(rows)

def pytest_unconfigure(config):
    with open("calls.json", "w") as out:
        json.dump(calls, out)
"""
    )
    pytester.makepyfile(
        """
import pytest

@pytest.mark.case(area="module", method="createWebSocket", clauses=("M1",),
                  description="d", expectation="e")
def test_known(ctx):
    ctx.socket()
    ctx.check("M1", False, "fails on purpose", True, False)
"""
    )
    (pytester.path / "known.toml").write_text(
        '[[expect]]\ncase = "module.known"\nverdict = "FAILED"\nreason = "on purpose"\n'
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--report-dir", "out", "--expectations", "known.toml"
    )
    assert result.ret == 0, result.outlines[-20:]
    result.assert_outcomes(xfailed=1)
    calls = json.loads((pytester.path / "calls.json").read_text())
    assert calls == {
        "judge": 1,
        "case": [["module.known", "FAILED", "FAILED"]],
        "end": ["module.known"],
    }


# -- imports -----------------------------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    """The sibling modules a module of the package imports (``from .x``/``from . import x``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("conformance."):
            found.add(str(node.module).split(".")[1])
    return found


def test_no_module_imports_the_plugin_and_there_are_no_cycles() -> None:
    """The plugin (the entry point) sits on top: nothing below it imports it, so gating and
    coverage cannot form a cycle with it; and no two top-level modules import each other."""
    modules = {p.stem: _imports(p) for p in PACKAGE.glob("*.py")}
    importers = sorted(m for m, deps in modules.items() if "plugin" in deps and m != "__main__")
    assert importers == []
    cycles = sorted(
        (a, b) for a, deps in modules.items() for b in deps if a < b and a in modules.get(b, set())
    )
    assert cycles == []


@pytest.mark.parametrize("module", ["gating", "coverage", "run", "spec", "results", "context"])
def test_each_module_imports_alone(module: str) -> None:
    code = f"import sys, conformance.{module}; assert 'conformance.plugin' not in sys.modules"
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_no_private_pytest_names() -> None:
    """pytest's private API is never used by the plugin side (hook wrappers and public
    attributes only)."""
    for path in [*PACKAGE.glob("*.py"), *(PACKAGE / "cases").glob("*.py")]:
        text = path.read_text("utf-8")
        for name in ("_fixtureinfo", "._store", "_pytest", "._request", "._obj"):
            assert name not in text, f"{path.name} uses {name}"
