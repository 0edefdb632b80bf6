"""The pages a person reads, from real runs, in a real headless chromium (over DevTools): the
index (failures first, filters, known vs unexpected marked apart), a failed case's page (the
handshake drawn, one time line, hex as text), the diff page (coloured, linked to both case
pages) and the coverage matrix. Screenshots go to /tmp/report-shots/ (or
$REPORT_SHOTS) for a person to look at."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import aiohttp
import pytest

from tests.conformance.suite_runner import REPO, run_suite
from tests.report.test_browser import CHROMIUM, Page, pytestmark  # noqa: F401 (skip without it)

BROKEN = "tests.conformance.broken.close_default_1001"  # CL2: close() sends 1001
SHOTS = Path(os.environ.get("REPORT_SHOTS", "/tmp/report-shots"))


async def _chromium() -> tuple[subprocess.Popen[str], str]:
    import re
    import tempfile

    assert CHROMIUM is not None
    profile = tempfile.mkdtemp(prefix="chromium-")
    proc = subprocess.Popen(
        [
            *(CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"),
            *("--disable-background-networking", "--disable-component-update", "--disable-sync"),
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stderr is not None
    for _ in range(200):
        line = await asyncio.wait_for(asyncio.to_thread(proc.stderr.readline), 30)
        found = re.search(r"DevTools listening on (ws://\S+)", line)
        if found:
            return proc, found.group(1)
    raise AssertionError("chromium did not open its DevTools endpoint")


class Tab:
    """One tab: open a page, evaluate, take a screenshot; console errors collected."""

    def __init__(self, page: Page, session: str) -> None:
        self.page, self.session = page, session

    async def open(self, path: Path) -> None:
        self.page.loaded.clear()
        await self.page.command("Page.navigate", self.session, url=path.as_uri())
        await self.page.wait_loaded()

    async def eval(self, expression: str) -> Any:
        result = await self.page.command(
            "Runtime.evaluate", self.session, expression=expression, returnByValue=True
        )
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    async def shot(self, name: str) -> Path:
        data = await self.page.command("Page.captureScreenshot", self.session, format="png")
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        path.write_bytes(base64.b64decode(data["data"]))
        return path


async def _browse(steps: Any) -> list[Any]:
    import contextlib
    import signal

    proc, endpoint = await _chromium()
    try:
        async with aiohttp.ClientSession() as http:
            ws = await http.ws_connect(endpoint, max_msg_size=0)
            page = Page(ws)
            target = await page.command("Target.createTarget", "", url="about:blank")
            attached = await page.command(
                "Target.attachToTarget", "", targetId=target["targetId"], flatten=True
            )
            session = attached["sessionId"]
            for domain in ("Runtime.enable", "Log.enable", "Page.enable"):
                await page.command(domain, session)
            await page.command(
                "Emulation.setDeviceMetricsOverride",
                session,
                width=1280,
                height=1500,
                deviceScaleFactor=1,
                mobile=False,
            )
            await steps(Tab(page, session))
            await ws.close()
            return page.errors
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """reports/port: a passing run, then a broken one gated by an expectations file that
    knows one of its two failures (with a bug link); the HTML of the whole root."""
    tmp = tmp_path_factory.mktemp("pages")
    folder = tmp / "reports" / "port"
    run_suite(folder, "--agent", "port", "--clause", "CL2")
    known = tmp / "expectations.toml"
    known.write_text(
        '[[expect]]\ncase = "close.close[callback-no-options]"\nverdict = "FAILED"\n'
        'reason = "sends 1001, see https://bugs.example/1234"\n',
        "utf-8",
    )
    run_suite(
        folder, "--agent", "port", "--iut", BROKEN, "--clause", "CL2", "--expectations", str(known)
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for args in (
        ["build", str(tmp / "reports")],
        [
            "diff",
            "port@previous",
            "port@latest",
            "--root",
            str(tmp / "reports"),
            "--html",
            str(tmp / "reports" / "diff.html"),
        ],
    ):
        subprocess.run(
            [sys.executable, "-m", "conformance.report", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=args[0] == "build",
        )
    return tmp / "reports"


def test_the_pages_in_a_real_browser(two_runs: Path) -> None:
    root = two_runs
    rows = json.loads((root / "port" / "index.json").read_text("utf-8"))["port"]
    failed = sorted(c for c, r in rows.items() if r["behavior"] == "FAILED")
    assert failed == ["close.close[callback-no-options]", "close.close[promise-no-options]"]
    seen: dict[str, Any] = {}

    async def steps(tab: Tab) -> None:
        await tab.open(root / "index.html")
        seen["attention"] = await tab.eval(
            "[...document.querySelectorAll('#attention ~ .attention li, .attention > ul > li')]"
            ".map(li => li.innerText)"
        )
        seen["marks"] = await tab.eval(
            "JSON.stringify([...document.querySelectorAll('#cases td.v')]"
            ".filter(td => td.innerText.startsWith('Fail'))"
            ".map(td => [td.className, getComputedStyle(td).outlineStyle, td.title]))"
        )
        seen["heads"] = await tab.eval(
            "[...document.querySelectorAll('#cases tr.area')].map(tr => tr.innerText)"
        )
        await tab.shot("index")
        await tab.eval("location.hash = '#filter:verdict=FAILED&agent=0'; 0")
        await asyncio.sleep(0.3)
        seen["filtered"] = await tab.eval(
            "[...document.querySelectorAll('#cases tr.case')].filter(r => !r.hidden)"
            ".map(r => r.dataset.id)"
        )
        seen["count"] = await tab.eval("document.getElementById('f-count').innerText")
        await tab.shot("index-filtered")
        await tab.eval("document.getElementById('coverage-matrix').scrollIntoView(); 0")
        seen["coverage"] = await tab.eval(
            "[...document.querySelectorAll('#coverage tr')].map(tr => tr.innerText)"
        )
        await tab.shot("coverage")
        page = root / "port" / rows[failed[1]]["reportfile"].replace(".json", ".html")
        await tab.open(page)
        seen["case"] = await tab.eval("document.body.innerText")
        seen["ladder"] = await tab.eval(
            "[...document.querySelectorAll('svg text')].map(t => t.textContent)"
        )
        await tab.shot("case-failed")
        await tab.eval("document.querySelector('svg').scrollIntoView(); 0")
        await tab.shot("case-wire")
        await tab.open(root / "diff.html")
        seen["diff"] = await tab.eval(
            "JSON.stringify([...document.querySelectorAll('#diff tr.worse')].map(tr => "
            "[tr.innerText, getComputedStyle(tr).backgroundColor, "
            "[...tr.querySelectorAll('a')].map(a => a.getAttribute('href'))]))"
        )
        await tab.shot("diff")

    errors = asyncio.run(_browse(steps))
    assert errors == []

    # index: failures first, the known one apart from the unexpected one, with its reason
    attention = " ".join(seen["attention"])
    assert failed[1] in attention and "UNEXPECTED" in attention
    assert "known failures (1" not in attention  # listed apart, in its own collapsed list
    marks = json.loads(seen["marks"])
    by_class = {m[0].split()[1] if len(m[0].split()) > 1 else "": m for m in marks}
    assert by_class["unexpected"][1] == "solid"
    assert by_class["known"][1] == "none" and "bugs.example/1234" in by_class["known"][2]
    assert all("port" in head for head in seen["heads"])  # agents repeated per area
    assert sorted(seen["filtered"]) == failed and seen["count"].startswith("2 of ")

    # coverage: the callback overloads are filled (the old index split them at the comma)
    callback = [r for r in seen["coverage"] if r.startswith("close(callback) · no options")]
    assert callback and "Missing" not in callback[0], seen["coverage"][:5]
    assert len(seen["coverage"]) > 60

    # the failed case: run facts, the expectation, one time line, the handshake drawn
    case = seen["case"]
    for text in ("UNEXPECTED", BROKEN, "--clause CL2", "same origin", "code 1001"):
        assert text in case, text
    assert any(t.startswith("GET /") for t in seen["ladder"])
    assert any("101" in t for t in seen["ladder"]) and any("CLOSE" in t for t in seen["ladder"])

    # the diff: both failures, red rows, links to both case pages that exist
    diff = json.loads(seen["diff"])
    assert sorted(row[0].split("\t")[1] for row in diff) == failed
    for _, colour, links in diff:
        assert colour == "rgb(248, 215, 215)" and len(links) == 2
        for href in links:
            assert (root / unquote(href)).is_file(), href
    for name in ("index", "index-filtered", "coverage", "case-failed", "case-wire", "diff"):
        assert (SHOTS / f"{name}.png").stat().st_size > 10_000
