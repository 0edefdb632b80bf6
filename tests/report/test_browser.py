"""The report in a real headless browser (Debian's chromium), over the DevTools protocol:
the rows and the legend render, and the page logs no console error."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from conformance.report import build_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium: install it (Debian: apt-get install chromium) to run the browser test",
)


class Page:
    """One tab driven over CDP: navigate, evaluate, and collect console errors."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = 0
        self.errors: list[Any] = []
        self.loaded = asyncio.Event()

    async def command(self, method: str, session: str, **params: Any) -> dict[str, Any]:
        self.ids += 1
        ident = self.ids
        await self.ws.send_json(
            {
                "id": ident,
                "method": method,
                "params": params,
                **({"sessionId": session} if session else {}),
            }
        )
        while True:
            message = await asyncio.wait_for(self.ws.receive_json(), 15)
            self._event(message)
            if message.get("id") == ident:
                return message.get("result", {})  # type: ignore[no-any-return]

    def _event(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        params = message.get("params", {})
        if method == "Runtime.exceptionThrown":
            self.errors.append(params)
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append(params)
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            self.errors.append(params["entry"])
        elif method == "Page.loadEventFired":
            self.loaded.set()

    async def wait_loaded(self) -> None:
        while not self.loaded.is_set():
            message = await asyncio.wait_for(self.ws.receive_json(), 15)
            self._event(message)


async def render(url: str, expression: str) -> tuple[Any, list[Any]]:
    assert CHROMIUM is not None
    # chromium's helper processes may still write to the profile as it dies: clean up leniently
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        proc = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, so every helper goes with it
        )
        try:
            assert proc.stderr is not None
            endpoint = None
            for _ in range(200):
                line = await asyncio.wait_for(asyncio.to_thread(proc.stderr.readline), 30)
                found = re.search(r"DevTools listening on (ws://\S+)", line)
                if found:
                    endpoint = found.group(1)
                    break
            assert endpoint, "chromium did not open its DevTools endpoint"
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
                await page.command("Page.navigate", session, url=url)
                await page.wait_loaded()
                result = await page.command(
                    "Runtime.evaluate", session, expression=expression, returnByValue=True
                )
                await ws.close()
                return result["result"].get("value"), page.errors
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def test_index_and_detail_render_without_console_errors(report_root: Path) -> None:
    index = build_html(report_root)
    probe = (
        "JSON.stringify({rows: document.querySelectorAll('#cases tr').length,"
        " legend: document.querySelector('.legend').innerText,"
        " links: document.querySelectorAll('#cases a').length})"
    )
    value, errors = asyncio.run(render(index.as_uri(), probe))
    seen = json.loads(value)
    assert seen["rows"] == 25 + 5  # cases, and per area a heading row naming the agents
    for word in ("Pass", "Non-Strict", "Informational", "Unimplemented", "Fail", "Missing"):
        assert word in seen["legend"]
    assert seen["links"] == 25 + 22
    assert errors == []
    detail = report_root / "alpha" / "alpha_case_close.case_0_.html"
    value, errors = asyncio.run(render(detail.as_uri(), "document.body.innerText"))
    assert "<script>boom()</script>" in value and "client → server" in value
    assert errors == []
