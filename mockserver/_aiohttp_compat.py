"""Every private aiohttp name the mock server uses, in one place, each one checked.

Three needs aiohttp's public API does not meet:

- **Quiet bad requests** (``QuietLogger``, below).
- **The WebSocket hooks** (``HookedWebSocketResponse``): the wire log and ``FrameCheck`` must
  see every byte a client sends from the first one, and a script may bend the handshake's
  answer. aiohttp 3.10–3.14 build the answer in ``WebSocketResponse._handshake``, write its
  status line after ``_pre_start`` and install the frame parser in ``_post_start``, in the
  request handler's private ``_payload_parser`` slot, after feeding it the bytes that came
  right behind the request (``_message_tail``). The subclass overrides those three methods
  and swaps that slot; a subclass of it (``mockserver.tap``) implements the public-named
  hooks ``bend_handshake``, ``before_status_line`` and ``wrap_parser``.
- **The port a listener got** (``bound_port``): ``TCPSite`` has no public accessor; its
  private ``_server``'s sockets say.

If a new aiohttp renames any of these, the mock server would silently stop logging and
checking client frames. ``check()`` runs at import; ``HookedWebSocketResponse`` checks again
at each upgrade, ``bound_port`` at each start; a miss raises ``AiohttpIncompatible`` naming
the aiohttp version and the name that is gone.

Quiet bad requests. A request aiohttp cannot parse (a 9,000-byte request line or header, a
header without a colon, ``PRI * HTTP/2.0``, NUL in the path, ``HTTP/9.9``,
``Content-Length: -1``) is answered 400 by aiohttp itself, which then logs ``Error handling
request`` *with a traceback* through its request handler's ``logger``
(``RequestHandler.handle_error`` → ``log_exception`` → ``logger.exception``). The mock
server is fed such requests on purpose; a traceback per request in the tester's console
reads like a crash. So the server hands aiohttp (through the documented ``logger=`` keyword
of ``AppRunner``, which aiohttp passes to ``RequestHandler``) a ``QuietLogger``: a parse
error (``HttpProcessingError``) becomes one line on the ``mockserver.access`` logger;
anything else goes on to ``aiohttp.server`` as before.

What is not promised by aiohttp: that ``log_exception`` reaches ``self.logger.exception``
with the parse error as ``exc_info``. ``check()`` runs at import: it calls aiohttp's own
``RequestHandler.log_exception`` on a stand-in handler and looks for the call; if a new
aiohttp routes it elsewhere, import fails with ``AiohttpIncompatible`` naming the version and
what moved, instead of the tracebacks silently coming back.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import sys
from typing import Any

import aiohttp
from aiohttp import web, web_protocol
from aiohttp.http_exceptions import HttpProcessingError
from multidict import CIMultiDict

AIOHTTP_VERSION: str = aiohttp.__version__
TESTED = "aiohttp 3.14.2 and 3.14.5"

# What a client can cause while sending a request: aiohttp's parse errors (LineTooLong,
# BadHttpMessage, BadStatusLine, InvalidURLError, a broken chunked body ...), and a body
# cut short (the connection ends under ``request.read()``).
QUIET_ERRORS: tuple[type[BaseException], ...] = (
    HttpProcessingError,
    ConnectionError,
    asyncio.IncompleteReadError,
    aiohttp.ClientPayloadError,
)

access_log = logging.getLogger("mockserver.access")


class AiohttpIncompatible(RuntimeError):
    """The installed aiohttp lacks a private name the mock server relies on."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"mockserver cannot run on aiohttp {AIOHTTP_VERSION}: {what}; "
            f"tested with {TESTED}. Pin aiohttp to a tested version, or update "
            "mockserver/_aiohttp_compat.py"
        )


def _one_line(exc: BaseException) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= 200 else text[:200] + " …"


class QuietLogger(logging.LoggerAdapter):  # type: ignore[type-arg,unused-ignore]
    """aiohttp's server logger, but a request aiohttp could not parse is one warning line on
    ``mockserver.access`` (no traceback); every other record passes through unchanged."""

    def __init__(self) -> None:
        super().__init__(logging.getLogger("aiohttp.server"), {})
        self.quieted = 0  # parse errors turned into one line (tests read it)

    def exception(self, msg: Any, *args: Any, exc_info: Any = True, **kwargs: Any) -> None:
        exc = exc_info if isinstance(exc_info, BaseException) else sys.exc_info()[1]
        if isinstance(exc, QUIET_ERRORS):
            remote = args[0] if args else None
            self.bad_request(remote, _one_line(exc))
            return
        super().exception(msg, *args, exc_info=exc_info, **kwargs)

    def bad_request(self, remote: Any, what: str) -> None:
        """One access-log line for a request the server answered 400 without running it."""
        self.quieted += 1
        access_log.warning("mockserver: 400 bad request from %s: %s", remote or "?", what)


quiet_logger = QuietLogger()


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def exception(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append((args, kwargs))

    def debug(self, *args: Any, **kwargs: Any) -> None:
        pass


class _Handler:
    def __init__(self) -> None:
        self.logger = _Recorder()


def check_quiet_logger() -> None:
    """aiohttp still takes ``logger=`` and routes a parse error to ``logger.exception`` with
    the error as ``exc_info``; AiohttpIncompatible otherwise."""
    handler_class = getattr(web_protocol, "RequestHandler", None)
    if handler_class is None:
        raise AiohttpIncompatible("aiohttp.web_protocol.RequestHandler is gone")
    try:
        parameters = inspect.signature(handler_class.__init__).parameters
    except (TypeError, ValueError):
        parameters = {}  # type: ignore[assignment]
    if "logger" not in parameters:
        raise AiohttpIncompatible("RequestHandler no longer takes logger=")
    log_exception = getattr(handler_class, "log_exception", None)
    if log_exception is None or getattr(handler_class, "handle_error", None) is None:
        raise AiohttpIncompatible("RequestHandler.log_exception or handle_error is gone")
    stand_in = _Handler()
    probe = HttpProcessingError(code=400, message="probe")
    try:
        log_exception(stand_in, "Error handling request from %s", "probe", exc_info=probe)
    except Exception as exc:
        raise AiohttpIncompatible(f"RequestHandler.log_exception failed ({exc!r})") from None
    calls = stand_in.logger.calls
    if not calls or calls[0][1].get("exc_info") is not probe:
        raise AiohttpIncompatible(
            "RequestHandler.log_exception does not pass the error to logger.exception"
        )


# -- the WebSocket hooks -------------------------------------------------------------------

_WS_METHODS = {  # name -> its parameters after self
    "_handshake": ("request",),
    "_pre_start": ("request",),
    "_post_start": ("request", "protocol", "writer"),
}
_HANDLER_SLOTS = ("_payload_parser", "_message_tail")


def check_websocket_hooks() -> None:
    """``WebSocketResponse`` still has the methods ``HookedWebSocketResponse`` overrides,
    taking the same parameters, and ``RequestHandler`` the slots it reads and writes;
    AiohttpIncompatible otherwise."""
    for name, wanted in _WS_METHODS.items():
        method = getattr(web.WebSocketResponse, name, None)
        if not callable(method):
            raise AiohttpIncompatible(f"aiohttp.web.WebSocketResponse.{name} is gone")
        try:
            got = tuple(inspect.signature(method).parameters)[1:]
        except (TypeError, ValueError):
            got = wanted
        if got != wanted:
            raise AiohttpIncompatible(
                f"aiohttp.web.WebSocketResponse.{name} takes {got}, not {wanted}"
            )
    handler_class = getattr(web_protocol, "RequestHandler", None)
    for name in _HANDLER_SLOTS:
        if handler_class is None or not hasattr(handler_class, name):
            raise AiohttpIncompatible(f"aiohttp.web_protocol.RequestHandler.{name} is gone")


def _handler_slot(handler: Any, name: str) -> Any:
    try:
        return getattr(handler, name)
    except AttributeError:
        raise AiohttpIncompatible(f"the request handler has no {name}") from None


class HookedWebSocketResponse(web.WebSocketResponse):
    """aiohttp's server WebSocket with three hooks a subclass implements:
    ``bend_handshake(headers)`` (the 101's headers, before they are written),
    ``before_status_line()`` (after aiohttp set the status, before it writes it) and
    ``wrap_parser(parser)`` (the frame parser aiohttp installed, returned wrapped; it sees
    the bytes that came right behind the request too)."""

    def bend_handshake(self, headers: CIMultiDict[str]) -> None:
        """Change the 101's headers in place (nothing by default)."""

    def before_status_line(self) -> None:
        """The status is set; the status line is not written yet (nothing by default)."""

    def wrap_parser(self, parser: Any) -> Any:
        """The parser every incoming byte goes through from now on (``parser`` by default)."""
        return parser

    def _handshake(self, request: Any) -> Any:
        headers, protocol, compress, notakeover = super()._handshake(request)
        self.bend_handshake(headers)
        return headers, protocol, compress, notakeover

    def _pre_start(self, request: Any) -> Any:
        started = super()._pre_start(request)
        self.before_status_line()
        return started

    def _post_start(self, request: Any, protocol: Any, writer: Any) -> None:
        # Bytes a client sent right behind its handshake request wait in the handler's
        # ``_message_tail``; aiohttp would feed them to its parser before the wrapper is in.
        handler = request.protocol
        tail = _handler_slot(handler, "_message_tail")
        if tail:
            handler._message_tail = b""
        super()._post_start(request, protocol, writer)
        parser = _handler_slot(handler, "_payload_parser")
        if parser is None:
            raise AiohttpIncompatible(
                "WebSocketResponse._post_start left the handler's _payload_parser empty"
            )
        wrapped = self.wrap_parser(parser)
        handler._payload_parser = wrapped
        if tail:
            wrapped.feed_data(tail)


# -- the port a listener got -----------------------------------------------------------------


def bound_port(site: web.TCPSite) -> int:
    """The port ``site`` listens on (after ``start``)."""
    sockets = getattr(getattr(site, "_server", None), "sockets", None)
    if not sockets:
        raise AiohttpIncompatible("aiohttp.web.TCPSite._server.sockets is gone")
    return int(sockets[0].getsockname()[1])


def check() -> None:
    """Every private name above is where the mock server expects it."""
    check_quiet_logger()
    check_websocket_hooks()


check()
