"""The HTML report: one matrix page (cases x agents), one detail page per case, and a page per
kept run (``runs.py``). This module holds what every page shares (colours, cells, links) and
writes the pages; ``index_page`` and ``case_page`` render them.

Self-contained (inline CSS, the index's filter script inline, no network) and escaped
throughout: payloads come from servers and implementations under test and may hold markup.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .model import VERDICTS, load_root
from .paths import ReportError, case_file, refuse_links, write_file
from .runs import CaseExpectation, Run, list_runs, read_run_info, run_of_cases

if TYPE_CHECKING:
    from .case_page import Rendered

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

CSS = """
body{font-family:sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:3px 7px;font-size:13px;text-align:left;vertical-align:top}
th{background:#eee}
td.v{color:#fff;font-weight:bold;text-align:center;white-space:nowrap}
td.v a{color:#fff;text-decoration:none}
td.v.known{background-image:repeating-linear-gradient(45deg,rgba(255,255,255,.28) 0 6px,
 transparent 6px 12px)}
td.v.unexpected{outline:3px solid #000;outline-offset:-3px}
td.v.unexpected-pass{outline:3px dashed #000;outline-offset:-3px}
td.v.stale{opacity:.6}
.tag{display:inline-block;font-size:10px;font-weight:bold;padding:0 4px;margin-left:4px;
 border-radius:3px;background:#fff;color:#000}
.legend span{display:inline-block;color:#fff;padding:2px 8px;margin-right:4px}
tr.area th{background:#ddd;font-size:14px}
pre{background:#f6f6f6;padding:6px;white-space:pre-wrap;word-break:break-all;font-size:12px}
.dur{font-weight:normal;font-size:11px;opacity:.85}
.meta th{width:9em}
.attention li{margin:2px 0}
.filters{background:#f3f3f3;padding:6px 10px;margin:.5em 0;position:sticky;top:0}
.filters label{margin-right:1em}
.muted{color:#666;font-size:12px}
.hexview{color:#444;font-size:11px}
"""


def page(title: str, body: str, script: str = "") -> str:
    tail = f"<script>{script}</script>" if script else ""
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body>{body}{tail}</body></html>\n"
    )


def cell(
    verdict: str, text: str, link: str | None = None, classes: str = "", title: str = ""
) -> str:
    inner = escape(text) if link is None else f"<a href='{escape(link)}'>{escape(text)}</a>"
    extra = f" title='{escape(title)}'" if title else ""
    return (
        f"<td class='v {escape(classes)}' style='background:{COLOURS[verdict]}'{extra}>{inner}</td>"
    )


def legend() -> str:
    spans = "".join(
        f"<span style='background:{COLOURS[v]}'>{escape(LEGEND[v])} ({escape(v)})</span>"
        for v in VERDICTS
    )
    return f"<p class='legend'>{spans}</p>"


def detail_name(reportfile: str) -> str:
    return reportfile.removesuffix(".json") + ".html"


def relative(target: Path, start: Path) -> str:
    """``target`` as a link from a page in ``start`` (both may be relative to the cwd): a
    relative path, each part percent-encoded, so no folder name (``javascript:alert(1)``,
    ``//host``, ``?x``, ``#y``) can make it a link with a scheme, a host, a query or a
    fragment. Every link of the report is made here."""
    parts = Path(os.path.relpath(target.resolve(), start.resolve())).parts
    href = "/".join(quote(part, safe="") for part in parts)
    assert not href.startswith("/") and ":" not in href.split("/")[0], href
    return href


@dataclass(frozen=True)
class AgentRuns:
    """An agent's runs as the pages show them: the latest, the earlier ones (oldest first),
    and the run each case's row comes from."""

    latest: Run | None
    earlier: tuple[Run, ...]
    of_case: dict[str, Run]

    def stale(self, case_id: str) -> Run | None:
        """The earlier run a case's row comes from (None: the latest run, or no runs kept)."""
        run = self.of_case.get(case_id)
        return run if run is not None and run is not self.latest else None


def agent_runs(directory: Path) -> AgentRuns:
    """The runs of an agent folder; a run folder (it holds ``run.json``) is its own run."""
    own = read_run_info(directory)
    if own is not None:
        run = Run(directory, own)
        return AgentRuns(run, (), _all_cases(directory, run))
    runs = list_runs(directory)
    if not runs:
        return AgentRuns(None, (), {})
    return AgentRuns(runs[-1], tuple(runs[:-1]), run_of_cases(directory, runs))


def _all_cases(directory: Path, run: Run) -> dict[str, Run]:
    from .model import read_index

    return {c: run for cases in read_index(directory / "index.json").values() for c in cases}


@dataclass(frozen=True)
class CaseGist:
    """What the index says about a case beyond its row: the first check that did not pass."""

    clause: str
    what: str
    expected: str
    observed: str


def build_html(root: Path) -> Path:
    """Write ``root/index.html``, each case's detail page, and the pages of every kept run not
    yet shown; returns the index path.

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


def render_pages(
    root: Path,
    runs_too: bool = True,
    rendered: dict[tuple[object, ...], Rendered | None] | None = None,
) -> dict[Path, str]:
    """Every page of the report under ``root``, by the path it goes to; nothing written.
    With ``runs_too``, also the pages of each kept run that has no ``index.html`` yet.

    A kept run's case files are hard links of the agent folder's: a case page whose file,
    back link, run and expectation are the same is rendered once (``rendered``, keyed by the
    file's identity and the other inputs) and used in both places."""
    # The page modules import this one's shared pieces: imported here, when pages are made.
    from .case_page import render_detail
    from .index_page import index_page

    root = Path(root)
    rendered = {} if rendered is None else rendered
    matrix = load_root(root)
    pages: dict[Path, str] = {}
    gists: dict[tuple[str, str], CaseGist] = {}
    runs: dict[str, AgentRuns] = {}
    for agent in matrix.agents:
        directory = matrix.dirs[agent]
        runs[agent] = agent_runs(directory)
        back = relative(root / "index.html", directory)
        for case_id in matrix.rows:
            row = matrix.rows[case_id].get(agent)
            if row is None:
                continue
            source = case_file(directory, row.reportfile, f"{directory}: case {case_id!r}")
            run = runs[agent].of_case.get(case_id)
            expectation = None if run is None else run.info.expectations.get(case_id)
            key = _page_key(source, back, run, expectation)
            page = rendered.get(key) if key is not None else None
            if page is None:
                page = render_detail(source, back, run, expectation)
                if key is not None:
                    rendered[key] = page
            if page is not None:
                pages[directory / detail_name(row.reportfile)] = page.html
                if page.gist is not None:
                    gists[(agent, case_id)] = page.gist
        if runs_too:
            latest = runs[agent].latest
            for run in runs[agent].earlier + (() if latest is None else (latest,)):
                if run.path != directory and not (run.path / "index.html").exists():
                    pages.update(render_pages(run.path, runs_too=False, rendered=rendered))
    pages[root / "index.html"] = index_page(matrix, root, runs, gists)
    return pages


def _page_key(
    source: Path, back: str, run: Run | None, expectation: CaseExpectation | None
) -> tuple[object, ...] | None:
    """What a case page is made of: the case file (by identity: a hard link is the same
    file), the back link, the run's facts and the expectation. None when the file is gone."""
    try:
        st = source.stat()
    except OSError:
        return None
    facts = None if run is None else tuple(run.info.facts())
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, back, facts, expectation)


def short(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + " …"
