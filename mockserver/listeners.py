"""Every listener beside the plain one, and the layout that puts each on a fixed port.

``PORT_LAYOUT`` is the order of the listeners from a base port (docs/mockserver.md, "Fixed
ports"): a device behind ``hdc rport`` or on a LAN can only reach ports known before the run.
With a base of 0 every listener takes a free port. A listener that cannot bind is a
``TlsError`` naming it and its port (one line for the user).
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from ._aiohttp_compat import bound_port
from .proxy import HttpProxy
from .tls import FAILURE_KINDS, ClientCertFiles, TestAuthority, TlsError, UserCertificate

# The listeners from ``port_base`` on, in order (docs/mockserver.md, "Fixed ports").
PORT_LAYOUT = (
    "plain",
    "tls",
    *FAILURE_KINDS,  # "unknown-ca", "wrong-name", "expired"
    "hangup",
    "private-ca",  # a certificate only ``private_ca_file`` trusts (the API's caPath)
    "mtls",  # requires a client certificate (the API's clientCert)
    "proxy",  # the tunnelling HTTP proxy
    "proxy-403",  # a proxy that refuses with 403
    "proxy-407",  # a proxy that asks for credentials (407)
)
REFUSALS = (403, 407)


def layout_port(base: int, name: str) -> int:
    """The port of listener ``name`` from ``base``; 0 (a free one) when ``base`` is 0."""
    return base + PORT_LAYOUT.index(name) if base else 0


def url_host(host: str) -> str:
    """A host as a URL names it (an IPv6 address in brackets)."""
    return f"[{host}]" if ":" in host else host


async def start_site(
    runner: web.AppRunner,
    host: str,
    port: int,
    what: str,
    context: ssl.SSLContext,
    advice: str = "pick another --port-base",
) -> int:
    """Serve ``runner``'s application over TLS on ``host``:``port``; returns the bound port.
    TlsError (naming the listener, its port and ``advice``) when it cannot listen there."""
    site = web.TCPSite(runner, host, port, ssl_context=context)
    try:
        await site.start()
    except OSError as exc:
        raise TlsError(
            f"cannot listen for {what} on {host}:{port} ({exc.strerror or exc}): {advice}"
        ) from None
    return bound_port(site)


@dataclass
class TlsListeners:
    """The URLs of the TLS listeners (the base ones when started by ``serve_tls``)."""

    port: int = 0
    wss_url: str = ""
    ca_file: Path | None = None  # the test CA to trust (None with the user's own cert)
    failure_urls: dict[str, str] = field(default_factory=dict)  # kind -> wss:// base URL
    hangup: TlsHangup | None = None
    private_ca_file: Path | None = None
    private_wss_url: str | None = None
    mtls_url: str | None = None
    client_certs: dict[str, ClientCertFiles] = field(default_factory=dict)


async def serve_tls(
    runner: web.AppRunner,
    host: str,
    advertised: str,
    authority: TestAuthority | UserCertificate,
    tls_port: int,
    failures: bool,
    port_base: int = 0,
) -> TlsListeners:
    """The TLS listener on ``tls_port`` (``port_base``'s when set); with ``failures`` (test
    CA only) one per failure kind, the hang-up, the private-CA and the mutual-TLS ones."""
    named = url_host(advertised)
    port = layout_port(port_base, "tls") or tls_port
    got = TlsListeners()
    advice = (
        "pick another --port-base" if port_base else "pick another --tls-port (0: any free one)"
    )
    got.port = await start_site(
        runner, host, port, "TLS", authority.server_context("valid"), advice
    )
    got.wss_url = f"wss://{named}:{got.port}"
    if isinstance(authority, TestAuthority):
        got.ca_file = authority.ca_file
    if not failures:
        return got
    if not isinstance(authority, TestAuthority):
        raise TlsError("tls_failures needs the built-in test CA, not a user certificate")
    for kind in FAILURE_KINDS:
        context = authority.server_context(kind)
        bound = await start_site(runner, host, layout_port(port_base, kind), kind, context)
        got.failure_urls[kind] = f"wss://{named}:{bound}"
    got.hangup = await TlsHangup.start(host, layout_port(port_base, "hangup"), named)
    private = authority.private_context()
    bound = await start_site(
        runner, host, layout_port(port_base, "private-ca"), "private-ca", private
    )
    got.private_ca_file = authority.private_ca_file
    got.private_wss_url = f"wss://{named}:{bound}"
    mtls = authority.mtls_context()
    at = layout_port(port_base, "mtls")
    bound = await start_site(runner, host, at, "the mutual-TLS listener", mtls)
    got.mtls_url = f"wss://{named}:{bound}"
    got.client_certs = dict(authority.client_certs)
    return got


async def start_proxies(host: str, port_base: int = 0) -> tuple[HttpProxy, dict[int, HttpProxy]]:
    """The tunnelling proxy and the refusing ones (by status), on the layout's ports."""
    started: list[HttpProxy] = []
    try:
        proxy = await _start_proxy(HttpProxy(host), layout_port(port_base, "proxy"), started)
        refusing = {}
        for status in REFUSALS:
            port = layout_port(port_base, f"proxy-{status}")
            refusing[status] = await _start_proxy(HttpProxy(host, refuse=status), port, started)
    except BaseException:
        for one in started:
            await one.close()
        raise
    return proxy, refusing


async def _start_proxy(proxy: HttpProxy, port: int, started: list[HttpProxy]) -> HttpProxy:
    try:
        await proxy.start(port)
    except OSError as exc:
        raise TlsError(
            f"cannot listen for the HTTP proxy on {proxy.host}:{port} "
            f"({exc.strerror or exc}): pick another --port-base"
        ) from None
    started.append(proxy)
    return proxy


class TlsHangup:
    """Accepts TCP, reads what the client sends first (a TLS ClientHello, or not), and ends
    the connection: a server that closes during the TLS handshake. ``first_bytes`` keeps the
    first 5 bytes of each connection (0x16 0x03 ...: a TLS handshake record; anything else
    would be the client talking in the clear)."""

    def __init__(self, server: asyncio.base_events.Server, url: str) -> None:
        self._server = server
        self.url = url
        self.first_bytes: list[bytes] = []

    @classmethod
    async def start(cls, host: str, port: int = 0, named: str | None = None) -> TlsHangup:
        holder: list[TlsHangup] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                data = await asyncio.wait_for(reader.read(5), 5.0)
            except (TimeoutError, OSError):
                data = b""
            if holder and len(holder[0].first_bytes) < 1000:
                holder[0].first_bytes.append(data)
            writer.close()

        try:
            listener = await asyncio.start_server(handle, host, port)
        except OSError as exc:
            raise TlsError(
                f"cannot listen for the TLS hang-up on {host}:{port} ({exc.strerror or exc}): "
                "pick another --port-base"
            ) from None
        bound = listener.sockets[0].getsockname()[1]
        hangup = cls(listener, f"wss://{named or url_host(host)}:{bound}")
        holder.append(hangup)
        return hangup

    async def close(self) -> None:
        self._server.close()
        await self._server.wait_closed()
