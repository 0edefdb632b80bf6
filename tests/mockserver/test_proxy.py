"""The mock server's HTTP proxy (the API's ``proxy`` option), driven by a client that is not
ours: aiohttp's, which sends CONNECT for wss:// and an absolute-form request for ws://."""

from __future__ import annotations

import base64
import ssl

import aiohttp
import pytest

from mockserver.proxy import HttpProxy
from mockserver.server import run_mockserver


async def _echo(url: str, proxy: str, **kwargs: object) -> str:
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(url, proxy=proxy, **kwargs) as ws:  # type: ignore[arg-type]
            await ws.send_str("through")
            got = str((await ws.receive()).data)
            await ws.close()
    return got


async def test_wss_goes_through_connect_and_the_log_says_so() -> None:
    async with run_mockserver(tls=True, proxies=True) as server:
        assert server.proxy is not None and server.wss_url and server.ca_file
        context = ssl.create_default_context(cafile=str(server.ca_file))
        auth = aiohttp.BasicAuth("user", "secret")
        url = f"{server.wss_url}/echo?tag=tunnel"
        got = await _echo(
            url, f"http://127.0.0.1:{server.proxy.port}", ssl=context, proxy_auth=auth
        )
        assert got == "through"
        (entry,) = server.proxy.log.entries()
        assert entry["method"] == "CONNECT" and entry["status"] == 200
        assert entry["target"] == f"127.0.0.1:{server.tls_port}"
        assert entry["proxy_authorization"] == "Basic " + base64.b64encode(b"user:secret").decode()
        assert entry["forwarded_first_line"] is None  # TLS inside: nothing readable
        assert entry["bytes_up"] > 0 and entry["bytes_down"] > 0
        log = await server.wirelog.wait_done("tunnel", 5)
        assert log is not None  # the server saw the connection the proxy forwarded


async def test_ws_absolute_form_is_forwarded_with_the_tag_in_the_log() -> None:
    async with run_mockserver(proxies=True) as server:
        assert server.proxy is not None
        url = f"{server.ws_url}/echo?tag=plain"
        assert await _echo(url, f"http://127.0.0.1:{server.proxy.port}") == "through"
        (entry,) = server.proxy.log.find("tag=plain")
        assert entry["method"] == "GET" and entry["target"] == f"127.0.0.1:{server.port}"
        assert entry["forwarded_first_line"].startswith("GET /echo?tag=plain ")


@pytest.mark.parametrize("status", [403, 407])
async def test_a_refusing_proxy_answers_its_status_and_forwards_nothing(status: int) -> None:
    async with run_mockserver(tls=True, proxies=True) as server:
        proxy = server.refusing_proxies[status]
        context = ssl.create_default_context(cafile=str(server.ca_file))
        with pytest.raises(aiohttp.ClientHttpProxyError) as refused:
            await _echo(
                f"{server.wss_url}/echo?tag=no", f"http://127.0.0.1:{proxy.port}", ssl=context
            )
        assert refused.value.status == status
        (entry,) = proxy.log.entries()
        assert entry["status"] == status and entry["bytes_up"] == 0
        assert server.wirelog.find(tag="no") == []


async def test_the_proxy_is_not_open_beyond_loopback() -> None:
    proxy = await HttpProxy().start()
    try:
        with pytest.raises(aiohttp.ClientHttpProxyError) as refused:
            await _echo("wss://192.0.2.1:443/", f"http://127.0.0.1:{proxy.port}")
        assert refused.value.status == 403
        assert proxy.log.entries()[0]["target"] == "192.0.2.1:443"
    finally:
        await proxy.close()


def test_refuse_takes_only_403_or_407() -> None:
    with pytest.raises(ValueError, match="403 or 407"):
        HttpProxy(refuse=500)
