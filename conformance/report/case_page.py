"""A case's page: its verdict, the run it comes from, what the expectations file said, the
contract clauses, every check (long hex also as text), the IUT's trace and the mock server's
wire log on one time line, and each connection's opening handshake drawn as a ladder."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from mockserver.records import ConnectionEntry, Handshake, WireFrame

from ..casefile import CaseDocument, CaseFileError
from ..verdicts import PASSING, meets
from .html import LEGEND, CaseGist, cell, legend, page, short
from .paths import ReportError
from .runs import CaseExpectation, Run

OPCODES = {0: "CONT", 1: "TEXT", 2: "BINARY", 8: "CLOSE", 9: "PING", 10: "PONG"}
_HEX = re.compile(r"(?:[0-9a-fA-F]{2}[ :]?){8,}")
URL = re.compile(r"https?://[^\s<>\"']+")


@dataclass(frozen=True)
class Rendered:
    html: str
    gist: CaseGist | None  # the first check that did not pass (None: all passed)


def render_detail(
    source: Path, back: str, run: Run | None = None, expectation: CaseExpectation | None = None
) -> Rendered | None:
    """A case file's page; None when the file is absent (the index alone is shown)."""
    if not source.exists():
        return None
    mend = "rerun the suite, or remove the file"
    try:
        case = json.loads(source.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ReportError(f"{source}: cannot be read ({exc.strerror or exc})") from None
    except (ValueError, RecursionError) as exc:
        raise ReportError(f"{source}: not a JSON case file ({str(exc)[:120]}): {mend}") from None
    try:
        document = CaseDocument.from_json(case, str(source))
    except CaseFileError as exc:
        raise ReportError(f"{exc}: {mend}") from None
    try:
        return Rendered(detail_page(document, back, run, expectation), _gist(document))
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as exc:
        raise ReportError(
            f"{source}: not a case file this report can show "
            f"({type(exc).__name__}: {str(exc)[:100]}): {mend}"
        ) from None


def _gist(case: CaseDocument) -> CaseGist | None:
    check = case.first_failure()
    if check is not None:
        return CaseGist(
            check.clause, check.what, short(check.expected, 80), short(check.observed, 80)
        )
    for error, what in ((case.harness_error, "harness error"), (case.iut_error, "IUT error")):
        if error:
            return CaseGist("", what, "", short(error, 120))
    return None


def linkify(text: str) -> str:
    """``text`` escaped, its http(s) addresses as links (a bug link in a reason)."""
    out, last = [], 0
    for found in URL.finditer(text):
        out.append(escape(text[last : found.start()]))
        url = found.group(0)
        out.append(f"<a href='{escape(url)}' rel='noreferrer'>{escape(url)}</a>")
        last = found.end()
    out.append(escape(text[last:]))
    return "".join(out)


def run_facts(run: Run | None) -> str:
    if run is None:
        return "<p class='muted'>run: not recorded (a report written before runs were kept)</p>"
    rows = "".join(
        f"<tr><th>{escape(label)}</th><td>{escape(text)}</td></tr>"
        for label, text in run.info.facts()
    )
    return f"<table class='meta'>{rows}</table>"


def _with_text_view(value: Any) -> str:
    """A check value, shortened and escaped; each long run of hex also shown as text."""
    text = short(value)
    views = []
    for found in _HEX.finditer(text if isinstance(value, str) else json.dumps(value)):
        digits = re.sub(r"[ :]", "", found.group(0))
        if len(digits) % 2:
            digits = digits[:-1]
        try:
            raw = bytes.fromhex(digits)
        except ValueError:
            continue
        views.append(_as_text(raw))
    extra = "".join(f"<div class='hexview'>as text: {escape(v)}</div>" for v in views[:3])
    return escape(text) + extra


def _as_text(raw: bytes, limit: int = 200) -> str:
    """Bytes as UTF-8 text, every undecodable byte and control character shown as ``\\xNN``."""
    decoded = raw[:limit].decode("utf-8", "backslashreplace")
    shown = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in decoded)
    return shown + (" …" if len(raw) > limit else "")


def _payload_preview(frame: WireFrame) -> str:
    payload = frame.payload
    if payload.text is not None:
        return escape(payload.text[:120])
    if payload.b64:
        try:
            raw = base64.b64decode(payload.b64)
        except (binascii.Error, ValueError):
            return escape(payload.b64[:120])
        text = escape(raw[:48].hex(" "))
        if frame.opcode == 8 and len(raw) >= 2:  # a close frame: its code and reason
            code = int.from_bytes(raw[:2], "big")
            reason = _as_text(raw[2:], 48)
            text += f"<div class='hexview'>code {code}, reason {escape(repr(reason))}</div>"
        elif len(raw) >= 2:
            text += f"<div class='hexview'>as text: {escape(_as_text(raw, 48))}</div>"
        return text
    return ""


def _flags(frame: WireFrame) -> tuple[tuple[str, bool], ...]:
    return (
        ("fin", frame.fin),
        ("rsv1", frame.rsv1),
        ("rsv2", frame.rsv2),
        ("rsv3", frame.rsv3),
        ("masked", frame.masked),
    )


def _table(headers: list[str], rows: list[list[Any]], raw_columns: tuple[int, ...] = ()) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{c if i in raw_columns else escape(short(c))}</td>" for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _origin_shift(case: CaseDocument, entry: ConnectionEntry) -> float | None:
    """Seconds to add to a frame's ``t`` (from its connection's start) to count it from the
    trace's origin; None when the case file does not say where the trace began (or the log
    when its connection started: ``started`` is wall-clock time, 0 when not logged)."""
    origin = case.trace_origin
    if origin is not None and entry.started > 0:
        return entry.started - origin
    return None


def ladder(entry: ConnectionEntry, shift: float | None) -> str:
    """The connection as an SVG ladder: the opening handshake (request line and the 101 or
    refusal), then its first frames, then who ended TCP. Every label escaped."""
    handshake = entry.handshake
    arrows: list[tuple[str, str, str]] = []  # (direction "c2s"/"s2c", label, time)
    if handshake is not None:
        request = f"{handshake.method or 'GET'} {handshake.path}"
        arrows.append(("c2s", f"{request} {handshake.version}", ""))
        status = handshake.response_status
        if status is not None:
            reason = handshake.response_reason or ""
            arrows.append(("s2c", f"HTTP/1.1 {status} {reason}", ""))
    frames = entry.frames
    for frame in frames[:24]:
        at = frame.t + (shift or 0)
        what = OPCODES.get(frame.opcode, f"op {frame.opcode}")
        flags = "" if frame.fin else " (not FIN)"
        arrows.append(
            (
                "c2s" if frame.dir == "in" else "s2c",
                f"{what} {frame.length} B{flags}",
                f"{at:.4f}",
            )
        )
    if len(frames) > 24:
        arrows.append(("note", f"… {len(frames) - 24} more frames (table below)", ""))
    if entry.tcp.ended_by:
        arrows.append(("note", f"TCP ended by the {entry.tcp.ended_by}", ""))
    width, left, right, step = 560, 90, 470, 26
    height = 40 + step * len(arrows)
    parts = [
        f"<svg width='{width}' height='{height}' "
        "role='img' aria-label='connection ladder' font-family='sans-serif' font-size='12'>",
        "<defs><marker id='ah' markerWidth='8' markerHeight='8' refX='8' refY='4' "
        "orient='auto'><path d='M0,0 L8,4 L0,8 z' fill='#333'/></marker></defs>",
        f"<text x='{left}' y='14' text-anchor='middle' font-weight='bold'>client (IUT)</text>",
        f"<text x='{right}' y='14' text-anchor='middle' font-weight='bold'>mock server</text>",
        f"<line x1='{left}' y1='20' x2='{left}' y2='{height}' stroke='#999'/>",
        f"<line x1='{right}' y1='20' x2='{right}' y2='{height}' stroke='#999'/>",
    ]
    for n, (direction, label, t) in enumerate(arrows):
        y = 36 + step * n
        if direction == "note":
            parts.append(
                f"<text x='{(left + right) // 2}' y='{y}' text-anchor='middle' "
                f"fill='#666'>{escape(label)}</text>"
            )
            continue
        x1, x2 = (left, right) if direction == "c2s" else (right, left)
        colour = "#1f5fa8" if direction == "c2s" else "#a8521f"
        parts.append(
            f"<line x1='{x1}' y1='{y}' x2='{x2}' y2='{y}' stroke='{colour}' "
            "marker-end='url(#ah)'/>"
            f"<text x='{(left + right) // 2}' y='{y - 4}' text-anchor='middle' "
            f"fill='{colour}'>{escape(label[:70])}</text>"
        )
        if t:
            parts.append(f"<text x='4' y='{y + 4}' fill='#666'>{escape(t)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _handshake_text(handshake: Handshake | None) -> str:
    if handshake is None:
        return ""
    request = [f"{handshake.method} {handshake.path} {handshake.version}"]
    request += [f"{k}: {v}" for k, v in handshake.headers]
    response = [f"HTTP/1.1 {handshake.response_status} {handshake.response_reason or ''}"]
    response += [f"{k}: {v}" for k, v in handshake.response_headers]
    return (
        "<table><tr><th>request (client → server)</th><th>response (server → client)</th></tr>"
        f"<tr><td><pre>{escape(chr(10).join(request))}</pre></td>"
        f"<td><pre>{escape(chr(10).join(response))}</pre></td></tr></table>"
    )


def _expectation_block(case: CaseDocument, expectation: CaseExpectation | None) -> str:
    if expectation is None:
        return ""
    verdict = case.behavior.value
    as_expected = meets(verdict, expectation.expected)
    if as_expected and expectation.expected == "pass":
        word = "as expected (expected to pass)"
    elif as_expected:
        word = f"known failure: expected {expectation.expected}"
    elif verdict in PASSING:
        word = f"UNEXPECTED PASS: expected {expectation.expected} (update the expectations file)"
    else:
        word = f"UNEXPECTED: expected {expectation.expected or 'a pass'}"
    reason = f"<br>reason: {linkify(expectation.reason)}" if expectation.reason else ""
    return f"<p><b>expectations file</b>: {escape(word)}{reason}</p>"


def detail_page(
    case: CaseDocument,
    back: str = "../index.html",
    run: Run | None = None,
    expectation: CaseExpectation | None = None,
) -> str:
    verdict = case.behavior.value
    clauses = "".join(
        f"<tr><th>{escape(c.id)}</th><td>{escape(c.level)}</td><td>{escape(c.text)}</td></tr>"
        for c in case.clauses
    )
    checks = "".join(
        f"<tr>{cell(c.verdict, c.verdict)}<td>{escape(c.clause)}</td>"
        f"<td>{escape(c.what)}</td><td>{_with_text_view(c.expected)}</td>"
        f"<td>{_with_text_view(c.observed)}</td></tr>"
        for c in case.checks
    )
    trace_rows = []
    for e in case.trace:
        what = e.method or e.type or ""
        detail = {k: v for k, v in e.as_json().items() if k not in ("t", "kind", "method", "type")}
        trace_rows.append([f"{e.t or 0:.4f}", e.kind, what, detail])
    sections = []
    aligned = True
    for entry in case.wirelog:
        shift = _origin_shift(case, entry)
        aligned = aligned and shift is not None
        frames = [
            [
                f"{f.t + (shift or 0):.4f}",
                "client → server" if f.dir == "in" else "server → client",
                OPCODES.get(f.opcode, f"op {f.opcode}"),
                " ".join(n for n, on in _flags(f) if on),
                f.length,
                _payload_preview(f),
            ]
            for f in entry.frames
        ]
        close = entry.close
        closes = [None if c is None else c.to_json() for c in (close.incoming, close.outgoing)]
        sections.append(
            f"<h3>connection {escape(entry.id)} {escape(entry.route)}</h3>"
            + ladder(entry, shift)
            + _handshake_text(entry.handshake)
            + _table(["t (s)", "direction", "opcode", "flags", "length", "payload"], frames, (5,))
            + _table(
                ["close in (client)", "close out (server)", "first", "tcp"],
                [[*closes, close.first, entry.tcp.to_json()]],
            )
            + (_table(["notes"], [[n.to_json()] for n in entry.notes]) if entry.notes else "")
        )
    clock = (
        "Times in seconds from the start of the IUT's trace, the same origin for the trace and "
        "every connection's frames."
        if aligned
        else "Trace times count from the start of the IUT's trace; frame times from the start "
        "of their connection (this case file does not say where the trace began)."
    )
    harness = case.harness_error
    iut_error = case.iut_error
    dropped = dict(case.trace_dropped)
    body = (
        f"<p><a href='{escape(back)}'>← all cases</a></p><h1>{escape(case.case_id)}</h1>"
        f"{legend()}<table><tr><th>agent</th><td>{escape(case.agent)}</td></tr>"
        f"<tr><th>verdict</th>{cell(verdict, LEGEND.get(verdict, verdict))}</tr>"
        f"<tr><th>overload</th><td>{escape(case.overload)}</td></tr>"
        f"<tr><th>description</th><td>{escape(case.description)}</td></tr>"
        f"<tr><th>expectation</th><td>{escape(case.expectation)}</td></tr>"
        f"<tr><th>close code</th><td>{escape(str(case.remoteCloseCode))}</td></tr>"
        f"<tr><th>duration</th><td>{case.duration} ms</td></tr></table>"
        + _expectation_block(case, expectation)
        + "<h2>Run</h2>"
        + run_facts(run)
        + (
            "<h2>Harness error (the suite's fault: this case judged nothing)</h2>"
            f"<pre>{escape(str(harness))}</pre>"
            if harness
            else ""
        )
        + (f"<h2>IUT error</h2><pre>{escape(str(iut_error))}</pre>" if iut_error else "")
        + (
            "<p>Trace capped: entries dropped by kind: "
            f"{escape(json.dumps(dropped, sort_keys=True))}</p>"
            if dropped
            else ""
        )
        + f"<h2>Contract</h2><table>{clauses}</table>"
        f"<h2>Checks</h2><table id='checks'><tr><th>verdict</th><th>clause</th><th>what</th>"
        f"<th>expected</th><th>observed</th></tr>{checks}</table>"
        f"<p class='muted'>{escape(clock)}</p>"
        "<h2>Trace (implementation under test)</h2>"
        + _table(["t (s)", "kind", "what", "detail"], trace_rows)
        + "<h2>Wire log (mock server)</h2>"
        + "".join(sections)
    )
    return page(case.case_id, body)
