"""The aiohttp application, its routes, and the ways to run it (in a loop, in a thread).

Every WebSocket route is a script (see ``routes``): ``/echo`` is ``[echo]``, ``/drop`` is
``[drop]`` and so on, so one runner and one log serve them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from aiohttp import web

from ._aiohttp_compat import QUIET_ERRORS, quiet_logger
from .connlog import EndedBy
from .frames import header_text as _text
from .guard import control_guard, handshake_refusal
from .limits import (
    DEFAULT_MAX_LOGS,
    DEFAULT_MAX_MESSAGE,
    DEFAULT_MEMORY_BUDGET,
    DEFAULT_PAYLOAD_CAP,
    MAX_MAX_MESSAGE,
    MAX_SCRIPT_BODY,
    MAX_TAG,
    MemoryBudget,
    ScriptStore,
    check_option,
    check_port,
    is_loopback,
)
from .proxy import HttpProxy
from .records import Handshake
from .script import Script, ScriptError, load_script_text, parse_script
from .session import ScriptRun, TappedWebSocketResponse
from .tls import FAILURE_KINDS, ClientCertFiles, TestAuthority, TlsError, UserCertificate
from .wirelog import WireLog

NEVER_ANSWER_LIMIT = 60.0

WIRELOG_KEY = web.AppKey("wirelog", WireLog)
SCRIPTS_KEY = web.AppKey("scripts", ScriptStore)
MAX_MESSAGE_KEY = web.AppKey("max_message", int)
MEMORY_KEY = web.AppKey("memory", MemoryBudget)


def _bad_request(why: str, step: int | None = None) -> web.Response:
    return web.json_response({"error": why, "step": step}, status=400)


def _route_script(request: web.Request) -> Script:
    """The script a built-in route stands for (raises ScriptError on bad query values)."""
    name = request.match_info.route.name or ""
    query = request.query
    if name == "echo":
        return Script(steps=[{"op": "echo"}])
    if name == "headers":
        return Script(steps=[{"op": "send_headers"}, {"op": "echo"}])
    if name == "drop":
        return Script(steps=[{"op": "drop"}])
    if name == "close":
        step: dict[str, Any] = {"op": "close"}
        if "code" not in query:
            step["empty"] = True
        else:
            try:
                step["code"] = int(query["code"])
            except ValueError as exc:
                raise ScriptError(None, f"code {query['code']!r} is not an integer") from exc
            if "reason" in query:
                step["reason"] = query["reason"]
        return parse_script({"steps": [step]})
    if name == "status":
        try:
            status = int(request.match_info["status"])
        except ValueError as exc:
            raise ScriptError(None, "status must be an integer") from exc
        return parse_script({"handshake": {"status": status}})
    if name == "stored":
        script = request.app[SCRIPTS_KEY].get(request.match_info["script_id"])
        if script is None:
            raise ScriptError(None, "no such script")
        return script
    if name == "oneoff":
        return load_script_text(query.get("script", ""))
    raise ScriptError(None, f"no script for route {name!r}")


async def websocket_route(request: web.Request) -> web.StreamResponse:
    """Every WebSocket route: build its script, run the handshake as told, then the steps."""
    tag = request.query.get("tag")
    if tag is not None and len(tag) > MAX_TAG:
        return _bad_request(f"tag is {len(tag)} characters: at most {MAX_TAG}")
    try:
        script = _route_script(request)
    except ScriptError as exc:
        return _bad_request(exc.why, exc.step)
    memory = request.app[MEMORY_KEY]
    if memory.spent():
        return web.json_response({"error": memory.refusal(), "step": None}, status=503)
    wirelog = request.app[WIRELOG_KEY]
    log = wirelog.open(request.query.get("tag"), request.path)
    if request.match_info.route.name == "stored":
        log.script_id = request.match_info["script_id"]
    log.handshake_request(
        Handshake(
            method=request.method,
            path=request.path_qs,
            version=f"HTTP/{request.version.major}.{request.version.minor}",
            headers=tuple((_text(k), _text(v)) for k, v in request.raw_headers),
            client_certificate=_client_certificate(request),
        )
    )
    handshake = script.handshake
    ended_by: EndedBy = "server"
    upgraded = False
    ws: TappedWebSocketResponse | None = None
    try:
        if handshake.get("delay_ms"):
            await _wait_for_client_to_go(request, handshake["delay_ms"] / 1000)
            if _transport_gone(request):  # the client left while the answer was delayed
                ended_by = "client"
                raise _Abort
        if handshake.get("never_answer"):
            await _wait_for_client_to_go(request, NEVER_ANSWER_LIMIT)
            ended_by = "client" if _transport_gone(request) else "server"
            raise _Abort
        if "status" in handshake:
            refused = web.Response(
                status=handshake["status"],
                reason=handshake.get("reason"),
                text="refused by script\n",
            )
            log.handshake_answer(refused.status, refused.reason)
            return refused
        refusal = handshake_refusal(request)
        if refusal is not None:  # not a handshake this server can accept (RFC 6455 §4.2.2)
            log.handshake_answer(refusal.status, refusal.reason)
            log.note("handshake_refused", refusal.text or "")
            return refusal
        protocols = (handshake["subprotocol"],) if "subprotocol" in handshake else ()
        ws = TappedWebSocketResponse(
            log,
            accept=handshake.get("accept"),
            reason=handshake.get("reason"),
            protocols=protocols,
            max_msg_size=request.app[MAX_MESSAGE_KEY],
            budget=memory.incoming,
        )
        for name, value in handshake.get("headers", {}).items():
            for one in value if isinstance(value, list) else [value]:  # a list: repeated lines
                ws.headers.add(name, one)
        if "subprotocol" in handshake:
            ws.headers["Sec-WebSocket-Protocol"] = handshake["subprotocol"]
        upgraded = True
        await ws.prepare(request)
        response_headers = tuple((k, v) for k, v in ws.headers.items())
        log.handshake_answer(101, ws.reason, response_headers)
        run = ScriptRun(ws, request, script, memory.writes)
        try:
            await run.run()
        finally:
            if run.stalled and request.transport is not None:
                request.transport.abort()  # what it would not read goes, not kept to flush
            run.release_writes()
        ended_by = "client" if run.client_gone else "server"
        return ws
    except _Abort:
        return web.Response(status=408)
    except (ConnectionError, asyncio.CancelledError):
        ended_by = "client"
        raise
    finally:
        if upgraded and request.transport is not None and not request.transport.is_closing():
            request.transport.close()
        if ws is not None:
            ws.release_all()  # nothing more is read: what it held goes back to the budget
        log.finish(ended_by)


class _Abort(Exception):
    """The script chose not to answer the handshake."""


def _client_certificate(request: web.Request) -> str | None:
    """The common name of the certificate the client presented over TLS (mutual TLS), else
    None."""
    transport = request.transport
    peer = transport.get_extra_info("peercert") if transport is not None else None
    for rdn in (peer or {}).get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


def _transport_gone(request: web.Request) -> bool:
    return request.transport is None or request.transport.is_closing()


async def _wait_for_client_to_go(request: web.Request, limit: float) -> None:
    deadline = time.monotonic() + limit
    while not _transport_gone(request) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)


async def post_script(request: web.Request) -> web.Response:
    try:
        body = await request.read()  # at most MAX_SCRIPT_BODY bytes: aiohttp answers 413 past
    except QUIET_ERRORS as exc:  # the body was cut short, or its encoding is broken
        quiet_logger.bad_request(request.remote, f"POST /_scripts body: {exc!r}")
        return _bad_request(f"the script's body did not arrive whole ({type(exc).__name__})")
    try:
        script = load_script_text(body)
    except ScriptError as exc:
        return _bad_request(exc.why, exc.step)
    try:
        script_id = request.app[SCRIPTS_KEY].add(script, len(body))
    except MemoryError:
        return web.json_response(
            {"error": request.app[MEMORY_KEY].refusal(), "step": None}, status=503
        )
    return web.json_response({"id": script_id, "path": f"/_scripts/{script_id}"})


async def get_logs(request: web.Request) -> web.StreamResponse:
    pieces = request.app[WIRELOG_KEY].summary_json(request.query.get("tag"))
    return await _stream_json(request, pieces)


async def get_log(request: web.Request) -> web.StreamResponse:
    pieces = request.app[WIRELOG_KEY].entry_json(request.match_info["conn_id"])
    return await _stream_json(request, pieces)


async def _stream_json(request: web.Request, pieces: AsyncIterator[str]) -> web.StreamResponse:
    """A log document streamed as it is built (a slice at a time, on the loop: other
    connections are served in between, and no whole copy of a large entry is ever made)."""
    first = await anext(pieces, None)
    if first is None:
        return web.json_response({"error": "no such connection log"}, status=404)
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    await response.prepare(request)
    await response.write(first.encode("utf-8"))
    async for piece in pieces:
        await response.write(piece.encode("utf-8"))
    await response.write_eof()
    return response


def make_app(
    wirelog: WireLog,
    max_message: int = DEFAULT_MAX_MESSAGE,
    loopback_only: bool = True,
    memory: MemoryBudget | None = None,
) -> web.Application:
    """The application. ``memory``: the server-wide budget (``wirelog`` should draw its
    captured payloads from ``memory.log``); a default one when None."""
    check_option("max_message", max_message, 1, MAX_MAX_MESSAGE, "bytes of one incoming message")
    memory = memory if memory is not None else MemoryBudget()
    app = web.Application(
        middlewares=[control_guard(loopback_only)],  # type: ignore[list-item]
        client_max_size=MAX_SCRIPT_BODY,
    )
    app[WIRELOG_KEY] = wirelog
    app[SCRIPTS_KEY] = ScriptStore(budget=memory.scripts)
    app[MAX_MESSAGE_KEY] = max_message
    app[MEMORY_KEY] = memory
    app.router.add_get("/echo", websocket_route, name="echo")
    app.router.add_get("/close", websocket_route, name="close")
    app.router.add_get("/headers", websocket_route, name="headers")
    app.router.add_get("/drop", websocket_route, name="drop")
    app.router.add_get("/status/{status}", websocket_route, name="status")
    app.router.add_get("/script", websocket_route, name="oneoff")
    app.router.add_get("/_scripts/{script_id}", websocket_route, name="stored")
    app.router.add_post("/_scripts", post_script)
    app.router.add_get("/_log", get_logs)
    app.router.add_get("/_log/{conn_id}", get_log)
    return app


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
        self.url_host = _url_host(advertise_host or host)
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
    TLS, the TLS failure kinds, the hang-up), instead of ``port``/``tls_port``/free ones.
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
        port, tls_port = port_base, port_base + 1
    memory = MemoryBudget(memory_budget)
    wirelog = WireLog(max_logs=max_logs, payload_cap=payload_cap, budget=memory.log)
    app = make_app(wirelog, max_message, loopback_only=is_loopback(host), memory=memory)
    runner = web.AppRunner(
        app, handle_signals=False, access_log=None, shutdown_timeout=1.0, logger=quiet_logger
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server = MockServer(host, _bound_port(site, port), wirelog, app, advertise_host)
    extra = (advertise_host,) if advertise_host else ()
    authority = TestAuthority(extra) if tls is True else tls or None
    try:
        if authority is not None:
            await _serve_tls(server, runner, authority, tls_port, tls_failures, port_base)
        if proxies:
            server.proxy = await HttpProxy(host).start()
            for status in (403, 407):
                server.refusing_proxies[status] = await HttpProxy(host, refuse=status).start()
        yield server
    finally:
        for proxy in [server.proxy, *server.refusing_proxies.values()]:
            if proxy is not None:
                await proxy.close()
        if server.hangup is not None:
            await server.hangup.close()
        await runner.cleanup()
        if authority is not None and tls is True:
            authority.close()


def _bound_port(site: web.TCPSite, asked: int) -> int:
    """The port a site listens on (aiohttp has no public accessor; the private ``_server``
    is read here only, and ``asked`` is the answer if it moved)."""
    sockets = getattr(getattr(site, "_server", None), "sockets", None) or []
    return int(sockets[0].getsockname()[1]) if sockets else asked


async def _serve_tls(
    server: MockServer,
    runner: web.AppRunner,
    authority: TestAuthority | UserCertificate,
    tls_port: int,
    failures: bool,
    port_base: int = 0,
) -> None:
    host, url_host = server.host, server.url_host
    site = web.TCPSite(runner, host, tls_port, ssl_context=authority.server_context("valid"))
    try:
        await site.start()
    except OSError as exc:
        raise TlsError(
            f"cannot listen for TLS on {host}:{tls_port} ({exc.strerror or exc}): pick another "
            "--tls-port (0: any free one)"
        ) from None
    server.tls_port = _bound_port(site, tls_port)
    server.wss_url = f"wss://{url_host}:{server.tls_port}"
    if isinstance(authority, TestAuthority):
        server.ca_file = authority.ca_file
    if not failures:
        return
    if not isinstance(authority, TestAuthority):
        raise TlsError("tls_failures needs the built-in test CA, not a user certificate")
    for kind in FAILURE_KINDS:
        asked = port_base + PORT_LAYOUT.index(kind) if port_base else 0
        failing = web.TCPSite(runner, host, asked, ssl_context=authority.server_context(kind))
        await failing.start()
        server.tls_failure_urls[kind] = f"wss://{url_host}:{_bound_port(failing, asked)}"
    hangup_port = port_base + PORT_LAYOUT.index("hangup") if port_base else 0
    server.hangup = await TlsHangup.start(host, hangup_port, url_host)

    private = web.TCPSite(runner, host, 0, ssl_context=authority.private_context())
    await private.start()
    server.private_ca_file = authority.private_ca_file
    server.private_wss_url = f"wss://{url_host}:{_bound_port(private, 0)}"
    mtls = web.TCPSite(runner, host, 0, ssl_context=authority.mtls_context())
    await mtls.start()
    server.mtls_url = f"wss://{url_host}:{_bound_port(mtls, 0)}"
    server.client_certs = dict(authority.client_certs)


# The listeners from ``port_base`` on, in order (docs/mockserver.md, "Fixed ports").
PORT_LAYOUT = ("plain", "tls", *FAILURE_KINDS, "hangup")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


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
    async def start(cls, host: str, port: int = 0, url_host: str | None = None) -> TlsHangup:
        holder: list[TlsHangup] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                data = await asyncio.wait_for(reader.read(5), 5.0)
            except (TimeoutError, OSError):
                data = b""
            if holder and len(holder[0].first_bytes) < 1000:
                holder[0].first_bytes.append(data)
            writer.close()

        listener = await asyncio.start_server(handle, host, port)
        bound = listener.sockets[0].getsockname()[1]
        hangup = cls(listener, f"wss://{url_host or _url_host(host)}:{bound}")
        holder.append(hangup)
        return hangup

    async def close(self) -> None:
        self._server.close()
        await self._server.wait_closed()
