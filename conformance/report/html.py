"""The HTML report: one matrix page (cases x agents) and one detail page per case.

Self-contained (inline CSS, no script, no network) and escaped throughout: payloads come from
servers and implementations under test and may hold markup.
"""

from __future__ import annotations

import base64
import json
import os
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..coverage import REQUIRED, SEP
from ..verdicts import meets
from .model import VERDICTS, Matrix, counts, load_root
from .paths import ReportError, case_file, refuse_links, write_file

COLOURS = {
    "OK": "#0a0",
    "NON-STRICT": "#9a0",
    "INFORMATIONAL": "#4095BF",
    "UNIMPLEMENTED": "#800080",
    "FAILED": "#900",
    "HARNESS-ERROR": "#555",
    "MISSING": "#a05a2c",
}
LEGEND = {
    "OK": "Pass",
    "NON-STRICT": "Non-Strict",
    "INFORMATIONAL": "Informational",
    "UNIMPLEMENTED": "Unimplemented",
    "FAILED": "Fail",
    "HARNESS-ERROR": "Harness error",
    "MISSING": "Missing",
}
# For one cell's worst verdict: NON-STRICT is worse than INFORMATIONAL here.
WORSE = ("OK", "INFORMATIONAL", "UNIMPLEMENTED", "NON-STRICT", "FAILED", "HARNESS-ERROR", "MISSING")
OPCODES = {0: "CONT", 1: "TEXT", 2: "BINARY", 8: "CLOSE", 9: "PING", 10: "PONG"}

CSS = """
body{font-family:sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:3px 7px;font-size:13px;text-align:left;vertical-align:top}
th{background:#eee}
td.v{color:#fff;font-weight:bold;text-align:center;white-space:nowrap}
td.v a{color:#fff;text-decoration:none}
.legend span{display:inline-block;color:#fff;padding:2px 8px;margin-right:4px}
tr.area th{background:#ddd;font-size:14px}
pre{background:#f6f6f6;padding:6px;white-space:pre-wrap;word-break:break-all;font-size:12px}
.dur{font-weight:normal;font-size:11px;opacity:.85}
"""


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def _cell(verdict: str, text: str, link: str | None = None) -> str:
    inner = escape(text) if link is None else f"<a href='{escape(link)}'>{escape(text)}</a>"
    return f"<td class='v' style='background:{COLOURS[verdict]}'>{inner}</td>"


def _legend() -> str:
    spans = "".join(
        f"<span style='background:{COLOURS[v]}'>{escape(LEGEND[v])} ({escape(v)})</span>"
        for v in VERDICTS
    )
    return f"<p class='legend'>{spans}</p>"


def detail_name(reportfile: str) -> str:
    return reportfile.removesuffix(".json") + ".html"


def build_html(root: Path) -> Path:
    """Write ``root/index.html`` and each case's detail page; returns the index path.

    Every page is rendered, and every path it goes to checked (a link there is refused: never
    written through, never replaced), before the first is written, so a report that cannot
    be shown (``ReportError``, one line naming the file) leaves the folder as it was."""
    root = Path(root)
    pages = render_pages(root)
    refuse_links(pages, root)
    try:
        for path, text in pages.items():
            write_file(path, text)
    except OSError as exc:
        raise ReportError(
            f"{exc.filename or root}: cannot be written ({exc.strerror or exc}): "
            "choose a folder you can write"
        ) from None
    return root / "index.html"


def render_pages(root: Path) -> dict[Path, str]:
    """Every page of the report under ``root``, by the path it goes to; nothing written."""
    root = Path(root)
    matrix = load_root(root)
    pages: dict[Path, str] = {}
    for agent in matrix.agents:
        directory = matrix.dirs[agent]
        back = _relative(root / "index.html", directory)
        for case_id in matrix.rows:
            row = matrix.rows[case_id].get(agent)
            if row is not None:
                source = case_file(directory, row["reportfile"], f"{directory}: case {case_id!r}")
                page = _render_detail(source, back)
                if page is not None:
                    pages[directory / detail_name(row["reportfile"])] = page
    pages[root / "index.html"] = _index_page(matrix, root)
    return pages


def _index_page(matrix: Matrix, root: Path) -> str:
    totals = "".join(
        f"<tr><th>{escape(agent)}</th>"
        + "".join(_cell(v, str(counts(matrix, agent)[v])) for v in VERDICTS)
        + "</tr>"
        for agent in matrix.agents
    )
    head = "".join(f"<th>{escape(LEGEND[v])}</th>" for v in VERDICTS)
    rows, area = [], None
    for case_id in matrix.ordered_cases():
        if matrix.area(case_id) != area:
            area = matrix.area(case_id)
            rows.append(
                f"<tr class='area'><th colspan='{len(matrix.agents) + 2}'>{escape(area)}</th></tr>"
            )
        first = next(iter(matrix.rows[case_id].values()))
        cells = []
        for agent in matrix.agents:
            row = matrix.rows[case_id].get(agent)
            verdict = matrix.verdict(case_id, agent)
            if row is None:
                cells.append(_cell(verdict, "Missing"))
                continue
            page = matrix.dirs[agent] / detail_name(row["reportfile"])
            link = _relative(page.parent, root) + "/" + quote(page.name, safe="")
            text = f"{LEGEND[verdict]} {row.get('duration', 0)} ms"
            expected = row.get("expected")
            if expected:  # the run had --expectations
                as_expected = meets(verdict, expected)
                text += " (expected)" if as_expected else f" (UNEXPECTED; expected {expected})"
            cells.append(_cell(verdict, text, link))
        clauses = ", ".join(first.get("clause", []))
        rows.append(
            f"<tr><td>{escape(case_id)}</td><td>{escape(clauses)}</td>{''.join(cells)}</tr>"
        )
    agents = "".join(f"<th>{escape(a)}</th>" for a in matrix.agents)
    body = (
        "<h1>@ohos.net.webSocket conformance</h1>"
        f"{_legend()}<h2>Totals</h2><table><tr><th>agent</th>{head}</tr>{totals}</table>"
        f"<h2>Cases</h2><table id='cases'><tr><th>case</th><th>clauses</th>{agents}</tr>"
        f"{''.join(rows)}</table>"
        f"{_coverage(matrix, agents)}"
    )
    return _page("@ohos.net.webSocket conformance", body)


def _coverage(matrix: Matrix, agents: str) -> str:
    """The coverage matrix (docs/coverage.md) with, per agent, the worst verdict of the cases
    that fill each cell; a cell no case of the run fills shows as Missing."""
    by_cell: dict[str, list[str]] = {}
    for case_id, per_agent in matrix.rows.items():
        first = next(iter(per_agent.values()))
        for cell in first.get("cells") or []:
            by_cell.setdefault(str(cell), []).append(case_id)
    rows = []
    for cell in REQUIRED:
        parts = cell.split(SEP)[1:]
        cases = by_cell.get(cell, [])
        cells = []
        for agent in matrix.agents:
            verdicts = [matrix.verdict(c, agent) for c in cases]
            verdict = max(verdicts, key=WORSE.index) if verdicts else "MISSING"
            cells.append(_cell(verdict, f"{LEGEND[verdict]} ({len(cases)})"))
        rows.append(f"<tr><td>{escape(' · '.join(parts))}</td>{''.join(cells)}</tr>")
    return (
        "<h2>Coverage matrix</h2><p>overload · option or default · outcome, and direction · "
        "kind · size; the worst verdict of the cases in each cell (how many)</p>"
        f"<table id='coverage'><tr><th>cell</th>{agents}</tr>{''.join(rows)}</table>"
    )


def _relative(target: Path, start: Path) -> str:
    """``target`` as a link from a page in ``start`` (both may be relative to the cwd): a
    relative path, each part percent-encoded, so no folder name (``javascript:alert(1)``,
    ``//host``, ``?x``, ``#y``) can make it a link with a scheme, a host, a query or a
    fragment. Every link of the report is made here."""
    parts = Path(os.path.relpath(target.resolve(), start.resolve())).parts
    href = "/".join(quote(part, safe="") for part in parts)
    assert not href.startswith("/") and ":" not in href.split("/")[0], href
    return href


def _render_detail(source: Path, back: str) -> str | None:
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
    if not isinstance(case, dict):
        raise ReportError(f"{source}: a case file is a JSON object: {mend}")
    try:
        return _detail_page(case, back)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as exc:
        raise ReportError(
            f"{source}: not a case file this report can show "
            f"({type(exc).__name__}: {str(exc)[:100]}): {mend}"
        ) from None


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_short(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _short(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + " …"


def _payload_preview(frame: dict[str, Any]) -> str:
    if frame.get("text") is not None:
        return str(frame["text"])[:120]
    if frame.get("b64"):
        return base64.b64decode(frame["b64"])[:48].hex(" ")
    return ""


def _detail_page(case: dict[str, Any], back: str = "../index.html") -> str:
    verdict = str(case.get("behavior", "FAILED"))
    clauses = "".join(
        f"<tr><th>{escape(c['id'])}</th><td>{escape(c['level'])}</td><td>{escape(c['text'])}</td>"
        "</tr>"
        for c in case.get("clauses", [])
    )
    checks = "".join(
        f"<tr>{_cell(c['verdict'], c['verdict'])}<td>{escape(c['clause'])}</td>"
        f"<td>{escape(c['what'])}</td><td>{escape(_short(c['expected']))}</td>"
        f"<td>{escape(_short(c['observed']))}</td></tr>"
        for c in case.get("checks", [])
    )
    trace_rows = []
    for e in case.get("trace", []):
        what = e.get("method") or e.get("type") or ""
        detail = {k: v for k, v in e.items() if k not in ("t", "kind", "method", "type")}
        trace_rows.append([f"{e.get('t', 0):.4f}", e.get("kind", ""), what, detail])
    sections = []
    for entry in case.get("wirelog", []):
        frames = [
            [
                f"{f['t']:.4f}",
                "client → server" if f["dir"] == "in" else "server → client",
                OPCODES.get(f["opcode"], f"op {f['opcode']}"),
                " ".join(n for n in ("fin", "rsv1", "rsv2", "rsv3", "masked") if f.get(n)),
                f["length"],
                _payload_preview(f),
            ]
            for f in entry.get("frames", [])
        ]
        close = entry.get("close") or {}
        sections.append(
            f"<h3>connection {escape(str(entry.get('id')))} {escape(str(entry.get('route')))}</h3>"
            + _table(["t", "direction", "opcode", "flags", "length", "payload"], frames)
            + _table(
                ["close in (client)", "close out (server)", "first", "tcp"],
                [[close.get("in"), close.get("out"), close.get("first"), entry.get("tcp")]],
            )
            + (
                _table(["notes"], [[n] for n in entry.get("notes", [])])
                if entry.get("notes")
                else ""
            )
        )
    harness = case.get("harness_error")
    iut_error = case.get("iut_error")
    dropped = case.get("trace_dropped") or {}
    body = (
        f"<p><a href='{escape(back)}'>← all cases</a></p><h1>{escape(case.get('id', ''))}</h1>"
        f"{_legend()}<table><tr><th>agent</th><td>{escape(str(case.get('agent')))}</td></tr>"
        f"<tr><th>verdict</th>{_cell(verdict, LEGEND.get(verdict, verdict))}</tr>"
        f"<tr><th>overload</th><td>{escape(str(case.get('overload')))}</td></tr>"
        f"<tr><th>description</th><td>{escape(str(case.get('description')))}</td></tr>"
        f"<tr><th>expectation</th><td>{escape(str(case.get('expectation')))}</td></tr>"
        f"<tr><th>duration</th><td>{escape(str(case.get('duration')))} ms</td></tr></table>"
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
        f"<h2>Checks</h2><table><tr><th>verdict</th><th>clause</th><th>what</th>"
        f"<th>expected</th><th>observed</th></tr>{checks}</table>"
        "<h2>Trace (implementation under test)</h2>"
        + _table(["t (s)", "kind", "what", "detail"], trace_rows)
        + "<h2>Wire log (mock server)</h2>"
        + "".join(sections)
    )
    return _page(str(case.get("id", "case")), body)
