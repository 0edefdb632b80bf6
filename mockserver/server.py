"""A running mock server and the ways to run it (on the caller's loop, in a thread).

``run_mockserver`` starts the application (``mockserver.app``) on the plain listener and,
as asked, the TLS listeners and the HTTP proxies (``mockserver.listeners``), each on a free
port or on the fixed layout from ``port_base`` (``PORT_LAYOUT``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from aiohttp import web

from ._aiohttp_compat import bound_port, quiet_logger
from .app import MEMORY_KEY, SCRIPTS_KEY, make_app
from .limits import (
    DEFAULT_MAX_LOGS,
    DEFAULT_MAX_MESSAGE,
    DEFAULT_MEMORY_BUDGET,
    DEFAULT_PAYLOAD_CAP,
    MemoryBudget,
    check_port,
    is_loopback,
)
from .listeners import PORT_LAYOUT, TlsHangup, layout_port, serve_tls, start_proxies, url_host
from .proxy import HttpProxy
from .script import ScriptError, parse_script
from .tls import ClientCertFiles, TestAuthority, UserCertificate
from .wirelog import WireLog

__all__ = ["PORT_LAYOUT", "MockServer", "TlsHangup", "make_app", "run_mockserver"]


class MockServer:
    """A running mock server: its URLs, its scripts and its wire log."""

    def __init__(
        self,
        host: str,
        port: int,
        wirelog: WireLog,
        app: web.Application,
        advertise_host: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.wirelog = wirelog
        self._app = app
        self.memory: MemoryBudget = app[MEMORY_KEY]
        # The host every URL names: the bound one, or the one a remote client reaches it by.
        self.url_host = url_host(advertise_host or host)
        self.base_url = f"http://{self.url_host}:{port}"
        self.ws_url = f"ws://{self.url_host}:{port}"
        # Set when the server also listens with TLS (``tls=`` of run_mockserver):
        self.tls_port: int | None = None
        self.wss_url: str | None = None
        self.ca_file: Path | None = None  # the test CA to trust (None with the user's own cert)
        self.tls_failure_urls: dict[str, str] = {}  # kind -> wss:// base URL (tls_failures)
        self.hangup: TlsHangup | None = None  # a listener that ends TCP in the TLS handshake
        # With tls_failures (test CA only), for the API's caPath and clientCert (API 11): a
        # listener whose certificate only ``private_ca_file`` trusts, and one that requires a
        # client certificate (files in ``client_certs``, by kind).
        self.private_ca_file: Path | None = None
        self.private_wss_url: str | None = None
        self.mtls_url: str | None = None
        self.client_certs: dict[str, ClientCertFiles] = {}
        # With proxies: HTTP proxies for the API's proxy option (API 12), each with its log.
        self.proxy: HttpProxy | None = None
        self.refusing_proxies: dict[int, HttpProxy] = {}  # status (403, 407) -> proxy
        # The thread whose loop serves (``in_thread``; None when it runs on the caller's loop).
        self.thread: threading.Thread | None = None

    def add_script(self, document: Any) -> str:
        """Validate and store a script; returns its path. Raises ScriptError if bad."""
        script = parse_script(document)
        size = len(json.dumps(document, default=repr))
        try:
            script_id = self._app[SCRIPTS_KEY].add(script, size)
        except MemoryError:
            raise ScriptError(None, self.memory.refusal()) from None
        return f"/_scripts/{script_id}"

    def wait_done_sync(self, tag: str, timeout: float = 5.0) -> dict[str, Any] | None:
        """The first entry with ``tag``, in JSON form, once its TCP connection ended."""
        return self.wirelog.wait_done_sync(tag, timeout)

    @staticmethod
    @contextlib.contextmanager
    def in_thread(
        host: str = "127.0.0.1",
        port: int = 0,
        payload_cap: int = DEFAULT_PAYLOAD_CAP,
        max_logs: int = DEFAULT_MAX_LOGS,
        tls: TestAuthority | UserCertificate | bool = False,
        tls_failures: bool = False,
        max_message: int = DEFAULT_MAX_MESSAGE,
        memory_budget: int = DEFAULT_MEMORY_BUDGET,
        port_base: int = 0,
        advertise_host: str | None = None,
        proxies: bool = False,
    ) -> Iterator[MockServer]:
        """The server on a loop in a thread of its own: a caller whose loop blocks (a hanging
        implementation under test) cannot stop it."""
        loop = asyncio.new_event_loop()
        started: dict[str, Any] = {}
        ready = threading.Event()
        stop = asyncio.Event()

        async def serve() -> None:
            try:
                async with run_mockserver(
                    host,
                    port,
                    payload_cap,
                    max_logs,
                    tls=tls,
                    tls_failures=tls_failures,
                    max_message=max_message,
                    memory_budget=memory_budget,
                    port_base=port_base,
                    advertise_host=advertise_host,
                    proxies=proxies,
                ) as server:
                    started["server"] = server
                    ready.set()
                    await stop.wait()
            except BaseException as exc:
                started["error"] = exc
                ready.set()

        thread = threading.Thread(
            target=loop.run_until_complete, args=(serve(),), name="mockserver", daemon=True
        )
        thread.start()
        if not ready.wait(10.0) or "error" in started:
            raise RuntimeError(f"mock server did not start: {started.get('error')!r}")
        started["server"].thread = thread
        try:
            yield started["server"]
        finally:
            loop.call_soon_threadsafe(stop.set)
            thread.join(10.0)
            if not thread.is_alive():
                loop.close()


@contextlib.asynccontextmanager
async def run_mockserver(
    host: str = "127.0.0.1",
    port: int = 0,
    payload_cap: int = DEFAULT_PAYLOAD_CAP,
    max_logs: int = DEFAULT_MAX_LOGS,
    tls: TestAuthority | UserCertificate | bool = False,
    tls_port: int = 0,
    tls_failures: bool = False,
    max_message: int = DEFAULT_MAX_MESSAGE,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
    port_base: int = 0,
    advertise_host: str | None = None,
    proxies: bool = False,
) -> AsyncIterator[MockServer]:
    """Start the server on the running loop; 127.0.0.1 and an ephemeral port by default.

    ``port_base`` (not 0): every listener on a fixed port, ``PORT_LAYOUT`` from it (plain,
    TLS, the TLS failure kinds, the hang-up, the private-CA and mutual-TLS listeners, the
    proxies), instead of ``port``/``tls_port``/free ones.
    ``advertise_host``: the host the URLs name (a device reaches the server by it) and the
    test certificates carry; the bound ``host`` when None.

    ``tls``: also serve the same app over TLS on ``tls_port`` (0: a free one), with a test CA
    made now (``True``), or the given authority or user certificate. ``tls_failures`` (test
    CA only) adds a listener per failure kind of ``mockserver.tls`` and one that ends TCP in
    the middle of the TLS handshake (``server.hangup``). A value out of its bounds
    (``mockserver.limits``) is a ValueError naming it. ``memory_budget``: bytes the server
    may hold or queue for all its clients together (``MemoryBudget``). A request aiohttp
    cannot parse is answered 400 with one quiet line on the ``mockserver.access`` logger, no
    traceback (``mockserver._aiohttp_compat``). ``proxies`` starts HTTP proxies on ports of
    their own (``server.proxy``, which tunnels to loopback targets, and
    ``server.refusing_proxies``: 403 and 407; ``mockserver.proxy``).
    """
    check_port(port)
    check_port(tls_port)
    if port_base:
        check_port(port_base)
        check_port(port_base + len(PORT_LAYOUT) - 1)
        port = layout_port(port_base, "plain")
    memory = MemoryBudget(memory_budget)
    wirelog = WireLog(max_logs=max_logs, payload_cap=payload_cap, budget=memory.log)
    app = make_app(wirelog, max_message, loopback_only=is_loopback(host), memory=memory)
    runner = web.AppRunner(
        app, handle_signals=False, access_log=None, shutdown_timeout=1.0, logger=quiet_logger
    )
    await runner.setup()
    server: MockServer | None = None
    extra = (advertise_host,) if advertise_host else ()
    authority = TestAuthority(extra) if tls is True else tls or None
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        server = MockServer(host, bound_port(site), wirelog, app, advertise_host)
        if authority is not None:
            listeners = await serve_tls(
                runner, host, advertise_host or host, authority, tls_port, tls_failures, port_base
            )
            server.tls_port, server.wss_url = listeners.port, listeners.wss_url
            server.ca_file = listeners.ca_file
            server.tls_failure_urls = listeners.failure_urls
            server.hangup = listeners.hangup
            server.private_ca_file = listeners.private_ca_file
            server.private_wss_url = listeners.private_wss_url
            server.mtls_url = listeners.mtls_url
            server.client_certs = listeners.client_certs
        if proxies:
            server.proxy, server.refusing_proxies = await start_proxies(host, port_base)
        yield server
    finally:
        if server is not None:
            for proxy in [server.proxy, *server.refusing_proxies.values()]:
                if proxy is not None:
                    await proxy.close()
            if server.hangup is not None:
                await server.hangup.close()
        await runner.cleanup()
        if authority is not None and tls is True:
            authority.close()
