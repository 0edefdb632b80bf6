"""Every private aiohttp name the mock server uses fails loudly when it is gone
(``mockserver._aiohttp_compat``): at import, at start, and at each upgrade, with the aiohttp
version and the name; never a server that silently stops logging client frames."""

from __future__ import annotations

import asyncio
import logging
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web, web_protocol

from mockserver import _aiohttp_compat
from mockserver._aiohttp_compat import AiohttpIncompatible, bound_port, check
from mockserver.server import run_mockserver

REPO = Path(__file__).resolve().parents[2]


def test_the_installed_aiohttp_passes() -> None:
    check()


@pytest.mark.parametrize("name", ["_handshake", "_pre_start", "_post_start"])
def test_a_websocket_method_that_is_gone_is_named(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.delattr(web.WebSocketResponse, name)
    with pytest.raises(AiohttpIncompatible, match=rf"WebSocketResponse\.{name} is gone"):
        check()


def test_a_websocket_method_whose_parameters_changed_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def _post_start(self: Any, request: Any, writer: Any) -> None: ...

    monkeypatch.setattr(web.WebSocketResponse, "_post_start", _post_start)
    with pytest.raises(AiohttpIncompatible, match=r"_post_start takes \('request', 'writer'\)"):
        check()


@pytest.mark.parametrize("name", ["_payload_parser", "_message_tail"])
def test_a_request_handler_slot_that_is_gone_is_named(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.delattr(web_protocol.RequestHandler, name)
    with pytest.raises(AiohttpIncompatible, match=rf"RequestHandler\.{name} is gone"):
        check()


def test_import_fails_with_one_clear_error_when_a_name_is_gone() -> None:
    code = (
        "from aiohttp import web; del web.WebSocketResponse._post_start; import mockserver.server"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert "AiohttpIncompatible" in last and "_post_start is gone" in last, last
    assert f"aiohttp {aiohttp.__version__}" in last and "mockserver/_aiohttp_compat.py" in last


async def test_an_upgrade_that_finds_no_parser_slot_is_a_loud_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """aiohttp keeps the names but no longer installs its parser there: the upgrade fails
    with AiohttpIncompatible in the server's log, and the client is not served untapped."""
    original = web.WebSocketResponse._post_start

    def post_start_elsewhere(self: Any, request: Any, protocol: Any, writer: Any) -> None:
        original(self, request, protocol, writer)
        request.protocol._payload_parser = None  # "moved" somewhere the tap cannot see

    monkeypatch.setattr(web.WebSocketResponse, "_post_start", post_start_elsewhere)
    caplog.set_level(logging.ERROR)
    async with run_mockserver() as server:
        async with aiohttp.ClientSession() as session:
            with pytest.raises((aiohttp.ClientError, asyncio.TimeoutError)):
                async with session.ws_connect(f"{server.ws_url}/echo?tag=x") as ws:
                    await ws.send_str("untapped?")
                    msg = await ws.receive(timeout=5)
                    assert msg.type is not aiohttp.WSMsgType.TEXT  # never echoed untapped
                    raise aiohttp.ClientError("the server ended the connection")
    errors = [r for r in caplog.records if r.exc_info and r.exc_info[0] is AiohttpIncompatible]
    assert errors, [r.getMessage() for r in caplog.records]
    assert "_payload_parser" in str(errors[0].exc_info[1])  # type: ignore[index]


async def test_the_bound_port_of_a_site_without_its_server_is_a_loud_error() -> None:
    app = web.Application()
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        assert bound_port(site) > 0
        site._server = None  # as if aiohttp renamed it
        with pytest.raises(AiohttpIncompatible, match=r"TCPSite\._server"):
            bound_port(site)
    finally:
        await runner.cleanup()


def test_the_compat_module_holds_every_private_override() -> None:
    """No other module of the mock server overrides or reads an aiohttp private name."""
    names = ("_handshake", "_pre_start", "_post_start", "_payload_parser", "_message_tail")
    for path in (REPO / "mockserver").glob("*.py"):
        if path.name == "_aiohttp_compat.py":
            continue
        text = path.read_text()
        assert not [n for n in names if re.search(rf"(?<!\w){n}\b", text)], path.name
        assert "._server" not in text.replace("self._server", ""), path.name
    assert _aiohttp_compat.HookedWebSocketResponse.__module__ == "mockserver._aiohttp_compat"
