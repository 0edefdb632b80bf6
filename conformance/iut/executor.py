"""The one piece of the suite that touches an IUT module.

It turns protocol commands into API calls on a running asyncio loop (the IUT's), builds the
callbacks and subscribers the cases ask for, and reports everything that happens as trace
entries through ``sink``. The in-process transport and ``conformance.drivers.python`` both run
it, so the two ways of driving an IUT behave alike by construction.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import inspect
import itertools
from collections.abc import Callable
from types import ModuleType
from typing import Any, cast

from .codec import describe_error, describe_headers, describe_value, generate
from .features import behaviour_name
from .hello import DriverInfo
from .trace import JSONObject, Sink, TraceEntry

PROTOCOL = 3  # the driver protocol version this executor speaks


# Events whose callback is ``Callback<T>`` (one argument, the value), API 11/12: the value
# is recorded as ``value`` (HEADERS for a mapping), ``err`` is null.
ONE_ARGUMENT_EVENTS = ("headerReceive", "dataEnd")

# The subscriber behaviours this executor (and so the Python driver) carries out.
BEHAVIOURS_OFFERED = ("record", "raise", "subscribe", "off_self", "close", "echo")


class CommandError(Exception):
    """A command the executor cannot carry out (bad socket id, bad encoding ...)."""


class Unsupported(CommandError):
    """An optional feature this executor does not offer (``create`` with ``mode: "sync"``)."""


def resolve_module(module: ModuleType) -> ModuleType:
    """The module exposing ``createWebSocket``: the module itself or its ``webSocket``."""
    if hasattr(module, "createWebSocket"):
        return module
    inner = getattr(module, "webSocket", None)
    if inner is not None and hasattr(inner, "createWebSocket"):
        return cast(ModuleType, inner)  # a module in practice; any namespace with it serves
    raise CommandError(
        f"--iut {module.__name__}: the module has no createWebSocket (nor "
        "webSocket.createWebSocket); name the module that defines it"
    )


class Executor:
    def __init__(self, module: ModuleType, sink: Sink) -> None:
        self.module = resolve_module(module)
        self.sink = sink
        self.sockets: dict[str, Any] = {}
        self._subscribers: dict[tuple[str, str, str], Callable[..., None]] = {}
        self._socket_ids = itertools.count(1)
        self._call_ids = itertools.count(1)
        self._pending: set[asyncio.Task[None]] = set()
        self._live_calls: set[int] = set()  # promises whose settlement this case still records

    async def handle(self, command: JSONObject) -> JSONObject:
        """Carry out one request (docs/driver-protocol.md); its reply's fields. Raises
        ``CommandError`` for a request it cannot carry out, ``Unsupported`` for an optional
        feature it lacks."""
        op = command.get("op")
        if op == "hello":
            return hello_reply(self.module)
        if op == "create":
            mode = command.get("mode", "async")
            if mode != "async":
                raise Unsupported(f"create mode {mode!r} is not supported (only 'async')")
            return self._create()
        if op == "call":
            return self._call(command)
        if op == "reset":
            timeout = command.get("timeout", 2.0)
            if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
                raise CommandError(f"reset: timeout must be a number of seconds, not {timeout!r}")
            await self._reset(float(timeout))
            return {}
        raise CommandError(f"unknown op {op!r}")

    # -- commands ------------------------------------------------------------------------------

    def _create(self) -> JSONObject:
        sock = f"s{next(self._socket_ids)}"
        self.sockets[sock] = self.module.createWebSocket()
        return {"socket": sock}

    def _call(self, command: JSONObject) -> JSONObject:
        sock = command.get("socket")
        if sock not in self.sockets:
            raise CommandError(f"no socket {sock!r}")
        call = next(self._call_ids)
        method = str(command.get("method"))
        raw_args = command.get("args", [])
        if not isinstance(raw_args, list):
            raise CommandError("args must be a list")
        args = [self._decode(a, sock, call, raw_args) for a in raw_args]
        promise = bool(command.get("promise"))
        style = "promise" if promise else "callback" if _has_callback(raw_args) else "plain"
        self.sink(
            TraceEntry(
                kind="call",
                socket=sock,
                call=call,
                method=method,
                style=style,
                args=raw_args if len(repr(raw_args)) < 2000 else "(large)",
            )
        )
        raised = None
        returned: Any = None
        bound = getattr(self.sockets[sock], method, None)
        if not callable(bound):
            raised = {
                **(describe_error(AttributeError(f"no method {method!r}")) or {}),
                "missing_method": True,
            }
        else:
            try:
                returned = bound(*args)
            except Exception as exc:
                raised = describe_error(exc)
        kind = _returned_kind(returned)
        if promise and kind in ("future", "awaitable", "coroutine"):
            self._watch(sock, call, returned)
        elif kind == "coroutine":
            returned.close()  # never awaited: do not leak a "never awaited" warning
        self.sink(TraceEntry(kind="return", socket=sock, call=call, returned=kind, raised=raised))
        return {"call": call, "returned": kind, "raised": raised}

    def _watch(self, sock: str, call: int, returned: Any) -> None:
        """Record the promise's settlement when it happens: a done-callback on a future of this
        loop runs in the order the futures settle (SD5 judges that order), where a task
        awaiting each would record one that was still pending a turn after one already done."""
        loop = asyncio.get_running_loop()
        if isinstance(returned, concurrent.futures.Future):
            returned = asyncio.wrap_future(returned, loop=loop)
        if not asyncio.isfuture(returned) or returned.get_loop() is not loop:
            task = loop.create_task(self._await(sock, call, returned))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
            return
        self._live_calls.add(call)

        def settled(future: asyncio.Future[Any]) -> None:
            if future.cancelled():
                return
            err = future.exception()  # retrieved either way: a late rejection stays silent
            if call not in self._live_calls:
                return  # settled after the case ended
            self._live_calls.discard(call)
            self._result(sock, call, err, None if err is not None else future.result())

        returned.add_done_callback(settled)

    async def _await(self, sock: str, call: int, awaitable: Any) -> None:
        try:
            if isinstance(awaitable, concurrent.futures.Future):
                awaitable = asyncio.wrap_future(awaitable)
            value = await awaitable
        except Exception as exc:
            self._result(sock, call, exc, None)
        else:
            self._result(sock, call, None, value)

    def _result(self, sock: str, call: int, err: Any, value: Any) -> None:
        self.sink(
            TraceEntry(
                kind="result",
                socket=sock,
                call=call,
                err=describe_error(err),
                value=describe_value(value),
            )
        )

    async def _reset(self, timeout: float) -> None:
        """End of a case: close what is open (bounded), forget every socket."""
        waits = []
        for ws in self.sockets.values():
            try:
                result = ws.close()
            except Exception:
                continue
            if isinstance(result, concurrent.futures.Future):
                result = asyncio.wrap_future(result)
            if inspect.isawaitable(result):
                waits.append(asyncio.ensure_future(result))
        if waits:
            await asyncio.wait(waits, timeout=timeout)
            for w in waits:
                if w.done() and not w.cancelled():
                    w.exception()
        for task in list(self._pending):
            task.cancel()
        self._live_calls.clear()
        self.sockets.clear()
        self._subscribers.clear()

    # -- argument decoding -------------------------------------------------------------------

    def _decode(self, value: Any, sock: str, call: int, raw_args: list[Any]) -> Any:
        if isinstance(value, list):
            return [self._decode(v, sock, call, raw_args) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((tag, inner),) = value.items()
            if tag == "$callback":
                return self._callback(sock, call)
            if tag == "$subscriber":
                behaviour = str(inner.get("behaviour", "record"))
                if behaviour_name(behaviour) not in BEHAVIOURS_OFFERED:
                    raise CommandError(
                        f"unknown subscriber behaviour {behaviour!r}; this driver offers "
                        f"{', '.join(BEHAVIOURS_OFFERED)} (docs/driver-protocol.md)"
                    )
                event_type = raw_args[0] if raw_args and isinstance(raw_args[0], str) else "?"
                return self._subscriber(
                    sock, inner["name"], inner.get("behaviour", "record"), event_type
                )
            if tag == "$options":
                cls = getattr(self.module, inner["cls"], None)
                if cls is None:  # the class form is optional: a plain dict is the JS form
                    raise Unsupported(f"the IUT module offers no {inner['cls']} class")
                return cls(**self._decode(inner["fields"], sock, call, raw_args))
            if tag == "$gen":
                return generate(inner["kind"], int(inner["size"]))
            if tag == "$opaque":
                return object()
            if tag == "$dict":
                return {k: self._decode(v, sock, call, raw_args) for k, v in inner.items()}
            for name, cls in (("$bytes", bytes), ("$bytearray", bytearray)):
                if tag == name:
                    return cls(base64.b64decode(inner))
            if tag == "$memoryview":
                return memoryview(base64.b64decode(inner))
        return {k: self._decode(v, sock, call, raw_args) for k, v in value.items()}

    def _callback(self, sock: str, call: int) -> Callable[..., None]:
        def callback(err: Any = None, value: Any = None, *_: Any) -> None:
            self._result(sock, call, err, value)

        return callback

    def _subscriber(self, sock: str, name: str, behaviour: str, event_type: str) -> Any:
        key = (sock, name, event_type)
        if key in self._subscribers:
            return self._subscribers[key]
        executor = self
        state = {"fired": False}

        def subscriber(*args: Any) -> None:
            err = args[0] if args else None
            value = args[1] if len(args) > 1 else None
            described: Any = describe_value(value)
            if event_type in ONE_ARGUMENT_EVENTS:  # Callback<T>: the value is the only argument
                err, described = None, describe_headers(args[0]) if args else None
            executor.sink(
                TraceEntry(
                    kind="event",
                    socket=sock,
                    sub=name,
                    type=event_type,
                    nargs=len(args),
                    err=describe_error(err),
                    value=described,
                )
            )
            ws = executor.sockets.get(sock)
            if behaviour == "raise":
                raise RuntimeError(f"subscriber {name} raises on purpose")
            if behaviour.startswith("subscribe:") and not state["fired"] and ws is not None:
                _, new_type, new_name = behaviour.split(":", 2)
                ws.on(new_type, executor._subscriber(sock, new_name, "record", new_type))
            elif behaviour == "off_self" and ws is not None:
                ws.off(event_type, subscriber)
            elif behaviour == "close" and ws is not None:
                _ignore_outcome(ws.close())
            elif behaviour == "echo" and ws is not None and event_type == "message":
                _ignore_outcome(ws.send(value))
            state["fired"] = True

        self._subscribers[key] = subscriber
        return subscriber


def hello_info(module: ModuleType) -> DriverInfo:
    """What a Python module declares of itself (docs/driver-protocol.md, "hello"): its close
    timeout as ``CLOSE_TIMEOUT_S`` (seconds) so the close-timeout case waits that, its handshake
    timeout as ``HANDSHAKE_TIMEOUT_S``, and the later API's features it offers as
    ``API_FEATURES`` (names, conformance/apifeatures.py) or ``API_LEVEL``; without either the
    suite detects them. Values are taken as declared: the reader of the reply judges them."""
    close_timeout = getattr(module, "CLOSE_TIMEOUT_S", None)
    handshake_timeout = getattr(module, "HANDSHAKE_TIMEOUT_S", None)
    api_features = getattr(module, "API_FEATURES", None)
    api_level = getattr(module, "API_LEVEL", None)
    return DriverInfo(
        protocol=PROTOCOL,
        driver="python",
        language="python",
        implementation=module.__name__,
        binary_type="bytes",
        modes=("async",),
        close_timeout=close_timeout if isinstance(close_timeout, (int, float)) else None,
        handshake_timeout=(
            handshake_timeout if isinstance(handshake_timeout, (int, float)) else None
        ),
        behaviours=BEHAVIOURS_OFFERED,
        api_features=(
            tuple(str(f) for f in api_features) if isinstance(api_features, (list, tuple)) else None
        ),
        api_level=(
            api_level if isinstance(api_level, int) and not isinstance(api_level, bool) else None
        ),
    )


def hello_reply(module: ModuleType) -> JSONObject:
    """The ``hello`` reply's fields for a Python module (``module`` too, which protocol-1
    readers took for ``implementation``)."""
    return {**hello_info(module).as_json(), "module": module.__name__}


def _ignore_outcome(result: Any) -> None:
    """A subscriber's own call: its promise may reject; that must not surface as unretrieved."""
    if asyncio.isfuture(result) or isinstance(result, concurrent.futures.Future):
        result.add_done_callback(lambda f: f.cancelled() or f.exception())
    elif inspect.iscoroutine(result):
        result.close()


def _has_callback(raw_args: list[Any]) -> bool:
    return any(isinstance(a, dict) and "$callback" in a for a in raw_args)


def _returned_kind(value: Any) -> str:
    if value is None:
        return "none"
    if inspect.iscoroutine(value):
        return "coroutine"
    if isinstance(value, concurrent.futures.Future) or asyncio.isfuture(value):
        return "future"
    if inspect.isawaitable(value):
        return "awaitable"
    return f"value:{value!r}"[:100]
