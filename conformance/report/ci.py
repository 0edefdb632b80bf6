"""What CI tools get of a case: JUnit XML and allure results.

JUnit (``finish_junit``, after pytest wrote the file): each case's test is named by its case
id (classname = its area), carries ``verdict`` and ``clause`` properties beside the row's
own, a ``case_file`` property relative to the XML's folder (never a ``file://`` of the machine
that ran it), and a ``<system-out>`` with its checks, trace and wire log in short; a case the
gate counted as failing but pytest passed (an unexpected NON-STRICT, ``--fail-on
non-strict``) gets its ``<failure>``, so the XML counts what the exit status counted.

allure (``allure_case``, while the case's test runs): its title is the case id, labels
``verdict``/``clause``, and the checks, trace and wire log attached as JSON; clause links only
when ``--clause-url`` gives an address that works anywhere.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from ..casefile import CaseDocument
from ..verdicts import FAILED, HARNESS_ERROR, NON_STRICT, PASSING, meets
from .paths import CASE_FILE

MAX_OUT_LINES = 80  # of the trace and of the wire log, each, in <system-out>


def gate_counts_failed(props: dict[str, str], fail_on: str) -> str | None:
    """Why the gate counts a case as failing (None: it does not): the rule of gating.py."""
    verdict, expected = props.get("behavior", ""), props.get("expected", "")
    if expected:
        if meets(verdict, expected) or verdict in PASSING:
            return None
        return f"UNEXPECTED {verdict} (expected {expected})"
    if verdict in (FAILED, HARNESS_ERROR) or (verdict == NON_STRICT and fail_on == "non-strict"):
        return verdict
    return None


def _case_lines(case: CaseDocument) -> str:
    lines = [f"case {case.case_id}: {case.behavior}"]
    for check in case.checks:
        lines.append(
            f"  check {check.verdict} {check.clause}: {check.what}: "
            f"expected {json.dumps(check.expected, default=repr)[:120]}, "
            f"observed {json.dumps(check.observed, default=repr)[:120]}"
        )
    lines.append(f"trace ({len(case.trace)} entries; t in s from the trace's start):")
    for entry in case.trace[:MAX_OUT_LINES]:
        rest = {k: v for k, v in entry.as_json().items() if k not in ("t", "kind")}
        lines.append(f"  {entry.t or 0:9.4f} {entry.kind} {json.dumps(rest)[:160]}")
    for conn in case.wirelog:
        lines.append(f"wire log: connection {conn.id} {conn.route}")
        for frame in conn.frames[:MAX_OUT_LINES]:
            arrow = "client->server" if frame.dir == "in" else "server->client"
            lines.append(
                f"  {frame.t:9.4f} {arrow} opcode {frame.opcode} "
                f"length {frame.length} fin {frame.fin}"
            )
        close, tcp = json.dumps(conn.close.to_json()), json.dumps(conn.tcp.to_json())
        lines.append(f"  close {close} tcp {tcp}")
    return "\n".join(lines)


def finish_junit(xml_path: Path, case_dir: Path, fail_on: str) -> None:
    """Rewrite pytest's JUnit file as the module docstring says. ``case_dir`` holds the case
    files (the kept run's folder). A file that cannot be read is left as it was."""
    try:
        tree = ET.parse(xml_path)
    except (OSError, ET.ParseError):
        return
    here = xml_path.resolve().parent
    for suite in tree.getroot().iter("testsuite"):
        added = 0
        for testcase in suite.iter("testcase"):
            holder = testcase.find("properties")
            if holder is None:
                continue
            props = {p.get("name", ""): p.get("value", "") for p in holder.iter("property")}
            if "case_id" not in props:
                continue
            testcase.set("name", props["case_id"])
            testcase.set("classname", props.get("area") or "conformance")
            for name, value in (
                ("verdict", props.get("behavior", "")),
                ("clause", ", ".join(json.loads(props.get("clause") or "[]"))),
            ):
                ET.SubElement(holder, "property", name=name, value=value)
            reportfile = props.get("reportfile", "")
            case: CaseDocument | None = None
            if CASE_FILE.fullmatch(reportfile) and (case_dir / reportfile).is_file():
                source = case_dir / reportfile
                link = os.path.relpath(source.resolve(), here)
                ET.SubElement(holder, "property", name="case_file", value=link)
                case = read_case_file(source)
            if case is not None:
                out = testcase.find("system-out")
                if out is None:
                    out = ET.SubElement(testcase, "system-out")
                out.text = (out.text or "") + _case_lines(case)
            why = gate_counts_failed(props, fail_on)
            failed = testcase.find("failure") is not None or testcase.find("error") is not None
            if why is not None and not failed:
                failure = ET.SubElement(testcase, "failure", message=f"{props['case_id']}: {why}")
                failure.text = f"{props['case_id']}: {why} (the gate counts it as a failure)"
                added += 1
        if added:
            suite.set("failures", str(int(suite.get("failures", "0")) + added))
    tree.write(xml_path, encoding="utf-8", xml_declaration=True)


def allure_case(case_dir: Path, reportfile: str, case_id: str, clauses: tuple[str, ...]) -> None:
    """Title, clause labels and the case's evidence as attachments, on the running allure
    test (the caller checked that allure is active)."""
    import allure

    dynamic: Any = allure.dynamic  # allure-pytest ships no type hints
    dynamic.title(case_id)
    for clause in clauses:
        dynamic.label("clause", clause)
    source = case_dir / reportfile
    if not CASE_FILE.fullmatch(reportfile) or not source.is_file():
        return
    case = read_case_file(source)
    if case is None:
        return
    kind = allure.attachment_type.JSON
    for key, evidence in (
        ("checks", [c.as_json() for c in case.checks]),
        ("trace", [e.as_json() for e in case.trace]),
        ("wirelog", [c.to_json() for c in case.wirelog]),
    ):
        if evidence:
            text = json.dumps(evidence, indent=1, ensure_ascii=False, default=repr)
            allure.attach(text, key, kind)
    allure.attach(_case_lines(case), "summary", allure.attachment_type.TEXT)


def read_case_file(source: Path) -> CaseDocument | None:
    """The case file at ``source``; None when it cannot be read or is not a case file (the
    CI outputs are lenient: what they cannot read they leave out)."""
    try:
        return CaseDocument.from_json(json.loads(source.read_text("utf-8")), str(source))
    except (OSError, ValueError, RecursionError):  # CaseFileError is a ValueError
        return None
