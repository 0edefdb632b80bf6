"""The mock server over TLS: wss:// with the test CA, the same routes and the same wire log as
plain ws://, the certificates that must be refused, a hang-up in the handshake, the CLI."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
import trustme

from mockserver.server import MockServer, run_mockserver
from mockserver.tls import FAILURE_KINDS

REPO = Path(__file__).resolve().parents[2]


def _trusting(ca_file: Path | None) -> ssl.SSLContext:
    assert ca_file is not None
    return ssl.create_default_context(cafile=str(ca_file))


async def _echo_once(url: str, context: ssl.SSLContext | bool) -> list[str]:
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(url, ssl=context) as ws:
            await ws.send_str("hé")
            await ws.send_bytes(b"\x00\x01")
            got = [str((await ws.receive()).data), repr((await ws.receive()).data)]
            await ws.close()
    return got


def _frames(log: dict) -> list[tuple]:
    return [(f["dir"], f["opcode"], f["length"], f["masked"]) for f in log["frames"]]


async def test_wss_echoes_and_logs_the_same_frames_as_ws() -> None:
    async with run_mockserver(tls=True) as server:
        assert server.wss_url is not None and server.ca_file is not None
        assert server.ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")
        plain = await _echo_once(f"{server.ws_url}/echo?tag=plain", True)
        secure = await _echo_once(f"{server.wss_url}/echo?tag=tls", _trusting(server.ca_file))
        assert plain == secure == ["hé", "b'\\x00\\x01'"]
        logs = [await server.wirelog.wait_done(tag, 5) for tag in ("plain", "tls")]
        assert all(log is not None for log in logs)
        assert _frames(logs[0]) == _frames(logs[1])  # type: ignore[arg-type]
        assert logs[0]["close"] == logs[1]["close"]  # type: ignore[index]
        assert [m["sha256"] for m in logs[0]["messages"]] == [  # type: ignore[index]
            m["sha256"]
            for m in logs[1]["messages"]  # type: ignore[index]
        ]


async def test_a_client_that_does_not_trust_the_test_ca_is_refused() -> None:
    async with run_mockserver(tls=True) as server:
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await _echo_once(f"{server.wss_url}/echo", ssl.create_default_context())


@pytest.mark.parametrize("kind", FAILURE_KINDS)
async def test_each_failure_certificate_is_refused_by_a_trusting_client(kind: str) -> None:
    async with run_mockserver(tls=True, tls_failures=True) as server:
        url = f"{server.tls_failure_urls[kind]}/echo?tag=x"
        with pytest.raises(aiohttp.ClientConnectorError):
            await _echo_once(url, _trusting(server.ca_file))
        assert server.wirelog.find(tag="x") == []  # no request got through


async def test_the_hangup_listener_ends_tcp_in_the_handshake() -> None:
    async with run_mockserver(tls=True, tls_failures=True) as server:
        assert server.hangup is not None
        with pytest.raises(aiohttp.ClientError):
            await _echo_once(f"{server.hangup.url}/echo", _trusting(server.ca_file))
        await asyncio.sleep(0.05)
        assert server.hangup.first_bytes and server.hangup.first_bytes[0][:1] == b"\x16"


def test_in_thread_with_tls() -> None:
    with MockServer.in_thread(tls=True) as server:
        got = asyncio.run(_echo_once(f"{server.wss_url}/echo", _trusting(server.ca_file)))
        assert got[0] == "hé"


def test_cli_serves_a_user_certificate_and_refuses_a_bad_pair(tmp_path: Path) -> None:
    ca = trustme.CA()
    cert, key, ca_file = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    leaf = ca.issue_cert("127.0.0.1")
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(ca_file))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockserver",
            "--port",
            "0",
            "--tls",
            "--cert",
            str(cert),
            "--key",
            str(key),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2)]
        wss = lines[1].split()[-1]
        assert wss.startswith("wss://127.0.0.1:")
        got = asyncio.run(_echo_once(wss, _trusting(ca_file)))
        assert got[0] == "hé"
    finally:
        proc.terminate()
        proc.wait(10)
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "mockserver",
            "--port",
            "0",
            "--tls",
            "--cert",
            str(key),
            "--key",
            str(cert),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "cannot load them" in bad.stderr
    lonely = subprocess.run(
        [sys.executable, "-m", "mockserver", "--cert", str(cert)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert lonely.returncode == 2 and "--cert and --key go together" in lonely.stderr


# -- the caPath and clientCert listeners, with a client that is not ours (aiohttp's) ------------


async def test_the_private_ca_listener_is_reached_only_trusting_the_private_ca() -> None:
    async with run_mockserver(tls=True, tls_failures=True) as server:
        assert server.private_wss_url is not None and server.private_ca_file is not None
        url = f"{server.private_wss_url}/echo?tag=private"
        assert await _echo_once(url, _trusting(server.private_ca_file)) == ["hé", "b'\\x00\\x01'"]
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await _echo_once(f"{server.private_wss_url}/echo", _trusting(server.ca_file))


def _with_client_cert(server: MockServer, kind: str) -> ssl.SSLContext:
    context = _trusting(server.ca_file)
    files = server.client_certs[kind]
    context.load_cert_chain(str(files.cert_path), str(files.key_path), files.key_password)
    return context


@pytest.mark.parametrize("kind", ["valid", "encrypted"])
async def test_the_mtls_listener_takes_a_client_certificate_of_its_ca(kind: str) -> None:
    async with run_mockserver(tls=True, tls_failures=True) as server:
        assert server.mtls_url is not None
        if kind == "encrypted":  # the key is really encrypted: without the password it fails
            files = server.client_certs["encrypted"]
            assert files.key_password and b"ENCRYPTED" in files.key_path.read_bytes()
            with pytest.raises(ssl.SSLError):
                _trusting(server.ca_file).load_cert_chain(
                    str(files.cert_path), str(files.key_path), "wrong password"
                )
        url = f"{server.mtls_url}/echo?tag=mtls"
        assert await _echo_once(url, _with_client_cert(server, kind)) == ["hé", "b'\\x00\\x01'"]
        log = await server.wirelog.wait_done("mtls", 5)
        assert log is not None and log["handshake"]["client_certificate"] == "conformance client"


@pytest.mark.parametrize("kind", ["missing", "unknown-ca", "expired"])
async def test_the_mtls_listener_refuses_a_missing_or_bad_client_certificate(kind: str) -> None:
    async with run_mockserver(tls=True, tls_failures=True) as server:
        assert server.mtls_url is not None
        context = (
            _trusting(server.ca_file) if kind == "missing" else _with_client_cert(server, kind)
        )
        with pytest.raises(aiohttp.ClientError):
            await _echo_once(f"{server.mtls_url}/echo?tag=refused", context)
        assert server.wirelog.find(tag="refused") == []  # no request got through


async def test_plain_tls_logs_no_client_certificate() -> None:
    async with run_mockserver(tls=True) as server:
        await _echo_once(f"{server.wss_url}/echo?tag=none", _trusting(server.ca_file))
        log = await server.wirelog.wait_done("none", 5)
        assert log is not None and log["handshake"]["client_certificate"] is None
