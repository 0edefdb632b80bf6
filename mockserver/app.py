"""The aiohttp application: its WebSocket routes (each a script) and its control routes.

Every WebSocket route is a script: ``/echo`` is ``[echo]``, ``/drop`` is ``[drop]`` and so
on, so one runner (``mockserver.steps.ScriptRun``) and one log serve them all. The control
routes store scripts (``POST /_scripts``) and read the wire log (``/_log``); the guard
(``mockserver.guard``) keeps them to loopback clients.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from ._aiohttp_compat import QUIET_ERRORS, quiet_logger
from .connlog import EndedBy
from .frames import header_text as _text
from .guard import control_guard, handshake_refusal
from .limits import (
    DEFAULT_MAX_MESSAGE,
    MAX_MAX_MESSAGE,
    MAX_SCRIPT_BODY,
    MAX_TAG,
    MemoryBudget,
    ScriptStore,
    check_option,
)
from .records import Handshake
from .script import Script, ScriptError, load_script_text, parse_script
from .steps import ScriptRun
from .tap import TappedWebSocketResponse
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
        middlewares=[control_guard(loopback_only)],
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
