"""The index page: each agent's latest run (and links to its earlier runs), what needs
attention first, totals that filter the table, the cases x agents table (agents repeated per
area, ids in numeric order, close codes, expected and unexpected outcomes marked apart), and
the coverage matrix. The filters are a few lines of plain script in the page (no network, and
they work from ``file://``); without script the whole table shows."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..coverage import REQUIRED, SEP
from ..verdicts import PASSING, meets
from .case_page import linkify, run_facts
from .html import COLOURS, LEGEND, WORSE, AgentRuns, CaseGist, cell, detail_name, legend, page
from .html import relative as rel
from .model import AREAS, VERDICTS, Matrix, counts

ATTENTION = ("HARNESS-ERROR", "FAILED", "NON-STRICT")  # what the summary lists first
MAX_LISTED = 100  # per agent in the summary; the filter shows the rest


def natural(case_id: str) -> tuple[Any, ...]:
    """A sort key that orders the numbers inside an id as numbers: 2.10 after 2.9, 10.1.1
    after 2.10 (as Autobahn's report does)."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.split(r"(\d+)", case_id)
        if part
    )


def case_order(matrix: Matrix) -> list[str]:
    def key(case_id: str) -> tuple[Any, ...]:
        area = matrix.area(case_id)
        return (AREAS.index(area) if area in AREAS else len(AREAS), area, natural(case_id))

    return sorted(matrix.rows, key=key)


class Outcome:
    """How one cell reads: its verdict, and against the expectations file (if the run had
    one) whether that was expected."""

    def __init__(self, row: dict[str, Any] | None, verdict: str) -> None:
        self.verdict = verdict
        self.expected = str(row.get("expected") or "") if row is not None else ""
        matched = meets(verdict, self.expected) if self.expected else True
        passing = verdict in PASSING
        self.known = bool(self.expected) and matched and not passing  # a known failure
        self.unexpected = bool(self.expected) and not matched and not passing
        self.unexpected_pass = bool(self.expected) and not matched and passing

    @property
    def classes(self) -> str:
        if self.unexpected:
            return "unexpected"
        if self.unexpected_pass:
            return "unexpected-pass"
        return "known" if self.known else ""

    @property
    def tag(self) -> str:
        if self.unexpected:
            return "UNEXPECTED"
        if self.unexpected_pass:
            return "unexpected pass"
        return "known" if self.known else ""

    @property
    def attention(self) -> bool:
        if self.expected:
            return self.unexpected or self.unexpected_pass
        return self.verdict in ATTENTION


def _filter_link(text: str, **query: str) -> str:
    href = "#filter:" + "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
    return f"<a href='{escape(href)}'>{escape(text)}</a>"


def _runs_section(matrix: Matrix, root: Path, runs: dict[str, AgentRuns]) -> str:
    parts = ["<h2 id='runs'>Runs</h2>"]
    for agent in matrix.agents:
        agent_runs = runs[agent]
        parts.append(f"<h3>{escape(agent)}</h3>")
        if agent_runs.latest is not None and agent_runs.earlier:
            parts.append("<p class='muted'>latest run:</p>")
        parts.append(run_facts(agent_runs.latest))
        stale = sum(1 for c in matrix.rows if agent_runs.stale(c) is not None)
        if stale:
            parts.append(
                f"<p class='muted'>{stale} case(s) of this column come from earlier runs (the "
                "latest ran a selection): their cells are faded and tagged 'earlier'.</p>"
            )
        if agent_runs.earlier:
            links = []
            for run in reversed(agent_runs.earlier):
                target = run.path / "index.html"
                href = rel(target, root)
                links.append(
                    f"<li><a href='{escape(href)}'>{escape(run.info.when)}</a> "
                    f"<span class='muted'>{run.info.cases} case(s) · "
                    f"{escape(run.info.transport)} · {escape(run.path.name)}</span></li>"
                )
            parts.append(f"<details><summary>earlier runs ({len(links)})</summary><ul>")
            parts.append("".join(links) + "</ul></details>")
    return "".join(parts)


def _attention_section(
    matrix: Matrix,
    root: Path,
    runs: dict[str, AgentRuns],
    gists: dict[tuple[str, str], CaseGist],
    order: list[str],
) -> str:
    parts = ["<h2 id='attention'>Needs attention</h2><div class='attention'>"]
    for index, agent in enumerate(matrix.agents):
        listed: list[tuple[int, str]] = []
        known: list[str] = []
        for case_id in order:
            row = matrix.rows[case_id].get(agent)
            if row is None:
                continue
            outcome = Outcome(row, matrix.verdict(case_id, agent))
            item = _attention_item(matrix, root, runs, gists, agent, case_id, outcome)
            if outcome.attention:
                rank = (
                    ATTENTION.index(outcome.verdict)
                    if outcome.verdict in ATTENTION
                    else len(ATTENTION)
                )
                listed.append((rank, item))
            elif outcome.known:
                known.append(item)
        listed.sort(key=lambda pair: pair[0])
        what = (
            "unexpected outcomes"
            if any(r.get("expected") for r in (v.get(agent) or {} for v in matrix.rows.values()))
            else "failures"
        )
        head = f"<h3>{escape(agent)}: {len(listed)} {what}"
        if listed:
            head += " · " + _filter_link(
                "show them in the table", verdict="ATTENTION", agent=str(index)
            )
        parts.append(head + "</h3>")
        if listed:
            items = [item for _, item in listed[:MAX_LISTED]]
            more = len(listed) - MAX_LISTED
            parts.append("<ul>" + "".join(items) + "</ul>")
            if more > 0:
                parts.append(f"<p class='muted'>… and {more} more: use the filter below</p>")
        else:
            parts.append(
                "<p>Nothing: every case passed"
                + (" or failed as expected" if known else "")
                + ".</p>"
            )
        if known:
            parts.append(
                f"<details><summary>known failures ({len(known)}, as the expectations file "
                "says)</summary><ul>" + "".join(known[:MAX_LISTED]) + "</ul></details>"
            )
    parts.append("</div>")
    return "".join(parts)


def _attention_item(
    matrix: Matrix,
    root: Path,
    runs: dict[str, AgentRuns],
    gists: dict[tuple[str, str], CaseGist],
    agent: str,
    case_id: str,
    outcome: Outcome,
) -> str:
    row = matrix.rows[case_id][agent]
    link = _case_link(matrix, root, agent, row)
    badge = (
        f"<span class='tag' style='background:{COLOURS[outcome.verdict]};color:#fff'>"
        f"{escape(LEGEND[outcome.verdict])}</span>"
    )
    text = f"{badge} <a href='{escape(link)}'>{escape(case_id)}</a>"
    if outcome.tag:
        text += f" <b>{escape(outcome.tag)}</b>"
    gist = gists.get((agent, case_id))
    if gist is not None:
        detail = f"{gist.clause}: {gist.what}" if gist.clause else gist.what
        if gist.expected:
            detail += f" — expected {gist.expected}, observed {gist.observed}"
        elif gist.observed:
            detail += f" — {gist.observed}"
        text += f" <span class='muted'>{escape(detail)}</span>"
    run = runs[agent].of_case.get(case_id)
    entry = None if run is None else run.info.expectations.get(case_id)
    if entry is not None and entry.reason:
        text += f"<br><span class='muted'>reason: {linkify(entry.reason)}</span>"
    return f"<li>{text}</li>"


def _case_link(matrix: Matrix, root: Path, agent: str, row: dict[str, Any]) -> str:
    target = matrix.dirs[agent] / detail_name(row["reportfile"])
    return rel(target.parent, root) + "/" + quote(target.name, safe="")


def _totals(matrix: Matrix) -> str:
    head = "".join(f"<th>{escape(LEGEND[v])}</th>" for v in VERDICTS)
    rows = []
    for index, agent in enumerate(matrix.agents):
        numbers = counts(matrix, agent)
        cells = "".join(
            cell(v, str(numbers[v]))
            if not numbers[v]
            else f"<td class='v' style='background:{COLOURS[v]}'>"
            + _filter_link(str(numbers[v]), verdict=v, agent=str(index))
            + "</td>"
            for v in VERDICTS
        )
        rows.append(f"<tr><th>{escape(agent)}</th>{cells}</tr>")
    return (
        "<h2>Totals</h2><p class='muted'>each number shows its cases in the table below</p>"
        f"<table id='totals'><tr><th>agent</th>{head}</tr>{''.join(rows)}</table>"
    )


def _filters(matrix: Matrix, order: list[str]) -> str:
    verdicts = "".join(f"<option value='{v}'>{escape(LEGEND[v])} ({v})</option>" for v in VERDICTS)
    agents = "".join(
        f"<option value='{i}'>{escape(a)}</option>" for i, a in enumerate(matrix.agents)
    )
    areas = "".join(
        f"<option>{escape(a)}</option>" for a in dict.fromkeys(matrix.area(c) for c in order)
    )
    clauses = sorted(
        {c for per in matrix.rows.values() for r in per.values() for c in r.get("clause", [])},
        key=natural,
    )
    clause_options = "".join(f"<option>{escape(c)}</option>" for c in clauses)
    return (
        "<div class='filters' id='filters'>"
        "<label>verdict <select id='f-verdict'><option value=''>any</option>"
        "<option value='ATTENTION'>needs attention</option>"
        f"<option value='UNEXPECTED'>unexpected</option>{verdicts}</select></label>"
        f"<label>agent <select id='f-agent'><option value=''>any</option>{agents}</select></label>"
        f"<label>area <select id='f-area'><option value=''>any</option>{areas}</select></label>"
        f"<label>clause <select id='f-clause'><option value=''>any</option>{clause_options}"
        "</select></label>"
        "<label>case <input id='f-text' size='16' placeholder='part of an id'></label>"
        "<button id='f-clear' type='button'>show all</button> "
        "<span id='f-count' class='muted'></span></div>"
    )


def _cases(matrix: Matrix, root: Path, runs: dict[str, AgentRuns], order: list[str]) -> str:
    agent_heads = "".join(f"<th>{escape(a)}</th>" for a in matrix.agents)
    rows, area = [], None
    for case_id in order:
        if matrix.area(case_id) != area:
            area = matrix.area(case_id)
            rows.append(
                f"<tr class='area' data-area='{escape(area)}'><th>{escape(area)}</th>"
                f"<th>clauses</th>{agent_heads}</tr>"
            )
        first = next(iter(matrix.rows[case_id].values()))
        tokens: list[str] = []
        cells = []
        for index, agent in enumerate(matrix.agents):
            row = matrix.rows[case_id].get(agent)
            verdict = matrix.verdict(case_id, agent)
            outcome = Outcome(row, verdict)
            marks = [verdict] + (["UNEXPECTED"] if outcome.tag.lower().startswith("unexp") else [])
            marks += ["ATTENTION"] if outcome.attention else []
            tokens += marks + [f"{index}:{m}" for m in marks]
            if row is None:
                cells.append(cell(verdict, "Missing"))
                continue
            text = LEGEND[verdict]
            code = row.get("remoteCloseCode")
            if code is not None:
                text += f" · {code}"
            text += f" · {row.get('duration', 0)} ms"
            title = []
            if outcome.expected:
                title.append(f"expected: {outcome.expected}")
            run = runs[agent].of_case.get(case_id)
            entry = None if run is None else run.info.expectations.get(case_id)
            if entry is not None and entry.reason:
                title.append(f"reason: {entry.reason}")
            classes = outcome.classes
            stale = runs[agent].stale(case_id)
            if stale is not None:
                classes += " stale"
                title.append(f"from an earlier run: {stale.info.when}")
            link = _case_link(matrix, root, agent, row)
            inner = f"<a href='{escape(link)}'>{escape(text)}</a>"
            if outcome.tag:
                inner += f"<span class='tag'>{escape(outcome.tag)}</span>"
            if stale is not None:
                inner += "<span class='tag'>earlier</span>"
            title_attr = f" title='{escape(' · '.join(title))}'" if title else ""
            cells.append(
                f"<td class='v {classes}' style='background:{COLOURS[verdict]}'{title_attr}>"
                f"{inner}</td>"
            )
        clauses = list(first.get("clause", []))
        rows.append(
            f"<tr class='case' data-area='{escape(matrix.area(case_id))}' "
            f"data-clauses='{escape(' '.join(clauses))}' data-v='{escape(' '.join(tokens))}' "
            f"data-id='{escape(case_id)}'><td>{escape(case_id)}</td>"
            f"<td>{escape(', '.join(clauses))}</td>{''.join(cells)}</tr>"
        )
    return f"<table id='cases'>{''.join(rows)}</table>"


def _coverage(matrix: Matrix) -> str:
    """The coverage matrix (docs/coverage.md) with, per agent, the worst verdict of the cases
    that fill each cell; a cell no case of the run fills shows as Missing."""
    agents = "".join(f"<th>{escape(a)}</th>" for a in matrix.agents)
    by_cell: dict[str, list[str]] = {}
    for case_id, per_agent in matrix.rows.items():
        first = next(iter(per_agent.values()))
        for name in first.get("cells") or []:
            by_cell.setdefault(str(name), []).append(case_id)
    rows = []
    for name in REQUIRED:
        parts = name.split(SEP)[1:]
        cases = by_cell.get(name, [])
        cells = []
        for agent in matrix.agents:
            verdicts = [matrix.verdict(c, agent) for c in cases]
            verdict = max(verdicts, key=WORSE.index) if verdicts else "MISSING"
            cells.append(
                cell(
                    verdict,
                    f"{LEGEND[verdict]} ({len(cases)})",
                    title=", ".join(sorted(cases, key=natural)[:12]),
                )
            )
        rows.append(f"<tr><td>{escape(' · '.join(parts))}</td>{''.join(cells)}</tr>")
    return (
        "<h2 id='coverage-matrix'>Coverage matrix</h2><p>overload · option or default · "
        "outcome, and direction · kind · size; the worst verdict of the cases in each cell "
        "(how many; hover for their ids)</p>"
        f"<table id='coverage'><tr><th>cell</th>{agents}</tr>{''.join(rows)}</table>"
    )


MARKS = (
    "<p class='legend-marks muted'>Cells: verdict · close code · duration. With an "
    "expectations file: <b>black outline + UNEXPECTED</b> an unexpected failure, "
    "<b>dashed outline</b> an unexpected pass, <b>stripes + known</b> a failure the file "
    "expects (hover for its reason). <b>Faded + earlier</b>: the row comes from an earlier "
    "run of that agent.</p>"
)

SCRIPT = """
(function(){
var $=function(id){return document.getElementById(id);};
var sel={verdict:$('f-verdict'),agent:$('f-agent'),area:$('f-area'),clause:$('f-clause')};
var text=$('f-text'),rows=[].slice.call(document.querySelectorAll('#cases tr.case'));
var heads=[].slice.call(document.querySelectorAll('#cases tr.area'));
function has(list,word){return (' '+list+' ').indexOf(' '+word+' ')>=0;}
function apply(){
 var v=sel.verdict.value,ag=sel.agent.value,ar=sel.area.value,cl=sel.clause.value;
 var t=text.value.toLowerCase(),shown=0,areas={};
 rows.forEach(function(r){
  var ok=(!v||has(r.getAttribute('data-v'),ag?ag+':'+v:v))
   &&(!ar||r.getAttribute('data-area')===ar)
   &&(!cl||has(r.getAttribute('data-clauses'),cl))
   &&(!t||r.getAttribute('data-id').toLowerCase().indexOf(t)>=0);
  r.hidden=!ok; if(ok){shown++;areas[r.getAttribute('data-area')]=1;}
 });
 heads.forEach(function(h){h.hidden=!areas[h.getAttribute('data-area')];});
 $('f-count').textContent=shown+' of '+rows.length+' cases shown';
}
function fromHash(){
 var h=decodeURIComponent(location.hash||'');
 if(h.indexOf('#filter:')!==0)return;
 Object.keys(sel).forEach(function(k){sel[k].value='';});text.value='';
 h.slice(8).split('&').forEach(function(p){var kv=p.split('=');
  if(sel[kv[0]])sel[kv[0]].value=kv.slice(1).join('=');
  if(kv[0]==='text')text.value=kv.slice(1).join('=');});
 apply(); $('filters').scrollIntoView();
}
Object.keys(sel).forEach(function(k){sel[k].addEventListener('change',apply);});
text.addEventListener('input',apply);
$('f-clear').addEventListener('click',function(){
 Object.keys(sel).forEach(function(k){sel[k].value='';});text.value='';
 if(location.hash)history.replaceState(null,'',location.pathname);apply();});
window.addEventListener('hashchange',fromHash);
apply(); fromHash();
})();
"""


def index_page(
    matrix: Matrix,
    root: Path,
    runs: dict[str, AgentRuns],
    gists: dict[tuple[str, str], CaseGist],
) -> str:
    order = case_order(matrix)
    body = (
        "<h1>@ohos.net.webSocket conformance</h1>"
        "<p><a href='#attention'>needs attention</a> · <a href='#runs'>runs</a> · "
        "<a href='#totals'>totals</a> · <a href='#filters'>cases</a> · "
        "<a href='#coverage-matrix'>coverage matrix</a></p>"
        + _attention_section(matrix, root, runs, gists, order)
        + _totals(matrix)
        + _runs_section(matrix, root, runs)
        + "<h2>Cases</h2>"
        + legend()
        + MARKS
        + _filters(matrix, order)
        + _cases(matrix, root, runs, order)
        + _coverage(matrix)
    )
    return page("@ohos.net.webSocket conformance", body, SCRIPT)
