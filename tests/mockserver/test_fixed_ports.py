"""Every listener on a port the user fixes (``port_base``, ``PORT_LAYOUT``), and URLs and test
certificates that name an advertised host: what a device behind ``hdc rport`` or on a LAN
needs (docs/device.md). Loopback only: the advertised names here resolve to this machine."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from mockserver.limits import check_host_name
from mockserver.server import PORT_LAYOUT, run_mockserver
from tests.conformance.suite_runner import free_ports
from tests.mockserver.test_tls import _echo_once, _trusting

REPO = Path(__file__).resolve().parents[2]


def free_base() -> int:
    return free_ports(len(PORT_LAYOUT))


LAYOUT = (
    "plain",
    "tls",
    "unknown-ca",
    "wrong-name",
    "expired",
    "hangup",
    "private-ca",
    "mtls",
    "proxy",
    "proxy-403",
    "proxy-407",
)


async def test_every_listener_is_on_its_port_and_every_url_names_the_advertised_host() -> None:
    base = free_base()
    async with run_mockserver(
        tls=True, tls_failures=True, port_base=base, advertise_host="localhost", proxies=True
    ) as server:
        assert PORT_LAYOUT == LAYOUT
        at = {name: base + i for i, name in enumerate(LAYOUT)}
        assert (server.port, server.tls_port) == (at["plain"], at["tls"])
        assert server.ws_url == f"ws://localhost:{base}"
        assert server.wss_url == f"wss://localhost:{base + 1}"
        assert server.tls_failure_urls == {
            kind: f"wss://localhost:{at[kind]}" for kind in ("unknown-ca", "wrong-name", "expired")
        }
        assert server.hangup is not None and server.hangup.url == f"wss://localhost:{base + 5}"
        assert server.private_wss_url == f"wss://localhost:{at['private-ca']}"
        assert server.mtls_url == f"wss://localhost:{at['mtls']}"
        assert server.proxy is not None and server.proxy.port == at["proxy"]
        assert {s: p.port for s, p in server.refusing_proxies.items()} == {
            403: at["proxy-403"],
            407: at["proxy-407"],
        }
        # a client that checks the name it was told, and trusts the test CA, gets through
        got = await _echo_once(f"{server.wss_url}/echo", _trusting(server.ca_file))
        assert got == ["hé", "b'\\x00\\x01'"]


async def test_a_client_not_ours_reaches_every_listener_on_the_layout() -> None:
    """Each port of the layout, by aiohttp's client or a raw socket, as a device would."""
    base = free_base()
    async with run_mockserver(tls=True, tls_failures=True, port_base=base, proxies=True) as server:
        at = {name: base + i for i, name in enumerate(PORT_LAYOUT)}
        loop = "127.0.0.1:{}/echo"
        echo = ["hé", "b'\\x00\\x01'"]
        assert await _echo_once("ws://" + loop.format(at["plain"]), True) == echo
        trusting = _trusting(server.ca_file)
        assert await _echo_once("wss://" + loop.format(at["tls"]), trusting) == echo
        for kind in ("unknown-ca", "wrong-name", "expired"):
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                await _echo_once("wss://" + loop.format(at[kind]), trusting)
        with pytest.raises(aiohttp.ClientError):
            await _echo_once("wss://" + loop.format(at["hangup"]), trusting)
        assert server.hangup is not None and server.hangup.first_bytes[0][:2] == b"\x16\x03"
        private = _trusting(server.private_ca_file)
        assert await _echo_once("wss://" + loop.format(at["private-ca"]), private) == echo
        mutual = _trusting(server.ca_file)
        files = server.client_certs["valid"]
        mutual.load_cert_chain(str(files.cert_path), str(files.key_path), files.key_password)
        assert await _echo_once("wss://" + loop.format(at["mtls"]), mutual) == echo
        for name, status in (("proxy", 200), ("proxy-403", 403), ("proxy-407", 407)):
            reader, writer = await asyncio.open_connection("127.0.0.1", at[name])
            target = f"127.0.0.1:{at['plain']}"
            writer.write(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
            status_line = await asyncio.wait_for(reader.readline(), 5)
            writer.close()
            assert status_line.split()[1] == str(status).encode(), (name, status_line)


async def test_an_advertised_ip_is_in_the_valid_certificate() -> None:
    async with run_mockserver(tls=True, advertise_host="127.0.0.2") as server:
        assert server.wss_url is not None and server.wss_url.startswith("wss://127.0.0.2:")
        # connect to the loopback the server binds, checking the advertised IP as the name
        context = _trusting(server.ca_file)
        got = await _echo_once(f"wss://127.0.0.1:{server.tls_port}/echo", context)
        assert got  # 127.0.0.1 is still named
        _, writer = await asyncio.open_connection(
            "127.0.0.1", server.tls_port, ssl=context, server_hostname="127.0.0.2"
        )
        writer.close()  # the certificate names 127.0.0.2: the handshake went through
        with pytest.raises(ssl.SSLCertVerificationError):
            await asyncio.open_connection(
                "127.0.0.1", server.tls_port, ssl=context, server_hostname="127.0.0.3"
            )


def test_a_bad_host_name_is_one_line() -> None:
    assert check_host_name("[::1]") == "::1"
    assert check_host_name("device-lab.example") == "device-lab.example"
    for bad in ("a b", "", "-x.example", "x" * 300):
        with pytest.raises(ValueError, match="neither an IP address nor a host name"):
            check_host_name(bad)


def test_the_cli_prints_every_listener_on_the_layout() -> None:
    base = free_base()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockserver",
            "--port-base",
            str(base),
            "--advertise-host",
            "x.test",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(len(PORT_LAYOUT) + 1)]
    finally:
        proc.terminate()
        proc.wait(10)
    text = "".join(lines)
    for offset in range(len(PORT_LAYOUT)):
        assert f"x.test:{base + offset}" in text, text
    assert "test CA" in lines[-1]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--mock-port", "70000"], "is not a base port"),
        (["--advertise-host", "a b"], "neither an IP address nor a host name"),
    ],
)
def test_the_suite_refuses_bad_mock_options_in_one_line(args: list[str], said: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "--report-dir", "/nonexistent-never", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 4 and said in proc.stderr, proc.stderr[-500:]
