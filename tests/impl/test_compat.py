"""impl/_aiohttp_compat.py: a hook that does not take fails loudly, naming aiohttp's version.

Each test simulates a newer aiohttp that renamed or rewired what impl hooks into, against a
real mock server; connect must fail (never run without the PR4/PR6 guard), say so in the
promise, in 'error' and in the log, and name the aiohttp version.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from typing import Any

import aiohttp
import pytest
from aiohttp import client_proto

from impl import _aiohttp_compat, webSocket
from impl._aiohttp_compat import AiohttpIncompatible
from mockserver import MockServer

VERSION = f"aiohttp {aiohttp.__version__}"


async def connect_fails_loudly(
    server: MockServer, caplog: pytest.LogCaptureFixture, tag: str, missing: str
) -> None:
    ws = webSocket.createWebSocket()
    errors: list[Any] = []
    ws.on("error", errors.append)
    ws.on("open", lambda err, value: errors.append("opened"))
    with caplog.at_level(logging.ERROR, logger="impl.webSocket"):
        with pytest.raises(AiohttpIncompatible) as info:
            await ws.connect(server.ws_url + f"/echo?tag={tag}")
    message = str(info.value)
    assert VERSION in message and missing in message
    assert info.value.code == 2302999 and info.value.aiohttp_version == aiohttp.__version__
    assert errors == [info.value]
    assert any(VERSION in record.getMessage() for record in caplog.records)


async def test_the_hooks_take_on_this_aiohttp(mockserver: MockServer) -> None:
    _aiohttp_compat.check()
    ws = webSocket.createWebSocket()
    assert await ws.connect(mockserver.ws_url + "/echo") is True
    connection = ws._connection
    assert connection is not None and connection._parser_hook.took
    await ws.close()


async def test_set_parser_renamed(
    mockserver: MockServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = client_proto.ResponseHandler.set_parser
    monkeypatch.delattr(client_proto.ResponseHandler, "set_parser")
    monkeypatch.setattr(client_proto.ResponseHandler, "install_parser", original, raising=False)
    with pytest.raises(AiohttpIncompatible, match="set_parser"):
        _aiohttp_compat.check()
    await connect_fails_loudly(mockserver, caplog, "renamed", "set_parser")
    assert mockserver.wirelog.find("renamed") == []  # refused before the handshake


async def test_trace_hook_never_runs(
    mockserver: MockServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An aiohttp that no longer sends on_request_end for ws_connect."""

    async def silent(*args: Any, **kwargs: Any) -> None:
        return None

    monkeypatch.setattr(aiohttp.tracing.Trace, "send_request_end", silent)
    await connect_fails_loudly(mockserver, caplog, "untraced", "on_request_end")
    entry = await mockserver.wirelog.wait_done("untraced", 5)
    assert entry is not None  # the handshake happened, and the connection was ended


async def test_parser_installed_another_way(
    mockserver: MockServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """set_parser is still there, but wrapping it no longer reaches the parser in use (as if
    ws_connect installed its parser through another path): the hook ran and did not take."""
    original = client_proto.ResponseHandler.set_parser
    unhookable = property(lambda self: original.__get__(self), lambda self, value: None)
    monkeypatch.setattr(client_proto.ResponseHandler, "set_parser", unhookable)
    await connect_fails_loudly(mockserver, caplog, "rewired", "set_parser")
    entry = await mockserver.wirelog.wait_done("rewired", 5)
    assert entry is not None


async def test_response_renamed(
    mockserver: MockServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = aiohttp.ClientWebSocketResponse.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self._http_response = self.__dict__.pop("_response")

    monkeypatch.setattr(aiohttp.ClientWebSocketResponse, "__init__", init)
    await connect_fails_loudly(mockserver, caplog, "noresponse", "_response")
    entry = await mockserver.wirelog.wait_done("noresponse", 5)
    assert entry is not None


def test_import_fails_loudly_when_a_name_is_gone() -> None:
    code = "import aiohttp.client_proto as p\ndel p.ResponseHandler.set_parser\nimport impl\n"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "AiohttpIncompatible" in proc.stderr
    assert VERSION in proc.stderr and "set_parser" in proc.stderr
