"""Requests the server answers with a refusal of its own: an opening handshake it cannot
accept (RFC 6455 §4.2.1-§4.2.2), and a control route reached from a web page or a rebound name
(``limits.control_refusal``). Each refusal is one line saying what was wrong and how to mend it.
"""

from __future__ import annotations

import base64
import binascii

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware

from .limits import control_refusal

SUPPORTED_VERSION = "13"


def handshake_refusal(request: web.Request) -> web.Response | None:
    """400 (or 426 for another version, with the one supported) when the request is not a
    WebSocket opening handshake this server can accept; None when it is."""
    headers = request.headers
    if request.method != "GET":
        return _refuse(400, f"a WebSocket handshake is a GET, not {request.method}")
    if "websocket" not in headers.get(hdrs.UPGRADE, "").lower():
        return _refuse(
            400, "not a WebSocket handshake: send 'Upgrade: websocket' and 'Connection: Upgrade'"
        )
    connection = [t.strip().lower() for t in headers.get(hdrs.CONNECTION, "").split(",")]
    if "upgrade" not in connection:
        return _refuse(400, "not a WebSocket handshake: send 'Connection: Upgrade'")
    version = headers.get(hdrs.SEC_WEBSOCKET_VERSION)
    if version is None:
        return _refuse(400, "Sec-WebSocket-Version is missing: send 'Sec-WebSocket-Version: 13'")
    if version.strip() != SUPPORTED_VERSION:
        response = _refuse(426, f"Sec-WebSocket-Version {version[:20]!r} is not supported: send 13")
        response.headers[hdrs.SEC_WEBSOCKET_VERSION] = SUPPORTED_VERSION
        return response
    key = headers.get(hdrs.SEC_WEBSOCKET_KEY)
    if key is None:
        return _refuse(400, "Sec-WebSocket-Key is missing: send 16 random bytes in base64")
    try:
        valid = len(base64.b64decode(key.strip(), validate=True)) == 16
    except (binascii.Error, ValueError):
        valid = False
    if not valid:
        return _refuse(
            400, f"Sec-WebSocket-Key {key[:40]!r} is not 16 bytes in base64: send 16 random bytes"
        )
    return None


def _refuse(status: int, why: str) -> web.Response:
    return web.json_response({"error": why, "step": None}, status=status)


def control_guard(loopback_only: bool) -> Middleware:
    """A middleware: the control routes (``/_scripts`` POST, ``/_log``) refuse requests from
    web pages (``Origin``), rebound names (``Host``) and bodies that are not JSON."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/_log") or (
            request.path == "/_scripts" and request.method != "GET"
        ):
            why = control_refusal(
                request.headers.get(hdrs.HOST), request.headers.get(hdrs.ORIGIN), loopback_only
            )
            if (
                why is None
                and request.method == "POST"
                and request.content_type != ("application/json")
            ):
                why = (
                    f"Content-Type {request.content_type!r} refused: "
                    "send the script as application/json"
                )
                return web.json_response({"error": why, "step": None}, status=415)
            if why is not None:
                return web.json_response({"error": why, "step": None}, status=403)
        return await handler(request)

    return guard
