"""Every use of aiohttp's server internals for quiet bad-request handling, in one place, checked.

A request aiohttp cannot parse (a 9,000-byte request line or header, a header without a
colon, ``PRI * HTTP/2.0``, NUL in the path, ``HTTP/9.9``, ``Content-Length: -1``) is answered
400 by aiohttp itself, which then logs ``Error handling request`` *with a traceback* through
its request handler's ``logger`` (``RequestHandler.handle_error`` → ``log_exception`` →
``logger.exception``). The mock server is fed such requests on purpose; a traceback per
request in the tester's console reads like a crash. So the server hands aiohttp (through the
documented ``logger=`` keyword of ``AppRunner``, which aiohttp passes to ``RequestHandler``)
a ``QuietLogger``: a parse error (``HttpProcessingError``) becomes one line on the
``mockserver.access`` logger; anything else goes on to ``aiohttp.server`` as before.

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
from aiohttp import web_protocol
from aiohttp.http_exceptions import HttpProcessingError

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
    """The installed aiohttp no longer logs parse errors the way ``QuietLogger`` expects."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"mockserver cannot keep bad requests quiet on aiohttp {AIOHTTP_VERSION}: {what}; "
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


def check() -> None:
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


check()
