"""Property-based: the script parser, the driver line reader and the report reader, fed
arbitrary input, give a valid result or their own clear error, never another exception, a hang
or a file outside the folder they were given."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conformance.expectations import (
    KNOWN,
    Expectation,
    ExpectationsError,
    matches,
    parse,
    render,
)
from conformance.iut.lines import QUOTE, ProtocolViolation, Reply, TraceLine, read_line
from conformance.iut.trace import DRIVER_KINDS, TraceEntry
from conformance.report import ReportError, load_root
from conformance.report.diff import DiffError, read_run
from conformance.report.html import render_pages
from conformance.report.paths import MAX_AGENT, agent_folder, derived_agent
from mockserver import script as script_module
from mockserver.script import (
    HANDSHAKE_FIELDS,
    STEP_FIELDS,
    Script,
    ScriptError,
    load_script_text,
    parse_script,
    payload_bytes,
)
from tests import schedule

# database=None: no .hypothesis/ folder in the checkout (a failure prints its reproduction).
# 100 examples a property in `make test`, 300 in `make test-full` (CI).
SETTINGS = settings(
    max_examples=300 if schedule.full_run() else 100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Text with what breaks naive code: controls, CR/LF, quotes, lone surrogates, non-BMP.
texts = st.text(
    alphabet=st.one_of(
        st.characters(codec=None, exclude_categories=()),
        st.sampled_from(["\r", "\n", "\0", "\ud800", "\udfff", '"', "/", ".", "é", "😀"]),
    ),
    max_size=40,
)
ints = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70), st.sampled_from([0, 125, 126, 2**63])
)
scalars = st.one_of(st.none(), st.booleans(), ints, st.floats(allow_nan=True), texts)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(texts, inner, max_size=4)),
    max_leaves=20,
)
FIELD_NAMES = sorted({name for fields in STEP_FIELDS.values() for name in fields})


@st.composite
def near_valid_steps(draw: st.DrawFn) -> dict[str, Any]:
    """A step with a known op and (mostly) its own field names, values of any type."""
    op = draw(st.sampled_from(sorted(STEP_FIELDS)))
    names = draw(st.lists(st.sampled_from(FIELD_NAMES), max_size=5))
    step: dict[str, Any] = {"op": op}
    for name in names:
        step[name] = draw(st.one_of(scalars, st.just("AAEC"), st.sampled_from(["text", "binary"])))
    return step


@st.composite
def near_valid_scripts(draw: st.DrawFn) -> dict[str, Any]:
    handshake = draw(
        st.dictionaries(
            st.sampled_from(sorted(HANDSHAKE_FIELDS)),
            st.one_of(scalars, st.dictionaries(texts, scalars, max_size=3)),
            max_size=3,
        )
    )
    return {"handshake": handshake, "steps": draw(st.lists(near_valid_steps(), max_size=4))}


def _runnable(script: Script) -> None:
    """What the parser accepted can be put on the wire: payloads and headers encode."""
    for step in script.steps:
        if step.get("size", 0) <= 1 << 16:
            payload_bytes(step)
    for name, value in script.handshake.get("headers", {}).items():
        (name + value).encode("utf-8")
        assert not any(c in name + value for c in "\r\n\0")
    protocol = script.handshake.get("subprotocol")
    if protocol is not None:
        assert protocol and protocol.isascii() and " " not in protocol and "\n" not in protocol


@SETTINGS
@given(st.one_of(json_values, near_valid_scripts()))
def test_the_script_parser_gives_a_script_or_a_script_error(document: Any) -> None:
    try:
        script = parse_script(document)
    except ScriptError as exc:
        assert exc.why and "\n" not in str(exc)
        return
    _runnable(script)


@SETTINGS
@given(st.one_of(st.binary(max_size=200), texts, json_values.map(json.dumps)))
def test_script_text_gives_a_script_or_a_script_error(text: str | bytes) -> None:
    try:
        script = load_script_text(text)
    except ScriptError as exc:
        assert exc.why and "\n" not in str(exc)
        return
    _runnable(script)


def test_script_text_survives_deep_nesting_and_huge_numbers() -> None:
    for text in ("[" * 200_000, "{" * 50_000 + "}" * 50_000, "1" * 10_000):
        try:
            load_script_text(text)
        except ScriptError:
            continue
        raise AssertionError(f"accepted {text[:20]!r}")


entries = st.fixed_dictionaries(
    {"kind": st.sampled_from(["call", "return", "result", "event", "log", "loop_error", "x"])},
    optional={
        "socket": scalars,
        "call": scalars,
        "method": scalars,
        "returned": scalars,
        "sub": scalars,
        "type": scalars,
        "message": scalars,
        "err": json_values,
        "value": json_values,
        "raised": json_values,
    },
)
lines = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode("utf-8", "surrogatepass")),
    st.fixed_dictionaries({"event": st.just(True), "entry": st.one_of(entries, json_values)}).map(
        lambda v: json.dumps(v).encode("utf-8", "surrogatepass")
    ),
    st.fixed_dictionaries({"id": scalars, "ok": scalars}).map(lambda v: json.dumps(v).encode()),
)


@SETTINGS
@given(lines)
def test_read_line_gives_a_value_or_a_protocol_violation(raw: bytes) -> None:
    try:
        result = read_line(raw)
    except ProtocolViolation as exc:
        message = str(exc)
        assert "\n" not in message and len(message) < QUOTE * 8 + 400
        return
    assert isinstance(result, (Reply, TraceLine))
    if isinstance(result, Reply):
        assert isinstance(result.id, int) and isinstance(result.body["ok"], bool)
    else:
        assert isinstance(result.entry, TraceEntry) and result.entry.kind in DRIVER_KINDS
        assert TraceEntry.from_json(result.entry.as_json()) == result.entry


def test_read_line_survives_a_deep_or_long_line() -> None:
    for raw in (b"[" * 100_000, b'{"id": 1, "ok": true, "x": "' + b"a" * (2 << 20) + b'"}'):
        try:
            read_line(raw)
        except ProtocolViolation as exc:
            assert len(str(exc)) < QUOTE * 8 + 400
            continue
        raise AssertionError("accepted")


names = st.one_of(
    st.sampled_from(["../x.json", "/tmp/x.json", "a/b.json", "..", "x.json", "ok_case.json"]),
    texts,
)
rows = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "behavior": st.sampled_from(["OK", "FAILED", "MISSING", "??"]),
            "reportfile": names,
        },
        optional={
            "clause": json_values,
            "area": scalars,
            "duration": scalars,
            "cells": json_values,
        },
    ),
)
indexes = st.one_of(
    json_values,
    st.dictionaries(texts, st.dictionaries(texts, rows, max_size=3), max_size=2),
)


@SETTINGS
@given(indexes, st.one_of(json_values, st.just({"checks": [], "trace": []})))
def test_the_report_reader_gives_pages_inside_the_folder_or_a_report_error(
    index: Any, case: Any
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "reports"
        (root / "agent").mkdir(parents=True)
        (root / "agent" / "index.json").write_text(json.dumps(index), "utf-8", "surrogatepass")
        for name in ("x.json", "ok_case.json"):
            (root / "agent" / name).write_text(json.dumps(case), "utf-8", "surrogatepass")
        try:
            load_root(root)
            pages = render_pages(root)
        except ReportError as exc:
            assert "\n" not in str(exc)
            return
        for path in pages:
            assert path.resolve().is_relative_to(root.resolve()), path


@SETTINGS
@given(st.binary(max_size=200))
def test_the_report_reader_takes_any_bytes_as_an_index(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "index.json").write_bytes(raw)
        try:
            load_root(root)
        except ReportError as exc:
            assert "\n" not in str(exc)


@SETTINGS
@given(indexes.map(json.dumps))
@example("[" * 100_000)
@example('{"a": {"c": {"behavior": 5}}}')
def test_the_diff_reader_gives_verdicts_or_a_diff_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index.json"
        index.write_text(text, "utf-8", "surrogatepass")
        try:
            agent, verdicts = read_run(index)
        except DiffError as exc:
            assert "\n" not in str(exc)
            return
        assert isinstance(agent, str) and all(isinstance(v, str) for v in verdicts.values())


# -- round 2 (issue 18): the work bound, agent folders, the expectations file ------------------

SMALL_WORK = 500  # the bound, lowered so a naive simulation can check it quickly


def _simulate(steps: list[dict[str, Any]], budget: list[int]) -> None:
    """Run the steps' control flow the way ``ScriptRun`` does, counting what it does; stops
    (raises) as soon as more than the bound was done. Independent of ``script_cost``."""
    for step in steps:
        if step["op"] == "repeat":
            for _ in range(step["count"]):
                budget[0] -= 1  # a round counts, even an empty one
                if budget[0] < 0:
                    raise OverflowError
                _simulate(step["steps"], budget)
        else:
            budget[0] -= 1
            budget[1] -= len(script_module.step_payload(step)) if "size" in step else 0
            if budget[0] < 0 or budget[1] < 0:
                raise OverflowError


leaf_steps = st.one_of(
    st.just({"op": "mark", "name": "m"}),
    st.builds(lambda n: {"op": "send_binary", "size": n}, st.integers(0, 1 << 26)),
    st.just({"op": "wait", "ms": 0}),
)
step_trees = st.recursive(
    leaf_steps,
    lambda inner: st.builds(
        lambda count, steps: {"op": "repeat", "count": count, "steps": steps},
        st.one_of(st.integers(0, 40), st.integers(0, 10**6), st.integers(10**6, 10**20)),
        st.lists(inner, max_size=3),
    ),
    max_leaves=8,
)


@SETTINGS
@given(st.lists(step_trees, max_size=4))
@example([{"op": "repeat", "count": 10**18, "steps": []}])
@example([{"op": "repeat", "count": 30, "steps": [{"op": "repeat", "count": 30, "steps": []}]}])
def test_an_accepted_script_stays_within_the_work_and_byte_bounds(
    steps: list[dict[str, Any]],
) -> None:
    import pytest

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(script_module, "MAX_SCRIPT_WORK", SMALL_WORK)
        patch.setattr(script_module, "MAX_SCRIPT_BYTES", 1 << 30)
        try:
            script = parse_script({"steps": steps})
        except ScriptError as exc:
            assert "\n" not in str(exc)
            budget = [SMALL_WORK, 1 << 30]
            try:
                _simulate(steps, budget)
            except (OverflowError, ScriptError):
                return
            counts = [s.get("count", 0) for s in steps]
            assert any(c > 10**6 for c in counts) or "out of range" in exc.why, exc
            return
    _simulate(script.steps, [SMALL_WORK, 1 << 30])  # raises if the bound did not hold


agent_names = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"), st.sampled_from(["/", ".", "-", "_", "a", "甲", "乙"])
    ),
    min_size=1,
    max_size=300,
)


@SETTINGS
@given(agent_names, agent_names)
@example("甲", "乙")
@example("a", "_a")
@example("../x", "__x")
@example("x" * 240, "x" * 239 + "y")
def test_agent_folders_are_one_to_one_bounded_and_safe(a: str, b: str) -> None:
    for name in (a, b):
        folder = agent_folder(name)
        assert 1 <= len(folder) <= 80 and folder not in (".", "..")
        assert all(ch.isascii() and (ch.isalnum() or ch in "._-") for ch in folder), folder
        assert not folder.startswith(".")
        assert len(derived_agent(name)) <= MAX_AGENT
    if a != b:
        assert agent_folder(a) != agent_folder(b)
        if derived_agent(a) == derived_agent(b):  # only names that differ in what is hidden
            assert any(unicodedata_c(ch) for ch in a + b) or a.strip() != a or b.strip() != b


def unicodedata_c(ch: str) -> bool:
    import unicodedata

    return unicodedata.category(ch)[0] == "C"


reasons = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=60).filter(
    lambda t: bool(t.strip())
)


@SETTINGS
@given(
    st.lists(
        st.tuples(reasons, st.sampled_from(KNOWN), reasons), max_size=5, unique_by=lambda t: t[0]
    )
)
@example([("case\x7f", "FAILED", "del \x7f and every control \x00\x01\x1f\t\n\r")])
@example([('q"\\', "NON-STRICT", "\u2028\ufeff😀")])
def test_an_expectations_file_round_trips_any_text(entries: list[tuple[str, str, str]]) -> None:
    written = [Expectation(case, verdict, reason) for case, verdict, reason in entries]
    read = parse(render(written)).entries
    assert read == [Expectation(e.case, e.verdict, e.reason.strip()) for e in written]


def test_an_expectation_that_is_not_text_cannot_be_written() -> None:
    import pytest

    with pytest.raises(ExpectationsError, match="surrogate"):
        render([Expectation("a\ud800", "FAILED", "x")])


@SETTINGS
@given(
    st.text(alphabet="ab*?", max_size=12),
    st.text(alphabet="abc", max_size=30),
)
@example("*" * 16 + "X", "a" * 200)
def test_pattern_matching_agrees_with_fnmatch_and_never_backtracks(pattern: str, case: str) -> None:
    import fnmatch

    expected = fnmatch.fnmatchcase(case, pattern.replace("[", "[[]"))
    assert matches(case, pattern) == expected
