"""One connection's life on aiohttp: handshake, reading, sending, the closing handshake.

States (wsproto-style, one small machine): CONNECTING → OPEN → CLOSING → CLOSED. Every event
the API emits comes from here, in contract order: 'open' before any 'message' (OR1), 'error'
before 'close' when a failure ends the connection (OR4), 'close' exactly once and last (OR2).

aiohttp does the handshake, masking and framing. We run the client with ``autoclose=False``
and do the closing handshake ourselves (a close frame through ``send_frame``), because
aiohttp's own ``close()`` drops the reason of the peer's close frame and, for a peer that
never answers, would make us wait its own timeout rather than the API's.
"""

from __future__ import annotations

import asyncio
import enum
import ssl
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

import aiohttp
from aiohttp import WSMsgType
from yarl import URL

from . import _aiohttp_compat, inbound, proxy, tls
from .errors import OTHER_ERROR, BusinessError
from .events import logger
from .options import ConnectOptions, close_code_allowed, subprotocol_error

DEFAULT_CLOSE_TIMEOUT = 5.0
DEFAULT_HANDSHAKE_TIMEOUT = 10.0
ABNORMAL_CLOSURE = 1006
NO_STATUS_RECEIVED = 1005
PROTOCOL_ERROR = 1002


class State(enum.Enum):
    CONNECTING = "connecting"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"


@dataclass(frozen=True)
class OpenValue:
    """The 'open' event value: the handshake's status code and reason phrase."""

    status: int
    message: str


@dataclass(frozen=True)
class CloseValue:
    """The 'close' event value."""

    code: int
    reason: str


Emit = Callable[..., None]


def _close_payload(code: int, reason: str) -> bytes:
    return struct.pack("!H", code) + reason.encode("utf-8")


_release_transport = _aiohttp_compat.release_transport  # no public call for it in aiohttp


EAGER_TASKS = sys.version_info >= (3, 12)  # runtime starts calls as eager tasks there


class Connection:
    """A single WebSocket connection; created per ``connect``, never reused."""

    def __init__(self, emit: Emit, close_timeout: float, handshake_timeout: float) -> None:
        self._emit = emit
        self.close_timeout = close_timeout
        self.handshake_timeout = handshake_timeout
        self.state = State.CONNECTING
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._send_lock = asyncio.Lock()
        self._closed = asyncio.Event()
        self._close_deadline: asyncio.TimerHandle | None = None
        self._guard = inbound.InboundGuard()
        self._ping_interval = 0  # keep-alive (API 21), set from the options at open
        self._pong_timeout = 0
        self._pong_missed = False  # the keep-alive gave up on the server
        self._parser_hook = inbound.parser_hook(self._guard)

    # -- handshake -------------------------------------------------------------------------

    async def open(self, url: str, options: ConnectOptions) -> None:
        """The opening handshake; raises BusinessError after emitting 'error' (CN7, CN8).

        A session per connection: cookies and default headers never leak from one connect to
        the next (CN6), and the session belongs to the loop that owns this connection.
        """
        try:
            _aiohttp_compat.check()
        except _aiohttp_compat.AiohttpIncompatible as exc:
            self._incompatible(exc)
        try:
            async with asyncio.timeout(self.handshake_timeout):
                self._session = await self._new_session(url, options)
                self._ws = await self._session.ws_connect(
                    url,
                    headers=options.headers,
                    ssl=_ssl_for(url, options),
                    autoclose=False,
                    autoping=True,
                    max_msg_size=0,
                    # Only used on aiohttp's own failure path (it answers a protocol error
                    # with a close frame): do not linger there, the connection is failed.
                    timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=0.5),
                )
        except asyncio.CancelledError:
            if self._session is not None:  # its connector holds the proxy tunnel, if any
                await asyncio.shield(self._session.close())
            raise
        except Exception as exc:
            if self._session is not None:
                await self._session.close()
            self.state = State.CLOSED
            error = BusinessError(OTHER_ERROR, _describe_handshake_error(exc))
            self._emit("error", error)
            raise error from exc
        try:  # PR4/PR6 hold only if the guard is in front of the parser: never go on without
            self._parser_hook.verify()
            response = _aiohttp_compat.response(self._ws)
            reason = response.reason or "Switching Protocols"
        except _aiohttp_compat.AiohttpIncompatible as exc:
            await self._session.close()
            self._incompatible(exc)
        # aiohttp takes any Sec-WebSocket-Protocol answer (it only reads it when it offered
        # some itself); RFC 6455 §4.1 wants one the client offered, or none.
        chosen = response.headers.getall("Sec-WebSocket-Protocol", [])
        answer = [p.strip() for v in chosen for p in v.split(",")]
        refused = subprotocol_error(options.offered, answer)
        if refused is not None:
            _release_transport(self._ws)
            await self._session.close()
            self.state = State.CLOSED
            error = BusinessError(OTHER_ERROR, refused)
            self._emit("error", error)
            raise error
        self._ping_interval, self._pong_timeout = options.ping_interval, options.pong_timeout
        self.state = State.OPEN
        self._emit("headerReceive", response_headers(response))
        self._emit("open", None, OpenValue(101, str(reason)))

    async def _new_session(self, url: str, options: ConnectOptions) -> aiohttp.ClientSession:
        """The connection's session; through a proxy (API 12), over the CONNECT tunnel impl
        opened itself, so ws:// and wss:// alike ask the proxy with CONNECT (RFC 6455 §4.1)."""
        connector: aiohttp.BaseConnector | None = None
        via = proxy.route(url, options.proxy)
        if via is not None:
            target = URL(url)
            port = target.port or (443 if target.scheme == "wss" else 80)
            sock = await proxy.open_tunnel(via, target.raw_host or "", port)
            connector = _aiohttp_compat.TunnelConnector(sock)
        return aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.handshake_timeout),
            trace_configs=[self._parser_hook.trace_config],
        )

    def _incompatible(self, exc: _aiohttp_compat.AiohttpIncompatible) -> NoReturn:
        """This aiohttp lacks a hook: fail the connect loudly (log, 'error', the promise)."""
        self.state = State.CLOSED
        logger.error("%s", exc)
        self._emit("error", exc)
        raise exc

    # -- reading ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Read until the connection ends; then 'close' once."""
        assert self._ws is not None
        ws = self._ws
        close = CloseValue(ABNORMAL_CLOSURE, "")
        error: BusinessError | None = None
        abandoned = False
        keepalive = (
            asyncio.get_running_loop().create_task(self._keepalive(ws))
            if self._ping_interval > 0
            else None
        )
        try:
            while True:
                msg = await ws.receive()
                if self._guard.masked_seen:
                    await self._send_close_frame(ws, _close_payload(PROTOCOL_ERROR, ""))
                    error = BusinessError(OTHER_ERROR, "the server sent a masked frame")
                    close = CloseValue(PROTOCOL_ERROR, "")
                    break
                if msg.type is WSMsgType.TEXT or msg.type is WSMsgType.BINARY:
                    if self.state is State.OPEN:
                        self._emit("message", None, msg.data)
                        self._emit("dataEnd")  # API 11: the message is complete
                        if not EAGER_TASKS:
                            # A send made by a 'message' callback is a task that starts on the
                            # next turn (3.11 has no eager tasks); give it that turn before the
                            # next frame is read, so a reply goes out before a protocol error
                            # that arrived behind the message fails the connection (Autobahn
                            # 4.1.3, 5.15: the echo first). 3.12+ sends inside the callback.
                            await asyncio.sleep(0)
                    continue
                if msg.type is WSMsgType.CLOSE:
                    close, error = await self._on_peer_close(ws, msg.data, msg.extra or "")
                    break
                if msg.type is WSMsgType.ERROR:
                    # aiohttp already answered a protocol error (1002) or bad UTF-8 (1007);
                    # the guard makes it answer a bad text message as soon as the bad byte is in.
                    code = getattr(msg.data, "code", ABNORMAL_CLOSURE)
                    what = msg.data
                    if self._guard.bad_close_reason:
                        what = "close reason is not UTF-8"
                    elif self._guard.bad_text:
                        what = "text message is not UTF-8"
                    error = BusinessError(OTHER_ERROR, f"protocol error from server: {what}")
                    close = CloseValue(int(code), str(what))
                    break
                if msg.type in (WSMsgType.CLOSED, WSMsgType.CLOSING):
                    if self._pong_missed:
                        error = BusinessError(
                            OTHER_ERROR,
                            f"no answer to a ping within pongTimeout ({self._pong_timeout} s)",
                        )
                    elif self.state is not State.CLOSING:
                        error = BusinessError(OTHER_ERROR, "connection lost without a close frame")
                    break
        except asyncio.CancelledError:
            raise
        except GeneratorExit:
            # The loop running this connection was closed while it still read, and the garbage
            # collector is discarding the coroutine: no await can run any more (one would make
            # it "ignore GeneratorExit"), and nobody is left to hear 'close'.
            abandoned = True
            self._drop()
            raise
        except Exception as exc:  # a transport error aiohttp did not turn into a message
            error = BusinessError(OTHER_ERROR, f"connection failed: {exc!r}")
        finally:
            if keepalive is not None:
                keepalive.cancel()
            if not abandoned:
                await self._finish(close, error)

    async def _keepalive(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """API 21 ``pingInterval``/``pongTimeout``, as the shipped implementation reads them: a
        ping after ``pingInterval`` s without anything from the server; when nothing at all
        comes back within ``pongTimeout`` s, the connection is dropped ('error', 'close')."""
        guard = self._guard
        while self.state is State.OPEN:
            idle = time.monotonic() - guard.last_received
            if idle < self._ping_interval:
                await asyncio.sleep(self._ping_interval - idle)
                continue
            sent = time.monotonic()
            try:
                await ws.ping(b"")
            except Exception:
                return  # the connection is ending: run() reports it
            await asyncio.sleep(self._pong_timeout)
            if guard.last_received < sent and self.state is State.OPEN:
                self._pong_missed = True
                _aiohttp_compat.abort_transport(ws)
                return

    async def _on_peer_close(
        self, ws: aiohttp.ClientWebSocketResponse, code: int, reason: str
    ) -> tuple[CloseValue, BusinessError | None]:
        """The peer's close frame: the reply to ours, or its own close to be echoed (PR6)."""
        if code and not close_code_allowed(code):
            # aiohttp accepts 1006 and any code from 5000 up in a close frame (it only checks
            # codes below 3000 against its enum, which lists 1006); RFC 6455 §7.4 forbids them,
            # and Autobahn 7.9.x expects the connection failed with 1002.
            await self._send_close_frame(ws, _close_payload(PROTOCOL_ERROR, ""))
            error = BusinessError(OTHER_ERROR, f"server sent forbidden close code {code}")
            return CloseValue(PROTOCOL_ERROR, ""), error
        if self.state is not State.CLOSING:
            self.state = State.CLOSING
            reply = _close_payload(code, "") if code else b""
            await self._send_close_frame(ws, reply)
        return CloseValue(code or NO_STATUS_RECEIVED, reason), None

    # -- sending ---------------------------------------------------------------------------

    async def send(self, data: str | bytes | bytearray | memoryview) -> None:
        """One message; sends are serialised so they reach the wire in call order (SD5)."""
        async with self._send_lock:
            if self.state is not State.OPEN or self._ws is None:
                raise BusinessError(OTHER_ERROR, "the connection is not open")
            try:
                if isinstance(data, str):
                    await self._ws.send_str(data)
                else:
                    await self._ws.send_bytes(bytes(data))
            except Exception as exc:
                raise BusinessError(OTHER_ERROR, f"send failed: {exc!r}") from exc

    # -- closing ---------------------------------------------------------------------------

    async def close(self, code: int, reason: str) -> None:
        """Start the closing handshake and wait for 'close' (bounded by the close timeout)."""
        if self.state is not State.OPEN or self._ws is None:
            raise BusinessError(OTHER_ERROR, "the connection is not open")
        self.state = State.CLOSING
        async with self._send_lock:  # after every send already asked for (SD5)
            await self._send_close_frame(self._ws, _close_payload(code, reason))
        loop = asyncio.get_running_loop()
        self._close_deadline = loop.call_later(self.close_timeout, self._close_timed_out)
        await self._closed.wait()

    def _close_timed_out(self) -> None:
        """CL7: the server never answered our close frame; give up on it, report 1006."""
        if self._ws is not None and not self._closed.is_set():
            _aiohttp_compat.abort_transport(self._ws)

    async def _send_close_frame(self, ws: aiohttp.ClientWebSocketResponse, payload: bytes) -> None:
        try:
            await ws.send_frame(payload, WSMsgType.CLOSE)
        except Exception:
            _release_transport(ws)  # the peer is gone; 'close' reports it

    def _drop(self) -> None:
        """Let go without the loop (it is closed): no await, no event; aiohttp's response
        ``close()`` and the session's ``detach()`` both hold when the loop is closed."""
        self.state = State.CLOSED
        if self._ws is not None:
            _release_transport(self._ws)
        if self._session is not None:
            self._session.detach()

    async def _finish(self, close: CloseValue, error: BusinessError | None) -> None:
        if self._close_deadline is not None:
            self._close_deadline.cancel()
        if self._ws is not None:
            _release_transport(self._ws)
        if self._session is not None:
            await self._session.close()
        self.state = State.CLOSED
        if error is not None:
            self._emit("error", error)
        self._emit("close", None, close)
        self._closed.set()


def _ssl_for(url: str, options: ConnectOptions) -> ssl.SSLContext | bool:
    """aiohttp's ``ssl``: a verifying context for wss:// (with ``caPath``'s CAs and the
    ``clientCert``, API 11), or no check of the server's certificate at all
    (``skipServerCertVerification``, API 20). Raises BusinessError for files that cannot be
    used (a key that does not match, a wrong ``keyPassword``)."""
    if not url.startswith("wss:"):
        return True
    cert = options.client_cert
    client = None if cert is None else (cert.cert_path, cert.key_path, cert.key_password)
    try:
        if not options.verify_server:
            if client is None:
                return False
            context = tls.client_context(None, client)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        return tls.client_context(options.ca_path, client)
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise BusinessError(OTHER_ERROR, f"cannot use the TLS files: {exc}") from exc


def response_headers(response: aiohttp.ClientResponse) -> dict[str, str | list[str]]:
    """The 'headerReceive' value (API 12): each response header by its lower-case name; a
    header the server sent more than once gives the list of its values, in order."""
    headers: dict[str, str | list[str]] = {}
    for raw_name, raw_value in response.raw_headers:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("utf-8", "replace")
        earlier = headers.get(name)
        if earlier is None:
            headers[name] = value
        elif isinstance(earlier, list):
            earlier.append(value)
        else:
            headers[name] = [earlier, value]
    return headers


def _describe_handshake_error(exc: BaseException) -> str:
    if isinstance(exc, BusinessError):  # ours: a proxy that refused, TLS files, ...
        return exc.detail or exc.message
    if isinstance(exc, aiohttp.WSServerHandshakeError):
        return f"handshake refused: HTTP {exc.status} {exc.message}"
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return "handshake timed out"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot connect: {exc.os_error}"
    return f"handshake failed: {exc!r}"
