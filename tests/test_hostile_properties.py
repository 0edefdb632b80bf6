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

from conformance.iut.lines import QUOTE, ProtocolViolation, Reply, TraceLine, read_line
from conformance.report import ReportError, load_root
from conformance.report.diff import DiffError, read_run
from conformance.report.html import render_pages
from mockserver.script import (
    HANDSHAKE_FIELDS,
    STEP_FIELDS,
    Script,
    ScriptError,
    load_script_text,
    parse_script,
    payload_bytes,
)

# database=None: no .hypothesis/ folder in the checkout (a failure prints its reproduction).
SETTINGS = settings(
    max_examples=300,
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
        assert isinstance(result.entry, dict) and isinstance(result.entry.get("kind"), str)


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
